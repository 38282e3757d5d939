package storetest_test

import (
	"context"
	"fmt"
	"testing"

	"slate"
	"slate/store/storetest"
)

// wantActions checks the org's newest audit entries are actions, newest first.
func wantActions(t *testing.T, env *storetest.Env, o *storetest.Owner, actions ...string) {
	t.Helper()
	page, err := env.DB.Audit(o.Ctx, o.Org.ID, "", slate.PageRequest{Limit: len(actions)})
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	var got []string
	for _, e := range page.Items {
		got = append(got, e.Action)
	}
	if fmt.Sprint(got) != fmt.Sprint(actions) {
		t.Errorf("newest audit actions = %v, want %v", got, actions)
	}
}

func TestListAndGetOrgs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		second := env.NewOrg(t, o.Ctx, "free")
		ed, edCtx := inviteAndJoin(t, env, o, "editor", slate.PermModify, slate.PermBilling)

		page, err := env.DB.ListOrgs(o.Ctx, slate.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		orgs := page.Items
		if len(orgs) != 2 || orgs[0].ID != o.Org.ID || orgs[1].ID != second.ID {
			t.Fatalf("owner's orgs = %+v", orgs)
		}
		if orgs[1].Plan != "free" || !orgs[1].CreatedAt.Equal(storetest.Epoch) || permString(orgs[1].Permissions) != "read,owner" {
			t.Errorf("second org = %+v", orgs[1])
		}
		if page, err = env.DB.ListOrgs(edCtx, slate.PageRequest{}); err != nil {
			t.Fatal(err)
		}
		orgs = page.Items
		if len(orgs) != 1 || orgs[0].ID != o.Org.ID || permString(orgs[0].Permissions) != "read,modify,billing" {
			t.Fatalf("editor's orgs = %+v", orgs)
		}

		got, err := env.DB.GetOrg(edCtx, o.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != o.Org.Name || got.Plan != "business" || permString(got.Permissions) != "read,modify,billing" {
			t.Errorf("GetOrg = %+v", got)
		}
		if _, err := env.DB.GetOrg(edCtx, second.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("non-member GetOrg: got %v, want not found", err)
		}
		if _, err := env.DB.GetOrg(o.Ctx, "org_nonexistent"); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("unknown org: got %v, want not found", err)
		}
		if _, err := env.DB.ListOrgs(context.Background(), slate.PageRequest{}); slate.ErrorCode(err) != slate.EUNAUTHENTICATED {
			t.Errorf("signed out: got %v, want unauthenticated", err)
		}
		_, loner := env.NewUser(t, "loner")
		if orgs, err := env.DB.ListOrgs(loner, slate.PageRequest{}); err != nil || orgs.Items == nil || len(orgs.Items) != 0 || orgs.NextCursor != "" {
			t.Errorf("user without orgs: %v, %v; want an empty list", orgs, err)
		}
		_ = ed
	})
}

func TestAuditPagesNewestFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		const n = 7
		for i := range n {
			if _, err := env.DB.Invite(o.Ctx, o.Org.ID, slate.InvitationInput{Email: fmt.Sprintf("guest%d@example.test", i)}); err != nil {
				t.Fatal(err)
			}
		}
		var details []string
		var pages int
		cursor := ""
		for {
			page, err := env.DB.Audit(o.Ctx, o.Org.ID, "", slate.PageRequest{Cursor: cursor, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, e := range page.Items {
				if e.Action != "invitation.create" || e.ActorID != o.User.ID || e.ActorName != "owner" || e.OrgID != o.Org.ID {
					t.Errorf("entry = %+v", e)
				}
				details = append(details, e.Detail)
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
			if pages > n {
				t.Fatal("paging does not end")
			}
		}
		if pages != 3 || len(details) != n {
			t.Fatalf("%d pages, %d entries; want 3 pages of 7 entries", pages, len(details))
		}
		for i, d := range details {
			if want := fmt.Sprintf("guest%d@example.test: read", n-1-i); d != want {
				t.Errorf("entry %d = %q, want %q", i, d, want)
			}
		}

		for _, tc := range []struct {
			name string
			page slate.PageRequest
		}{
			{"garbage cursor", slate.PageRequest{Cursor: "not a cursor"}},
			{"foreign id cursor", slate.PageRequest{Cursor: "cHJqXzAx"}},
			{"negative limit", slate.PageRequest{Limit: -1}},
		} {
			if _, err := env.DB.Audit(o.Ctx, o.Org.ID, "", tc.page); slate.ErrorCode(err) != slate.EINVALID {
				t.Errorf("%s: got %v, want invalid", tc.name, err)
			}
		}
		page, err := env.DB.Audit(o.Ctx, o.Org.ID, "", slate.PageRequest{Limit: 10_000})
		if err != nil || len(page.Items) != n || page.NextCursor != "" {
			t.Errorf("large limit: %d items, cursor %q, %v", len(page.Items), page.NextCursor, err)
		}
		_, outsider := env.NewUser(t, "outsider")
		if _, err := env.DB.Audit(outsider, o.Org.ID, "", slate.PageRequest{}); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("outsider: got %v, want not found", err)
		}
	})
}

func TestAuditNarrowsToVisibleProjects(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		_, viewerCtx := inviteAndJoin(t, env, o, "viewer")
		secret := env.NewProject(t, o.Ctx, o.Org.ID)
		if _, err := env.DB.SetProjectAccess(o.Ctx, o.Project.ID, slate.ProjectAccess{}); err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.SetProjectAccess(o.Ctx, secret.ID, slate.ProjectAccess{Restricted: true}); err != nil {
			t.Fatal(err)
		}
		projectsOf := func(ctx context.Context, projectID string) ([]string, error) {
			page, err := env.DB.Audit(ctx, o.Org.ID, projectID, slate.PageRequest{})
			if err != nil {
				return nil, err
			}
			var out []string
			for _, e := range page.Items {
				out = append(out, e.ProjectID)
			}
			return out, nil
		}
		got, err := projectsOf(o.Ctx, o.Project.ID)
		if err != nil || fmt.Sprint(got) != fmt.Sprint([]string{o.Project.ID}) {
			t.Errorf("owner, one project: %v, %v", got, err)
		}
		got, err = projectsOf(o.Ctx, "")
		if err != nil || fmt.Sprint(got) != fmt.Sprint([]string{secret.ID, o.Project.ID, "", ""}) {
			t.Errorf("owner, whole org: %v, %v", got, err)
		}
		// The viewer sees org-level entries and the open project's, never
		// the restricted one's.
		got, err = projectsOf(viewerCtx, "")
		if err != nil || fmt.Sprint(got) != fmt.Sprint([]string{o.Project.ID, "", ""}) {
			t.Errorf("viewer, whole org: %v, %v", got, err)
		}
		if _, err := projectsOf(viewerCtx, secret.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("viewer, restricted project: got %v, want not found", err)
		}
		other := env.NewOwner(t)
		if _, err := projectsOf(o.Ctx, other.Project.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("another org's project: got %v, want not found", err)
		}
	})
}
