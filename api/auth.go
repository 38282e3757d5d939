package api

import (
	"context"
	"net/http"
	"strings"

	"slate"
	"slate/session"
)

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
		secret, fromCookie, err := credential(r)
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		// A browser sends the cookie whichever site made the request, so a
		// change made with it must prove it came from Slate's own pages.
		if fromCookie && !session.Safe(r.Method) && !session.ValidCSRF(r, secret) {
			writeProblem(w, r, slate.Errorf(slate.EFORBIDDEN,
				"a request signed in by the session cookie must carry the page's %s header", session.CSRFHeader))
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

// credential finds the token of a request and whether it came from the
// session cookie. The Authorization header wins over the cookie: a client
// that sends one means it.
func credential(r *http.Request) (secret string, fromCookie bool, err error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
			return "", false, slate.Errorf(slate.EUNAUTHENTICATED, "the Authorization header must be \"Bearer <token>\"")
		}
		return token, false, nil
	}
	if c := session.Secret(r); c != "" {
		return c, true, nil
	}
	return "", false, slate.Errorf(slate.EUNAUTHENTICATED, "sign in: send \"Authorization: Bearer <token>\" or the session cookie")
}
