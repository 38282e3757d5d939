package storetest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// listFunc reads one page of a list under test.
type listFunc[T any] func(slate.PageRequest) (*slate.Page[T], error)

// walk reads every page of list, size items at a time, and returns the ids
// of what it read in order. grow, when not nil, runs after each page:
// adding rows between pages must neither repeat an item nor skip one.
func walk[T any](t *testing.T, size int, list listFunc[T], id func(T) string, grow func()) []string {
	t.Helper()
	var ids []string
	req := slate.PageRequest{Limit: size}
	for pages := 1; ; pages++ {
		p, err := list(req)
		if err != nil {
			t.Fatalf("page %d (cursor %q): %v", pages, req.Cursor, err)
		}
		if len(p.Items) > size {
			t.Fatalf("page %d has %d items, asked for %d", pages, len(p.Items), size)
		}
		if p.NextCursor != "" && len(p.Items) != size {
			t.Fatalf("page %d has %d items and a next page; a page is full unless it is the last", pages, len(p.Items))
		}
		for _, it := range p.Items {
			ids = append(ids, id(it))
		}
		if p.NextCursor == "" {
			return ids
		}
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		if grow != nil {
			grow()
		}
		req.Cursor = p.NextCursor
	}
}

// checkWalk holds a walk's ids to want (every row there before the walk,
// in list order): each exactly once and in order. Rows added during the
// walk may show up too, once each, but only where extra allows.
func checkWalk(t *testing.T, what string, got, want []string, extra func(id string) bool) {
	t.Helper()
	seen := map[string]bool{}
	var kept []string
	for _, id := range got {
		if seen[id] {
			t.Errorf("%s: %s listed twice in %v", what, id, got)
		}
		seen[id] = true
		if slices.Contains(want, id) {
			kept = append(kept, id)
		} else if extra == nil || !extra(id) {
			t.Errorf("%s: %s listed but should not be", what, id)
		}
	}
	if !slices.Equal(kept, want) {
		t.Errorf("%s: listed\n%v\nwant, in this order,\n%v", what, kept, want)
	}
}

// checkBadPages: cursors this list did not give out and negative limits are
// refused as invalid; limits past the maximum are cut to it.
func checkBadPages[T any](t *testing.T, list listFunc[T], foreign string) {
	t.Helper()
	for _, tc := range []struct {
		name string
		req  slate.PageRequest
	}{
		{"garbage cursor", slate.PageRequest{Cursor: "bogus!"}},
		{"empty key", slate.PageRequest{Cursor: "dDo"}},
		{"another list's cursor", slate.PageRequest{Cursor: foreign}},
		{"negative limit", slate.PageRequest{Limit: -1}},
	} {
		_, err := list(tc.req)
		if slate.ErrorCode(err) != slate.EINVALID {
			t.Errorf("%s: got %v, want invalid", tc.name, err)
		}
	}
	if _, err := list(slate.PageRequest{Limit: 10_000}); err != nil {
		t.Errorf("a limit past the maximum: %v, want it cut to %d", err, slate.MaxPageLimit)
	}
}

// byCreation sorts ids of rows made at the given times as a creation-ordered
// list does: by time, then id.
func byCreation(at map[string]time.Time) []string {
	ids := make([]string, 0, len(at))
	for id := range at {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := at[a].Compare(at[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ids
}

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

// TestMembersPage: members page by when they joined; members who join
// while someone pages through are listed at most once.
func TestMembersPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		at := map[string]time.Time{o.User.ID: env.Clock.Now()}
		var readerCtx context.Context
		for i := range 6 {
			if i%2 == 0 {
				env.Clock.Advance(time.Minute)
			}
			u, ctx := inviteAndJoin(t, env, o, "member")
			at[u.ID] = env.Clock.Now()
			readerCtx = ctx
		}
		want := byCreation(at)
		added := map[string]bool{}
		for _, size := range []int{1, 2, 4} {
			grown := 0
			grow := func() {
				if grown < 2 {
					grown++
					env.Clock.Advance(time.Millisecond)
					u, _ := inviteAndJoin(t, env, o, "late")
					added[u.ID] = true
				}
			}
			list := func(req slate.PageRequest) (*slate.Page[*slate.Member], error) {
				return env.DB.ListMembers(readerCtx, o.Org.ID, req)
			}
			got := walk(t, size, list, func(m *slate.Member) string { return m.UserID }, grow)
			checkWalk(t, fmt.Sprintf("members by %d", size), got, want, func(id string) bool { return added[id] })
		}
		env.NewProject(t, o.Ctx, o.Org.ID)
		projects, err := env.DB.ListProjects(o.Ctx, o.Org.ID, slate.PageRequest{Limit: 1})
		if err != nil || projects.NextCursor == "" {
			t.Fatalf("no project cursor to misuse: %v", err)
		}
		checkBadPages(t, func(req slate.PageRequest) (*slate.Page[*slate.Member], error) {
			return env.DB.ListMembers(o.Ctx, o.Org.ID, req)
		}, projects.NextCursor)
	})
}

