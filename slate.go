// Package slate is the domain of Slate, the production-management server for
// AI filmmaking: organisations, members and permissions, the Act → Scene →
// Shot tree with tags, locks and review, and the services that act on them.
//
// It imports nothing else of this module. Storage, HTTP, engines, export and
// the command line live in packages around it and depend inward.
package slate

import (
	"context"
	"time"
)

// Clock tells the time. Nothing in the domain calls time.Now: services are
// given a Clock so tests can move through periods, expiries and leases.
type Clock interface {
	Now() time.Time
}

type contextKey int

const userKey contextKey = iota

// NewContextWithUser returns ctx carrying the authenticated user. Services read
// the acting user from the context, as the HTTP layer puts it there.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// UserFromContext returns the authenticated user, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey).(*User)
	return u
}

// UserIDFromContext returns the authenticated user's id, or "".
func UserIDFromContext(ctx context.Context) string {
	if u := UserFromContext(ctx); u != nil {
		return u.ID
	}
	return ""
}
