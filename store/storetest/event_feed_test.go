package storetest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// TestLockEvents: lock and unlock, alone or in bulk, each raise a lock
// event about the element's project.
func TestLockEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		a := k.act("A1")
		sh := k.shot(k.scene(a.ID, "S1").ID, "wide")
		ref := slate.ElementRef{Kind: slate.KindShot, ID: sh.ID}
		if _, err := env.DB.Lock(k.o.Ctx, ref, "approved"); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.Unlock(k.o.Ctx, ref); err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.Bulk(k.o.Ctx, k.o.Project.ID, slate.Bulk{Selection: slate.Selection{All: true}, Action: "lock"}); err != nil {
			t.Fatal(err)
		}
		evs := lockEvents(t, env, k.o.Ctx, k.o.Org.ID, "")
		if len(evs) != 3 {
			t.Fatalf("%d lock events, want 3", len(evs))
		}
		for i, want := range []struct {
			locked bool
			reason string
		}{{true, "approved"}, {false, ""}, {true, ""}} {
			e := evs[i]
			el, _ := e.Payload["element"].(map[string]any)
			lock, _ := e.Payload["lock"].(map[string]any)
			if e.ProjectID != k.o.Project.ID || e.OrgID != k.o.Org.ID || !e.At.Equal(storetest.Epoch) ||
				e.Payload["locked"] != want.locked || el["id"] != sh.ID || el["kind"] != "shot" || el["name"] != "wide" ||
				(lock != nil) != want.locked {
				t.Errorf("event %d: %+v", i, e)
			}
			if want.locked && (lock["by"] != k.o.User.ID || lock["reason"] != want.reason) {
				t.Errorf("event %d lock: %+v", i, lock)
			}
		}
		// after resumes strictly after an id.
		if rest := lockEvents(t, env, k.o.Ctx, k.o.Org.ID, evs[0].ID); len(rest) != 2 || rest[0].ID != evs[1].ID {
			t.Errorf("after %s: %+v", evs[0].ID, rest)
		}
	})
}

func lockEvents(t *testing.T, env *storetest.Env, ctx context.Context, orgID, after string) []*slate.Event {
	t.Helper()
	evs, err := env.DB.Events(ctx, orgID, after, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []*slate.Event
	for _, e := range evs {
		if e.Kind == slate.EventLock {
			out = append(out, e)
		}
	}
	return out
}

// TestEventsHideRestrictedProjects: the feed leaves out events of projects
// a member may not see, and of deleted ones, except for owners.
func TestEventsHideRestrictedProjects(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		named, namedCtx := inviteAndJoin(t, env, o, "named", slate.PermModify)
		_, viewerCtx := inviteAndJoin(t, env, o, "viewer")
		_, coOwnerCtx := inviteAndJoin(t, env, o, "co-owner", slate.PermOwner)
		_, outsiderCtx := env.NewUser(t, "outsider")
		secret := env.NewProject(t, o.Ctx, o.Org.ID)
		if _, err := env.DB.SetProjectAccess(o.Ctx, secret.ID, slate.ProjectAccess{Restricted: true, Members: []string{named.ID}}); err != nil {
			t.Fatal(err)
		}
		doomed := env.NewProject(t, o.Ctx, o.Org.ID)
		lockAct := func(projectID string) slate.ElementRef {
			t.Helper()
			a, err := env.DB.CreateAct(o.Ctx, projectID, slate.ActInput{Name: "A"})
			if err != nil {
				t.Fatal(err)
			}
			ref := slate.ElementRef{Kind: slate.KindAct, ID: a.ID}
			if _, err := env.DB.Lock(o.Ctx, ref, ""); err != nil {
				t.Fatal(err)
			}
			return ref
		}
		lockAct(o.Project.ID)
		lockAct(secret.ID)
		if err := env.DB.Unlock(o.Ctx, lockAct(doomed.ID)); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.DeleteProject(o.Ctx, doomed.ID); err != nil {
			t.Fatal(err)
		}
		projects := func(ctx context.Context) string {
			t.Helper()
			var ps []string
			for _, e := range lockEvents(t, env, ctx, o.Org.ID, "") {
				switch e.ProjectID {
				case o.Project.ID:
					ps = append(ps, "open")
				case secret.ID:
					ps = append(ps, "secret")
				case doomed.ID:
					ps = append(ps, "deleted")
				}
			}
			return strings.Join(ps, ",")
		}
		for _, tc := range []struct {
			name string
			ctx  context.Context
			want string
		}{
			{"owner", o.Ctx, "open,secret,deleted,deleted"},
			{"co-owner", coOwnerCtx, "open,secret,deleted,deleted"},
			{"named", namedCtx, "open,secret"},
			{"viewer", viewerCtx, "open"},
		} {
			if got := projects(tc.ctx); got != tc.want {
				t.Errorf("%s sees %q, want %q", tc.name, got, tc.want)
			}
		}
		if _, err := env.DB.Events(outsiderCtx, o.Org.ID, "", 0); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("outsider: %v", err)
		}
		// A broker's batch, read once for everyone, lets each member see
		// exactly what Events shows them; the outsider gets no access.
		ctxs := []context.Context{o.Ctx, coOwnerCtx, namedCtx, viewerCtx, outsiderCtx}
		var users []string
		for _, ctx := range ctxs {
			users = append(users, slate.UserFromContext(ctx).ID)
		}
		all, err := env.DB.Events(o.Ctx, o.Org.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		batch, err := env.DB.EventBatch(context.Background(), o.Org.ID, "", all[len(all)-1].ID, 0, users)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch.Events) != len(all) {
			t.Fatalf("batch has %d events, the owner's feed %d", len(batch.Events), len(all))
		}
		for i, ctx := range ctxs[:4] {
			mine, err := env.DB.Events(ctx, o.Org.ID, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			var want, got []string
			for _, e := range mine {
				want = append(want, e.ID)
			}
			for _, e := range batch.Events {
				if batch.Access[users[i]].Sees(e) {
					got = append(got, e.ID)
				}
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("member %d: the batch shows %v, Events %v", i, got, want)
			}
		}
		if a := batch.Access[users[4]]; a != nil {
			t.Errorf("the outsider has access %+v", a)
		}
		// after is exclusive, through inclusive, limit caps the page.
		page, err := env.DB.EventBatch(context.Background(), o.Org.ID, all[0].ID, all[2].ID, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) != 2 || page.Events[0].ID != all[1].ID || page.Events[1].ID != all[2].ID || len(page.Access) != 0 {
			t.Errorf("events after %s through %s: %+v", all[0].ID, all[2].ID, page)
		}
		if one, _ := env.DB.EventBatch(context.Background(), o.Org.ID, "", all[2].ID, 1, users[:1]); len(one.Events) != 1 {
			t.Errorf("limit 1 gave %d", len(one.Events))
		}
	})
}

