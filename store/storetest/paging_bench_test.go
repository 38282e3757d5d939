package storetest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"slate"
	"slate/store/storetest"
)

// benchOrgProjects is the large organisation's project count; every tenth
// project is restricted, so a member's page runs the access filter.
const benchOrgProjects = 3000

// seedOrgProjects makes n projects in a fresh org and returns a member's
// context (read, not owner) with the org's id.
func seedOrgProjects(b *testing.B, env *storetest.Env, n int) (context.Context, string) {
	b.Helper()
	o := env.NewOwner(b)
	_, member := inviteAndJoin(b, env, o, "member")
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n - 1 {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p, err := env.DB.CreateProject(o.Ctx, o.Org.ID, slate.ProjectInput{Title: fmt.Sprintf("Film %d", i)})
			if err == nil && i%10 == 0 {
				_, err = env.DB.SetProjectAccess(o.Ctx, p.ID, slate.ProjectAccess{Restricted: true})
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return member, o.Org.ID
}

// BenchmarkProjectsPage: a page of projects costs the same however many
// the organisation has and however far into them it is. Baseline: the
// first page of an organisation of exactly one page.
func BenchmarkProjectsPage(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		env := storetest.Open(b, be)
		smallCtx, small := seedOrgProjects(b, env, slate.DefaultPageLimit)
		bigCtx, big := seedOrgProjects(b, env, benchOrgProjects)
		// The cursor of a page near the end of the large organisation.
		var late string
		for req := (slate.PageRequest{}); ; {
			p, err := env.DB.ListProjects(bigCtx, big, req)
			if err != nil {
				b.Fatal(err)
			}
			if p.NextCursor == "" {
				break
			}
			late, req.Cursor = req.Cursor, p.NextCursor
		}
		for _, tc := range []struct {
			name   string
			ctx    context.Context
			org    string
			cursor string
		}{
			{"one-page-org", smallCtx, small, ""},
			{"first-page-of-3000", bigCtx, big, ""},
			{"late-page-of-3000", bigCtx, big, late},
		} {
			b.Run(be.Name+"/"+tc.name, func(b *testing.B) {
				for b.Loop() {
					p, err := env.DB.ListProjects(tc.ctx, tc.org, slate.PageRequest{Cursor: tc.cursor})
					if err != nil {
						b.Fatal(err)
					}
					if len(p.Items) == 0 {
						b.Fatal("an empty page")
					}
				}
			})
		}
	}
}
