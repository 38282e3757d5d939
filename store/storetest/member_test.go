package storetest_test

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// inviteAndJoin makes a new user a member of o's org with perms, through the
// invitation flow a real member goes through.
func inviteAndJoin(t testing.TB, env *storetest.Env, o *storetest.Owner, name string, perms ...slate.Permission) (*slate.User, context.Context) {
	t.Helper()
	u, ctx := env.NewUser(t, name)
	inv, err := env.DB.Invite(o.Ctx, o.Org.ID, slate.InvitationInput{Email: u.Email, Permissions: perms})
	if err != nil {
		t.Fatalf("invite %s: %v", name, err)
	}
	if _, err := env.DB.AcceptInvitation(ctx, inv.Token); err != nil {
		t.Fatalf("accept %s: %v", name, err)
	}
	return u, ctx
}

// memberPerms reads the permissions of every member, by user id.
func memberPerms(t *testing.T, env *storetest.Env, o *storetest.Owner) map[string]string {
	t.Helper()
	ms, err := slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Member], error) {
		return env.DB.ListMembers(o.Ctx, o.Org.ID, p)
	})
	if err != nil {
		t.Fatalf("list members: %v", err)
	}
	out := map[string]string{}
	for _, m := range ms {
		out[m.UserID] = permString(m.Permissions)
	}
	return out
}

// pendingInvitations reads every pending invitation of o's org.
func pendingInvitations(t *testing.T, env *storetest.Env, o *storetest.Owner) []*slate.Invitation {
	t.Helper()
	invs, err := slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Invitation], error) {
		return env.DB.ListInvitations(o.Ctx, o.Org.ID, p)
	})
	if err != nil {
		t.Fatalf("list invitations: %v", err)
	}
	return invs
}

func permString(ps []slate.Permission) string {
	var s []string
	for _, p := range ps {
		s = append(s, string(p))
	}
	return strings.Join(s, ",")
}

func TestListMembers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		env.Clock.Advance(time.Hour)
		ed, edCtx := inviteAndJoin(t, env, o, "editor", slate.PermModify)
		page, err := env.DB.ListMembers(edCtx, o.Org.ID, slate.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		ms := page.Items
		if len(ms) != 2 || ms[0].UserID != o.User.ID || ms[1].UserID != ed.ID {
			t.Fatalf("members = %v, want owner then editor", len(ms))
		}
		if ms[1].Email != ed.Email || ms[1].Name != "editor" || permString(ms[1].Permissions) != "read,modify" ||
			!ms[1].CreatedAt.Equal(storetest.Epoch.Add(time.Hour)) {
			t.Errorf("editor = %+v", ms[1])
		}
		_, outsider := env.NewUser(t, "outsider")
		if _, err := env.DB.ListMembers(outsider, o.Org.ID, slate.PageRequest{}); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("outsider: got %v, want not found", err)
		}
	})
}

func TestSetMemberPermissions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		ed, edCtx := inviteAndJoin(t, env, o, "editor", slate.PermModify)
		_, outsider := env.NewUser(t, "outsider")
		for _, tc := range []struct {
			name  string
			ctx   context.Context
			user  string
			perms []slate.Permission
			want  slate.Code
		}{
			{"non-owner", edCtx, ed.ID, []slate.Permission{slate.PermOwner}, slate.EFORBIDDEN},
			{"outsider", outsider, ed.ID, []slate.Permission{slate.PermBilling}, slate.ENOTFOUND},
			{"unknown user", o.Ctx, "usr_nobody", []slate.Permission{slate.PermBilling}, slate.ENOTFOUND},
			{"unknown permission", o.Ctx, ed.ID, []slate.Permission{"admin"}, slate.EINVALID},
			{"demote last owner", o.Ctx, o.User.ID, []slate.Permission{slate.PermModify}, slate.ECONFLICT},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := memberPerms(t, env, o)
				if _, err := env.DB.SetMemberPermissions(tc.ctx, o.Org.ID, tc.user, tc.perms); slate.ErrorCode(err) != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
				if after := memberPerms(t, env, o); !maps.Equal(before, after) {
					t.Errorf("refused change altered members: %v -> %v", before, after)
				}
			})
		}

		m, err := env.DB.SetMemberPermissions(o.Ctx, o.Org.ID, ed.ID, []slate.Permission{slate.PermRunAI, slate.PermOwner})
		if err != nil {
			t.Fatal(err)
		}
		if permString(m.Permissions) != "read,run_ai,owner" {
			t.Errorf("permissions = %v", m.Permissions)
		}
		// With a second owner the first may step down, and then the second
		// is the last one.
		if _, err := env.DB.SetMemberPermissions(edCtx, o.Org.ID, o.User.ID, nil); err != nil {
			t.Fatalf("demote first owner: %v", err)
		}
		if _, err := env.DB.SetMemberPermissions(edCtx, o.Org.ID, ed.ID, nil); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Errorf("demote new last owner: got %v, want conflict", err)
		}
		got := memberPerms(t, env, o)
		if got[o.User.ID] != "read" || got[ed.ID] != "read,run_ai,owner" {
			t.Errorf("members = %v", got)
		}
	})
}

