package storetest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// TestProjectsPage: projects page oldest first; restricted projects stay
// hidden from members not named on them on every page, and projects made
// while a member pages through are never listed twice.
func TestProjectsPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		viewer, viewerCtx := inviteAndJoin(t, env, o, "viewer")
		at := map[string]time.Time{o.Project.ID: o.Project.CreatedAt}
		hidden := map[string]bool{}
		for i := range 9 {
			// Some share a millisecond, so the id must break ties.
			if i%3 == 0 {
				env.Clock.Advance(time.Second)
			}
			p := env.NewProject(t, o.Ctx, o.Org.ID)
			at[p.ID] = p.CreatedAt
			access := slate.ProjectAccess{Restricted: i%4 == 1}
			if i == 5 {
				access = slate.ProjectAccess{Restricted: true, Members: []string{viewer.ID}}
			}
			if _, err := env.DB.SetProjectAccess(o.Ctx, p.ID, access); err != nil {
				t.Fatal(err)
			}
			hidden[p.ID] = access.Restricted && len(access.Members) == 0
		}
		all := byCreation(at)
		var visible []string
		for _, id := range all {
			if !hidden[id] {
				visible = append(visible, id)
			}
		}
		added := map[string]bool{}
		for _, tc := range []struct {
			who  string
			ctx  context.Context
			want []string
		}{
			{"owner", o.Ctx, all},
			{"viewer", viewerCtx, visible},
		} {
			for _, size := range []int{1, 2, 3} {
				list := func(req slate.PageRequest) (*slate.Page[*slate.Project], error) {
					return env.DB.ListProjects(tc.ctx, o.Org.ID, req)
				}
				grown := 0
				grow := func() {
					if grown < 3 {
						grown++
						env.Clock.Advance(time.Millisecond)
						added[env.NewProject(t, o.Ctx, o.Org.ID).ID] = true
					}
				}
				got := walk(t, size, list, func(p *slate.Project) string { return p.ID }, grow)
				checkWalk(t, fmt.Sprintf("%s by %d", tc.who, size), got, tc.want, func(id string) bool { return added[id] })
			}
		}
		page, err := env.DB.ListProjects(viewerCtx, o.Org.ID, slate.PageRequest{Limit: slate.MaxPageLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Items {
			if hidden[p.ID] {
				t.Errorf("viewer sees restricted project %s", p.ID)
			}
			if want := at[p.ID]; !added[p.ID] && !p.CreatedAt.Equal(want) {
				t.Errorf("project %s created %v, want %v", p.ID, p.CreatedAt, want)
			}
		}
		audit, err := env.DB.Audit(o.Ctx, o.Org.ID, "", slate.PageRequest{Limit: 1})
		if err != nil || audit.NextCursor == "" {
			t.Fatalf("no audit cursor to misuse: %v", err)
		}
		checkBadPages(t, func(req slate.PageRequest) (*slate.Page[*slate.Project], error) {
			return env.DB.ListProjects(o.Ctx, o.Org.ID, req)
		}, audit.NextCursor)
	})
}

// TestTakesPage: a shot's takes page newest first; takes rendered while
// someone pages through are newer than every page's cursor, so they never
// show up part-way; a member kept off a restricted project reads no page.
func TestTakesPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 1, 1000)
		shot := k.shots[0].ID
		render := func() *slate.Job {
			k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: []string{shot}}, Tier: "draft"})
			return k.finish(k.mustClaim("w"))
		}
		at := map[string]time.Time{}
		for i := range 7 {
			if i%3 == 0 {
				env.Clock.Advance(time.Minute)
			}
			j := render()
			at[j.TakeID] = env.Clock.Now()
		}
		_, readerCtx := k.member("reader")
		for _, size := range []int{1, 2, 3} {
			want := byCreation(at)
			slices.Reverse(want)
			var grown []*slate.Job
			grow := func() {
				if len(grown) < 2 {
					env.Clock.Advance(time.Millisecond)
					grown = append(grown, render())
					at[grown[len(grown)-1].TakeID] = env.Clock.Now()
				}
			}
			list := func(req slate.PageRequest) (*slate.Page[*slate.Take], error) {
				return env.DB.Takes(readerCtx, shot, req)
			}
			got := walk(t, size, list, func(tk *slate.Take) string { return tk.ID }, grow)
			checkWalk(t, fmt.Sprintf("takes by %d", size), got, want, nil)
		}
		first, err := env.DB.Takes(readerCtx, shot, slate.PageRequest{Limit: 2})
		if err != nil || first.NextCursor == "" {
			t.Fatalf("first page %+v, %v", first, err)
		}
		if _, err := env.DB.SetProjectAccess(k.o.Ctx, k.o.Project.ID, slate.ProjectAccess{Restricted: true}); err != nil {
			t.Fatal(err)
		}
		for _, cursor := range []string{"", first.NextCursor} {
			_, err := env.DB.Takes(readerCtx, shot, slate.PageRequest{Limit: 2, Cursor: cursor})
			wantCode(t, err, slate.ENOTFOUND)
		}
		checkBadPages(t, func(req slate.PageRequest) (*slate.Page[*slate.Take], error) {
			return env.DB.Takes(k.o.Ctx, shot, req)
		}, membersCursor(t, env, k.o))
	})
}
