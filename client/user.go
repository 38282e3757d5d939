package client

import (
	"context"
	"net/http"
	"time"

	"slate"
)

// Session is the answer to sign-up and login: a session token and its user.
type Session struct {
	Token     string      `json:"token"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
	User      *slate.User `json:"user"`
}

// Signup creates an account and signs it in.
func (c *Client) Signup(ctx context.Context, in slate.Signup) (*Session, error) {
	return send[Session](ctx, c, http.MethodPost, "/api/v1/auth/signup", in)
}

// Login signs in with email and password.
func (c *Client) Login(ctx context.Context, email, password string) (*Session, error) {
	in := struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}{email, password}
	return send[Session](ctx, c, http.MethodPost, "/api/v1/auth/login", in)
}

// Logout revokes the client's token.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/api/v1/auth/logout", nil, nil)
}

// CreateToken makes a long-lived API token; its Secret is shown only now.
func (c *Client) CreateToken(ctx context.Context, in slate.TokenInput) (*slate.Token, error) {
	return send[slate.Token](ctx, c, http.MethodPost, "/api/v1/tokens", in)
}

// Me returns the signed-in user.
func (c *Client) Me(ctx context.Context) (*slate.User, error) {
	return send[slate.User](ctx, c, http.MethodGet, "/api/v1/me", nil)
}