// TestInvitationsPage: pending invitations page oldest first; one accepted
// between pages drops out without moving the others.
func TestInvitationsPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		n := 0
		invite := func() *slate.Invitation {
			n++
			inv, err := env.DB.Invite(o.Ctx, o.Org.ID, slate.InvitationInput{Email: fmt.Sprintf("guest-%d@example.test", n)})
			if err != nil {
				t.Fatal(err)
			}
			return inv
		}
		at := map[string]time.Time{}
		for i := range 7 {
			if i%3 == 0 {
				env.Clock.Advance(time.Minute)
			}
			inv := invite()
			at[inv.ID] = inv.CreatedAt
		}
		want := byCreation(at)
		added := map[string]bool{}
		for _, size := range []int{1, 3} {
			grown := 0
			grow := func() {
				if grown < 2 {
					grown++
					env.Clock.Advance(time.Millisecond)
					added[invite().ID] = true
				}
			}
			list := func(req slate.PageRequest) (*slate.Page[*slate.Invitation], error) {
				return env.DB.ListInvitations(o.Ctx, o.Org.ID, req)
			}
			got := walk(t, size, list, func(inv *slate.Invitation) string { return inv.ID }, grow)
			checkWalk(t, fmt.Sprintf("invitations by %d", size), got, want, func(id string) bool { return added[id] })
		}

		// One accepted after the first page is gone from the next pages
		// and nothing else moves.
		u, ctx := env.NewUser(t, "late")
		late, err := env.DB.Invite(o.Ctx, o.Org.ID, slate.InvitationInput{Email: u.Email})
		if err != nil {
			t.Fatal(err)
		}
		all := pendingInvitations(t, env, o)
		var before []string
		for _, inv := range all {
			if inv.ID != late.ID {
				before = append(before, inv.ID)
			}
		}
		accepted := false
		got := walk(t, 2, func(req slate.PageRequest) (*slate.Page[*slate.Invitation], error) {
			return env.DB.ListInvitations(o.Ctx, o.Org.ID, req)
		}, func(inv *slate.Invitation) string { return inv.ID }, func() {
			if !accepted {
				accepted = true
				if _, err := env.DB.AcceptInvitation(ctx, late.Token); err != nil {
					t.Fatal(err)
				}
			}
		})
		checkWalk(t, "invitations while one is accepted", got, before, nil)

		checkBadPages(t, func(req slate.PageRequest) (*slate.Page[*slate.Invitation], error) {
			return env.DB.ListInvitations(o.Ctx, o.Org.ID, req)
		}, membersCursor(t, env, o))
	})
}

// membersCursor is a cursor another list (the members) gave out.
func membersCursor(t *testing.T, env *storetest.Env, o *storetest.Owner) string {
	t.Helper()
	inviteAndJoin(t, env, o, "other")
	p, err := env.DB.ListMembers(o.Ctx, o.Org.ID, slate.PageRequest{Limit: 1})
	if err != nil || p.NextCursor == "" {
		t.Fatalf("no members cursor to misuse: %v", err)
	}
	return p.NextCursor
}

