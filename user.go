package slate

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// User is a person who signs in. One user may belong to several organisations.
type User struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Signup is what a new account needs.
type Signup struct {
	Email    string `json:"email" maxLength:"254"`
	Password string `json:"password" maxLength:"256"`
	Name     string `json:"name" maxLength:"200"`
}

// Password length bounds: long enough to resist guessing, short enough that
// hashing cost stays bounded.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
	MaxNameLen     = 200
	MaxEmailLen    = 254
)

// NormalizeEmail lower-cases and trims an address so that lookups and
// invitation matching ignore case.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidateEmail checks an address is a bare, plausible email.
func ValidateEmail(field, s string) error {
	if s == "" || len(s) > MaxEmailLen {
		return Invalidf(field, "email must be 1-%d characters", MaxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return Invalidf(field, "%q is not an email address", s)
	}
	return nil
}

// Validate checks a sign-up request; Email is expected normalised.
func (s *Signup) Validate() error {
	if err := ValidateEmail("email", s.Email); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s.Password); n < MinPasswordLen || n > MaxPasswordLen {
		return Invalidf("password", "password must be %d-%d characters", MinPasswordLen, MaxPasswordLen)
	}
	return ValidateName("name", s.Name)
}

// ValidateName checks a required, single-line display name.
func ValidateName(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return Invalidf(field, "%s must not be empty", field)
	}
	if utf8.RuneCountInString(s) > MaxNameLen {
		return Invalidf(field, "%s must be at most %d characters", field, MaxNameLen)
	}
	if strings.ContainsAny(s, "\r\n\x00") {
		return Invalidf(field, "%s must be a single line", field)
	}
	return nil
}

// TokenKind tells a browser/CLI session from a long-lived API token.
type TokenKind string

const (
	TokenSession TokenKind = "session"
	TokenAPI     TokenKind = "api"
)

// SessionTTL is how long a login session lasts.
const SessionTTL = 14 * 24 * time.Hour

// Token describes a credential. Secret is filled only when the token is
// created: it is stored hashed and never shown again.
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Kind      TokenKind  `json:"kind"`
	Secret    string     `json:"token,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// TokenInput asks for a new API token.
type TokenInput struct {
	Name string `json:"name" maxLength:"200"`
	// ExpiresInDays of 0 means the token does not expire.
	ExpiresInDays int `json:"expires_in_days,omitempty" minimum:"0" maximum:"3650"`
}

// UserService signs people up and in and resolves credentials.
type UserService interface {
	Signup(ctx context.Context, in Signup) (*User, error)
	// Join is Signup that also opens the account's first session, in the
	// same transaction and with the one password hash: sign-up in the API
	// never creates an account it then fails to sign in.
	Join(ctx context.Context, in Signup) (*Token, *User, error)
	// Login checks the password and returns a new session token.
	Login(ctx context.Context, email, password string) (*Token, *User, error)
	// CreateToken makes an API token for the user in ctx.
	CreateToken(ctx context.Context, in TokenInput) (*Token, error)
	// Authenticate resolves a token secret to its user; EUNAUTHENTICATED when
	// the token is unknown, revoked or expired.
	Authenticate(ctx context.Context, secret string) (*User, error)
	// Logout revokes the token secret.
	Logout(ctx context.Context, secret string) error
}
