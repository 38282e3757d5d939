package api

import (
	"context"
	"net/http"
	"strings"

	"slate"
)

// sessionCookie carries the web app's session token.
const sessionCookie = "slate_session"

type secretKey struct{}

// secretFrom returns the credential the request was authenticated with, so
// logout can revoke exactly that one.
func secretFrom(ctx context.Context) string {
	s, _ := ctx.Value(secretKey{}).(string)
	return s
}

// authenticate resolves the bearer token or session cookie to a user and puts
// it in the request context, where services read the acting user. Every
// route but the public ones refuses a request without valid credentials.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.public[s.pattern(r)] {
			next.ServeHTTP(w, r)
			return
		}
		secret, err := credential(r)
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		u, err := s.Users.Authenticate(r.Context(), secret)
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		infoFrom(r.Context()).userID = u.ID
		ctx := slate.NewContextWithUser(r.Context(), u)
		ctx = context.WithValue(ctx, secretKey{}, secret)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// credential finds the token of a request. The Authorization header wins
// over the cookie: a client that sends one means it.
func credential(r *http.Request) (string, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return "", slate.Errorf(slate.EUNAUTHENTICATED, "the Authorization header must be \"Bearer <token>\"")
		}
		return token, nil
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return c.Value, nil
	}
	return "", slate.Errorf(slate.EUNAUTHENTICATED, "sign in: send \"Authorization: Bearer <token>\" or the session cookie")
}