// TestOrgsPage: a user's organisations page oldest first, the ones made by
// others and joined among them; organisations the user is not in never
// show, on any page.
func TestOrgsPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		u, ctx := env.NewUser(t, "member")
		at := map[string]time.Time{}
		for i := range 7 {
			if i%2 == 0 {
				env.Clock.Advance(time.Minute)
			}
			if i%3 == 0 {
				// One of the owner's, which u joins; and one u is not in.
				org := env.NewOrg(t, o.Ctx, "business")
				inv, err := env.DB.Invite(o.Ctx, org.ID, slate.InvitationInput{Email: u.Email})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := env.DB.AcceptInvitation(ctx, inv.Token); err != nil {
					t.Fatal(err)
				}
				at[org.ID] = org.CreatedAt
				env.NewOrg(t, o.Ctx, "free")
				continue
			}
			org := env.NewOrg(t, ctx, "free")
			at[org.ID] = org.CreatedAt
		}
		want := byCreation(at)
		added := map[string]bool{}
		for _, size := range []int{1, 2, 3} {
			grown := 0
			grow := func() {
				if grown < 2 {
					grown++
					env.Clock.Advance(time.Millisecond)
					added[env.NewOrg(t, ctx, "free").ID] = true
				}
			}
			list := func(req slate.PageRequest) (*slate.Page[*slate.Org], error) { return env.DB.ListOrgs(ctx, req) }
			got := walk(t, size, list, func(o *slate.Org) string { return o.ID }, grow)
			checkWalk(t, fmt.Sprintf("orgs by %d", size), got, want, func(id string) bool { return added[id] })
		}
		checkBadPages(t, func(req slate.PageRequest) (*slate.Page[*slate.Org], error) {
			return env.DB.ListOrgs(ctx, req)
		}, membersCursor(t, env, o))
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

// TestWebhooksPage: webhooks page oldest first for members with billing;
// one deleted between pages drops out and nothing else moves.
func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		_, billing := inviteAndJoin(t, env, o, "billing", slate.PermBilling)
		_, editor := inviteAndJoin(t, env, o, "editor", slate.PermModify)
		create := func() *slate.Webhook {
			w, err := env.DB.CreateWebhook(o.Ctx, o.Org.ID, slate.WebhookInput{URL: "https://hooks.example.test/slate"})
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		var want []string
		for i := range 7 {
			if i%3 == 0 {
				env.Clock.Advance(time.Minute)
			}
			want = append(want, create().ID)
		}
		added := map[string]bool{}
		list := func(req slate.PageRequest) (*slate.Page[*slate.Webhook], error) {
			return env.DB.Webhooks(billing, o.Org.ID, req)
		}
		id := func(w *slate.Webhook) string { return w.ID }
		for _, size := range []int{1, 3} {
			grown := 0
			grow := func() {
				if grown < 2 {
					grown++
					env.Clock.Advance(time.Millisecond)
					added[create().ID] = true
				}
			}
			checkWalk(t, fmt.Sprintf("webhooks by %d", size), walk(t, size, list, id, grow), want, func(id string) bool { return added[id] })
		}
		// Deleting the last one after the first page takes it out and
		// leaves the rest as they were.
		all, err := slate.Collect(list)
		if err != nil {
			t.Fatal(err)
		}
		last := all[len(all)-1].ID
		deleted := false
		got := walk(t, 2, list, id, func() {
			if !deleted {
				deleted = true
				if err := env.DB.DeleteWebhook(o.Ctx, o.Org.ID, last); err != nil {
					t.Fatal(err)
				}
			}
		})
		var rest []string
		for _, w := range all[:len(all)-1] {
			rest = append(rest, w.ID)
		}
		checkWalk(t, "webhooks while one is deleted", got, rest, nil)

		first, err := list(slate.PageRequest{Limit: 1})
		if err != nil || first.NextCursor == "" {
			t.Fatalf("first page %+v, %v", first, err)
		}
		_, err = env.DB.Webhooks(editor, o.Org.ID, slate.PageRequest{Limit: 1, Cursor: first.NextCursor})
		wantCode(t, err, slate.EFORBIDDEN)
		checkBadPages(t, list, membersCursor(t, env, o))
	})
}