func TestOwnersDemotingEachOtherAtOnceKeepAnOwner(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		b, bCtx := inviteAndJoin(t, env, o, "second-owner", slate.PermOwner)
		ctxOf := map[string]context.Context{o.User.ID: o.Ctx, b.ID: bCtx}
		// Several rounds, because one race may happen not to overlap.
		for round := range 10 {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, pair := range [][2]string{{o.User.ID, b.ID}, {b.ID, o.User.ID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = env.DB.SetMemberPermissions(ctxOf[pair[0]], o.Org.ID, pair[1], nil)
				}()
			}
			wg.Wait()
			var owners []string
			for id, perms := range memberPerms(t, env, o) {
				if strings.HasSuffix(perms, ",owner") {
					owners = append(owners, id)
				}
			}
			if len(owners) != 1 || (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("round %d: owners = %v, errors = %v; want exactly one demotion to succeed", round, owners, errs)
			}
			other := b.ID
			if owners[0] == b.ID {
				other = o.User.ID
			}
			if _, err := env.DB.SetMemberPermissions(ctxOf[owners[0]], o.Org.ID, other, []slate.Permission{slate.PermOwner}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestRemoveMember(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		ed, edCtx := inviteAndJoin(t, env, o, "editor", slate.PermModify)
		viewer, viewerCtx := inviteAndJoin(t, env, o, "viewer")
		_, outsider := env.NewUser(t, "outsider")
		for _, tc := range []struct {
			name string
			ctx  context.Context
			user string
			want slate.Code
		}{
			{"non-owner removes another", edCtx, viewer.ID, slate.EFORBIDDEN},
			{"outsider", outsider, viewer.ID, slate.ENOTFOUND},
			{"unknown user", o.Ctx, "usr_nobody", slate.ENOTFOUND},
			{"last owner leaves", o.Ctx, o.User.ID, slate.ECONFLICT},
			{"last owner removed", o.Ctx, o.User.ID, slate.ECONFLICT},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := memberPerms(t, env, o)
				if err := env.DB.RemoveMember(tc.ctx, o.Org.ID, tc.user); slate.ErrorCode(err) != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
				if after := memberPerms(t, env, o); !maps.Equal(before, after) {
					t.Errorf("refused removal altered members: %v -> %v", before, after)
				}
			})
		}

		// A member named on a restricted project leaves; rejoining must not
		// bring that access back.
		if _, err := env.DB.SetProjectAccess(o.Ctx, o.Project.ID, slate.ProjectAccess{Restricted: true, Members: []string{viewer.ID}}); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.RemoveMember(viewerCtx, o.Org.ID, viewer.ID); err != nil {
			t.Fatalf("leave: %v", err)
		}
		if err := env.DB.RemoveMember(o.Ctx, o.Org.ID, ed.ID); err != nil {
			t.Fatalf("owner removes editor: %v", err)
		}
		if got := memberPerms(t, env, o); len(got) != 1 || got[o.User.ID] == "" {
			t.Errorf("members = %v, want only the owner", got)
		}
		if _, err := env.DB.GetOrg(edCtx, o.Org.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("removed member reads org: got %v, want not found", err)
		}
		p, err := env.DB.GetProject(o.Ctx, o.Project.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Members) != 0 {
			t.Errorf("project members = %v, want the leaver gone", p.Members)
		}
		wantActions(t, env, o, "member.remove", "member.leave")
	})
}

func TestInviteAndAccept(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		u, ctx := env.NewUser(t, "newcomer")
		inv, err := env.DB.Invite(o.Ctx, o.Org.ID, slate.InvitationInput{
			Email: "  " + strings.ToUpper(u.Email) + " ", Permissions: []slate.Permission{slate.PermRunAI, slate.PermModify}})
		if err != nil {
			t.Fatal(err)
		}
		if inv.Token == "" || inv.Email != u.Email || !inv.ExpiresAt.Equal(storetest.Epoch.Add(slate.InvitationTTL)) {
			t.Errorf("invitation = %+v", inv)
		}
		pending := pendingInvitations(t, env, o)
		if len(pending) != 1 || pending[0].ID != inv.ID || pending[0].Token != "" || permString(pending[0].Permissions) != "read,modify,run_ai" {
			t.Fatalf("pending = %+v, want the invitation without its token", pending)
		}
		m, err := env.DB.AcceptInvitation(ctx, inv.Token)
		if err != nil {
			t.Fatal(err)
		}
		if m.UserID != u.ID || m.OrgID != o.Org.ID || permString(m.Permissions) != "read,modify,run_ai" {
			t.Errorf("member = %+v", m)
		}
		if _, err := env.DB.AcceptInvitation(ctx, inv.Token); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Errorf("accept twice: got %v, want conflict", err)
		}
		if pending := pendingInvitations(t, env, o); len(pending) != 0 {
			t.Errorf("pending after accept = %+v", pending)
		}
		if _, err := env.DB.Invite(o.Ctx, o.Org.ID, slate.InvitationInput{Email: u.Email}); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Errorf("invite a member: got %v, want conflict", err)
		}
		wantActions(t, env, o, "invitation.accept", "invitation.create")
	})
}

