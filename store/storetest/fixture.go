package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"slate"
)

var userSeq atomic.Int64

// NewUser signs up a fresh user and returns it with a context acting as it.
func (e *Env) NewUser(t testing.TB, name string) (*slate.User, context.Context) {
	t.Helper()
	n := userSeq.Add(1)
	u, err := e.DB.Signup(context.Background(), slate.Signup{
		Email: fmt.Sprintf("%s-%d@example.test", name, n), Password: "correct horse battery", Name: name,
	})
	if err != nil {
		t.Fatalf("signup %s: %v", name, err)
	}
	return u, Ctx(u)
}

// NewOrg creates an org on plan owned by the user of ctx.
func (e *Env) NewOrg(t testing.TB, ctx context.Context, plan string) *slate.Org {
	t.Helper()
	o, err := e.DB.CreateOrg(ctx, slate.OrgInput{Name: "Org " + plan, Plan: plan})
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
	return o
}

// NewProject creates a project with defaults in org as the user of ctx.
func (e *Env) NewProject(t testing.TB, ctx context.Context, orgID string) *slate.Project {
	t.Helper()
	p, err := e.DB.CreateProject(ctx, orgID, slate.ProjectInput{Title: "The Lighthouse"})
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	return p
}

// Owner is a user owning an org with one project: the starting point of most
// tests.
type Owner struct {
	User    *slate.User
	Ctx     context.Context
	Org     *slate.Org
	Project *slate.Project
}

// NewOwner signs up a user who owns a fresh org (business plan) and project.
func (e *Env) NewOwner(t testing.TB) *Owner {
	t.Helper()
	u, ctx := e.NewUser(t, "owner")
	o := e.NewOrg(t, ctx, "business")
	return &Owner{User: u, Ctx: ctx, Org: o, Project: e.NewProject(t, ctx, o.ID)}
}
