package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"slate"
	"slate/session"
)

// Login is what signing in needs.
type Login struct {
	Email    string `json:"email" maxLength:"254"`
	Password string `json:"password" maxLength:"256"`
}

// Session is the answer of sign-up and login: a session token, shown once,
// and the signed-in user.
type Session struct {
	Token     string      `json:"token" doc:"Session token; send it as Authorization: Bearer <token>"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
	User      *slate.User `json:"user"`
}

type sessionOut struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      *Session
}

type logoutOut struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

func (s *Server) registerUsers() {
	tags := []string{"auth"}
	register(s, huma.Operation{
		OperationID: "signup", Method: http.MethodPost, Path: "/api/v1/auth/signup", Tags: tags,
		Summary: "Create an account and sign in", DefaultStatus: http.StatusCreated,
		Description: "Public: needs no credentials. The email must not have an account yet. Answers a session token (valid 14 days) and also sets it as the web app's session cookie. " +
			"Paced per client address, and per email like login (429 rate_limited with Retry-After).",
	}, opts{public: true, errs: []int{409, 429}}, func(ctx context.Context, in *struct{ Body slate.Signup }) (*sessionOut, error) {
		if err := s.admitSignIn(ctx); err != nil {
			return nil, err
		}
		t, u, err := s.Users.Join(ctx, in.Body)
		return sessionOf(ctx, t, u, err)
	})
	register(s, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/api/v1/auth/login", Tags: tags,
		Summary: "Sign in with email and password",
		Description: "Public: needs no credentials. Answers a new session token (valid 14 days) and also sets it as the web app's session cookie. " +
			"A wrong email or password answers 401 without saying which. Paced per client address, and per account: after a few failures in a row the account takes " +
			"no attempt for a while, doubling with each further failure. Either answers 429 rate_limited with Retry-After.",
	}, opts{public: true, errs: []int{401, 429}}, func(ctx context.Context, in *struct{ Body Login }) (*sessionOut, error) {
		if err := s.admitSignIn(ctx); err != nil {
			return nil, err
		}
		return s.login(ctx, in.Body.Email, in.Body.Password)
	})
	register(s, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/api/v1/auth/logout", Tags: tags,
		Summary: "Revoke the token this request was made with", DefaultStatus: http.StatusNoContent,
		Description: "Revokes exactly the token or session the request was made with and clears the session cookie; the user's other tokens stay valid.",
	}, opts{}, func(ctx context.Context, _ *struct{}) (*logoutOut, error) {
		if err := s.Users.Logout(ctx, secretFrom(ctx)); err != nil {
			return nil, err
		}
		return &logoutOut{SetCookie: session.Expired(infoFrom(ctx).tls)}, nil
	})
	register(s, huma.Operation{
		OperationID: "createToken", Method: http.MethodPost, Path: "/api/v1/tokens", Tags: tags,
		Summary: "Create an API token",
		Description: "The token is shown once, in this response. Paced per client address and per account " +
			"(429 rate_limited with Retry-After).",
		DefaultStatus: http.StatusCreated,
	}, opts{errs: []int{429}}, func(ctx context.Context, in *struct{ Body slate.TokenInput }) (*out[*slate.Token], error) {
		if err := s.admitSignIn(ctx); err != nil {
			return nil, err
		}
		return replyOr(s.Users.CreateToken(ctx, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "me", Method: http.MethodGet, Path: "/api/v1/me", Tags: tags,
		Summary:     "The signed-in user",
		Description: "The user the request's token or session cookie belongs to.",
	}, opts{}, func(ctx context.Context, _ *struct{}) (*out[*slate.User], error) {
		return reply(slate.UserFromContext(ctx)), nil
	})
}

// login signs in and also sets the web app's session cookie, so browsers and
// API clients share one endpoint.
func (s *Server) login(ctx context.Context, email, password string) (*sessionOut, error) {
	t, u, err := s.Users.Login(ctx, email, password)
	return sessionOf(ctx, t, u, err)
}

// sessionOf answers a new session token as the body and the cookie.
func sessionOf(ctx context.Context, t *slate.Token, u *slate.User, err error) (*sessionOut, error) {
	if err != nil {
		return nil, err
	}
	var expires time.Time
	if t.ExpiresAt != nil {
		expires = *t.ExpiresAt
	}
	c := session.Cookie(t.Secret, expires, infoFrom(ctx).tls)
	return &sessionOut{SetCookie: c, Body: &Session{Token: t.Secret, ExpiresAt: t.ExpiresAt, User: u}}, nil
}