func TestInviteRefusesBadRequests(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		_, edCtx := inviteAndJoin(t, env, o, "editor", slate.PermModify)
		_, outsider := env.NewUser(t, "outsider")
		for _, tc := range []struct {
			name string
			ctx  context.Context
			in   slate.InvitationInput
			want slate.Code
		}{
			{"bad email", o.Ctx, slate.InvitationInput{Email: "not an email"}, slate.EINVALID},
			{"named email", o.Ctx, slate.InvitationInput{Email: "Ann <ann@example.test>"}, slate.EINVALID},
			{"unknown permission", o.Ctx, slate.InvitationInput{Email: "ann@example.test", Permissions: []slate.Permission{"god"}}, slate.EINVALID},
			{"non-owner", edCtx, slate.InvitationInput{Email: "ann@example.test"}, slate.EFORBIDDEN},
			{"outsider", outsider, slate.InvitationInput{Email: "ann@example.test"}, slate.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := env.DB.Invite(tc.ctx, o.Org.ID, tc.in); slate.ErrorCode(err) != tc.want {
					t.Errorf("got %v, want %s", err, tc.want)
				}
			})
		}
		if pending := pendingInvitations(t, env, o); len(pending) != 0 {
			t.Errorf("pending = %v; want none", pending)
		}
		if _, err := env.DB.ListInvitations(edCtx, o.Org.ID, slate.PageRequest{}); slate.ErrorCode(err) != slate.EFORBIDDEN {
			t.Errorf("non-owner lists invitations: got %v, want forbidden", err)
		}
	})
}

func TestAcceptInvitationRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		invitee, inviteeCtx := env.NewUser(t, "invitee")
		_, otherCtx := env.NewUser(t, "other")
		inv, err := env.DB.Invite(o.Ctx, o.Org.ID, slate.InvitationInput{Email: invitee.Email})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.AcceptInvitation(inviteeCtx, "inv_NOSUCHTOKEN"); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("unknown token: got %v, want not found", err)
		}
		if _, err := env.DB.AcceptInvitation(otherCtx, inv.Token); slate.ErrorCode(err) != slate.EFORBIDDEN {
			t.Errorf("someone else's invitation: got %v, want forbidden", err)
		}
		if _, err := env.DB.AcceptInvitation(context.Background(), inv.Token); slate.ErrorCode(err) != slate.EUNAUTHENTICATED {
			t.Errorf("signed out: got %v, want unauthenticated", err)
		}
		env.Clock.Advance(slate.InvitationTTL)
		if _, err := env.DB.AcceptInvitation(inviteeCtx, inv.Token); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Errorf("expired: got %v, want conflict", err)
		}
		for name, ctx := range map[string]context.Context{"invitee": inviteeCtx, "other": otherCtx} {
			if _, err := env.DB.GetOrg(ctx, o.Org.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
				t.Errorf("%s became a member after a refused accept: %v", name, err)
			}
		}
		if pending := pendingInvitations(t, env, o); len(pending) != 0 {
			t.Errorf("expired invitation still pending: %+v", pending)
		}
	})
}

func TestReinviteReplacesEarlierToken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		u, ctx := env.NewUser(t, "invitee")
		first, err := env.DB.Invite(o.Ctx, o.Org.ID, slate.InvitationInput{Email: u.Email})
		if err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(time.Second)
		second, err := env.DB.Invite(o.Ctx, o.Org.ID, slate.InvitationInput{Email: u.Email, Permissions: []slate.Permission{slate.PermBilling}})
		if err != nil {
			t.Fatal(err)
		}
		pending := pendingInvitations(t, env, o)
		if len(pending) != 1 || pending[0].ID != second.ID {
			t.Fatalf("pending = %+v, want only the second invitation", pending)
		}
		if _, err := env.DB.AcceptInvitation(ctx, first.Token); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Errorf("superseded token: got %v, want conflict", err)
		}
		m, err := env.DB.AcceptInvitation(ctx, second.Token)
		if err != nil || permString(m.Permissions) != "read,billing" {
			t.Errorf("accept second: %+v, %v", m, err)
		}
	})
}