// TestEventBatchManyListeners: access of more listeners than one query
// takes is read in chunks, every member found, non-members not.
func TestEventBatchManyListeners(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		users := []string{o.User.ID}
		members := map[string]bool{o.User.ID: true}
		for i := range 5 {
			u, _ := inviteAndJoin(t, env, o, "crew")
			users = append(users, u.ID)
			members[u.ID] = true
			// Ids that are nobody's, between the members, as a busy
			// process's listeners of other organisations would be.
			for j := range 60 {
				users = append(users, fmt.Sprintf("usr_stranger_%d_%d", i, j))
			}
		}
		batch, err := env.DB.EventBatch(context.Background(), o.Org.ID, "", "", 0, users)
		if err != nil {
			t.Fatal(err)
		}
		if len(batch.Access) != len(members) {
			t.Errorf("access of %d users, want %d", len(batch.Access), len(members))
		}
		for id := range members {
			if batch.Access[id] == nil {
				t.Errorf("member %s has no access", id)
			}
		}
	})
}

// TestRecentEvents: the broker's view across organisations, after an id.
func TestRecentEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k1, k2 := newTreeKit(t, env), newTreeKit(t, env)
		before, err := env.DB.RecentEvents(k1.o.Ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		start := ""
		if len(before) > 0 {
			start = before[len(before)-1].ID
		}
		env.Clock.Advance(time.Second)
		for _, k := range []*treeKit{k1, k2, k1} {
			if _, err := env.DB.Lock(k.o.Ctx, slate.ElementRef{Kind: slate.KindAct, ID: k.act("A").ID}, ""); err != nil {
				t.Fatal(err)
			}
		}
		refs, err := env.DB.RecentEvents(context.Background(), start, 0)
		if err != nil {
			t.Fatal(err)
		}
		var orgs []string
		for i, r := range refs {
			if i > 0 && r.ID <= refs[i-1].ID {
				t.Errorf("ids out of order: %v", refs)
			}
			if r.OrgID == k1.o.Org.ID {
				orgs = append(orgs, "1")
			} else if r.OrgID == k2.o.Org.ID {
				orgs = append(orgs, "2")
			}
		}
		if got := strings.Join(orgs, ""); got != "121" {
			t.Errorf("orgs of recent events %q, want 121", got)
		}
		if two, _ := env.DB.RecentEvents(context.Background(), start, 2); len(two) != 2 {
			t.Errorf("limit 2 gave %d", len(two))
		}
	})
}
