package storetest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

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
