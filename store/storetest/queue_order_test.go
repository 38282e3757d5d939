package storetest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// Workers get the highest priority first and, among equals, the oldest;
// priority changes at any time before a job finishes.
func TestQueueClaimOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "enterprise", 6, 1_000)
		db, ctx := env.DB, k.o.Ctx
		ids := k.shotIDs()
		sub := func(prio *int, shots ...string) *slate.Batch {
			return k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: shots}, Priority: prio})
		}
		sub(nil, ids[0], ids[1])     // Shot 1, 2 at 50
		sub(ptr(80), ids[2])         // Shot 3 at 80
		sub(ptr(50), ids[3], ids[4]) // Shot 4, 5 at 50
		low := sub(ptr(10), ids[5])  // Shot 6 at 10
		// Raise Shot 6 above everything, then pause and raise Shot 4: a
		// paused job keeps its new priority but is not claimed.
		if j, err := db.SetPriority(ctx, low.Items[0].ID, 95); err != nil || j.Priority != 95 || j.State != slate.JobQueued {
			t.Fatalf("set priority = %+v, %v", j, err)
		}
		jobs := k.allJobs(slate.JobFilter{})
		var shot4 string
		for _, j := range jobs {
			if j.ShotName == "Shot 4" {
				shot4 = j.ID
			}
		}
		k.action(ctx, shot4, slate.ActionPause)
		if j, err := db.SetPriority(ctx, shot4, 100); err != nil || j.Priority != 100 || j.State != slate.JobPaused {
			t.Fatalf("set priority of a paused job = %+v, %v", j, err)
		}
		var order []string
		var claims []*slate.Claim
		for {
			c := k.claimFor("w")
			if c == nil {
				break
			}
			order = append(order, c.Job.ShotName)
			claims = append(claims, c)
		}
		if got := strings.Join(order, ","); got != "Shot 6,Shot 3,Shot 1,Shot 2,Shot 5" {
			t.Fatalf("claim order = %s", got)
		}
		// A running job's priority may still change; a finished one's not.
		if j, err := db.SetPriority(ctx, claims[0].Job.ID, 5); err != nil || j.Priority != 5 || j.State != slate.JobRunning {
			t.Fatalf("set priority of a running job = %+v, %v", j, err)
		}
		k.finish(claims[0])
		_, err := db.SetPriority(ctx, claims[0].Job.ID, 60)
		wantCode(t, err, slate.ECONFLICT)
		k.wantJob(claims[0].Job.ID, slate.JobSucceeded, 0, 1)
		if j := k.job(claims[0].Job.ID); j.Priority != 5 {
			t.Fatalf("priority after refused change = %d", j.Priority)
		}
		// Awaiting approval: may be reprioritised too.
		_, actx := k.member("artist", slate.PermRunAI)
		b, err := db.Submit(actx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{Shots: ids[:1]}})
		if err != nil {
			t.Fatal(err)
		}
		if j, err := db.SetPriority(actx, b.Items[0].ID, 0); err != nil || j.Priority != 0 || j.State != slate.JobAwaitingApproval {
			t.Fatalf("set priority awaiting approval = %+v, %v", j, err)
		}
		k.audit()
	})
}

// Moving to the top puts a job above the highest queued job, even when
// those are already at the maximum priority.
func TestQueueTop(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "enterprise", 6, 1_000)
		db, ctx := env.DB, k.o.Ctx
		b := k.submit(slate.BatchInput{Priority: ptr(20)})
		j := b.Items
		if _, err := db.SetPriority(ctx, j[1].ID, 60); err != nil {
			t.Fatal(err)
		}
		// Above the highest queued (60): 61.
		top := k.action(ctx, j[4].ID, slate.ActionTop)
		if top.Priority != 61 || top.State != slate.JobQueued {
			t.Fatalf("top = %+v", top)
		}
		// Already the highest: it stays where it is.
		if again := k.action(ctx, j[4].ID, slate.ActionTop); again.Priority != 61 {
			t.Fatalf("top again = %+v", again)
		}
		// Others at the maximum: a topped job still goes first, the
		// latest topped first of all.
		for _, x := range []int{1, 2} {
			if _, err := db.SetPriority(ctx, j[x].ID, 100); err != nil {
				t.Fatal(err)
			}
		}
		if top := k.action(ctx, j[3].ID, slate.ActionTop); top.Priority != 100 {
			t.Fatalf("top over 100 = %+v", top)
		}
		if top := k.action(ctx, j[5].ID, slate.ActionTop); top.Priority != 100 {
			t.Fatalf("top over 100 = %+v", top)
		}
		// A paused job may be moved to the top; it runs once resumed.
		k.action(ctx, j[0].ID, slate.ActionPause)
		k.action(ctx, j[0].ID, slate.ActionTop)
		var order []string
		for range 5 {
			order = append(order, k.mustClaim("w").Job.ShotName)
		}
		if got := strings.Join(order, ","); got != "Shot 6,Shot 4,Shot 2,Shot 3,Shot 5" {
			t.Fatalf("claim order = %s", got)
		}
		k.action(ctx, j[0].ID, slate.ActionResume)
		if c := k.mustClaim("w"); c.Job.ID != j[0].ID || c.Job.Priority != 100 {
			t.Fatalf("claimed %+v", c.Job)
		}
		// A new priority set by hand drops the top mark: equals run oldest first.
		k2 := k.submit(slate.BatchInput{Priority: ptr(100)})
		top = k.action(ctx, k2.Items[5].ID, slate.ActionTop)
		if _, err := db.SetPriority(ctx, k2.Items[5].ID, 100); err != nil {
			t.Fatal(err)
		}
		if c := k.mustClaim("w"); c.Job.ID != k2.Items[0].ID {
			t.Fatalf("claimed %s after the top mark was dropped", c.Job.ShotName)
		}
	})
}

// An organisation never runs more jobs at once than its plan allows; a job
// being cancelled still counts until its worker stops.
func TestQueueConcurrentRenderLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		cases := []struct {
			plan  string
			limit int
		}{{"free", 1}, {"community", 1}, {"standard", 3}, {"business", 6}, {"enterprise", 10}}
		for _, tc := range cases {
			k := newQueueKit(t, env, tc.plan, tc.limit+2, 1_000)
			b := k.submit(slate.BatchInput{})
			var claims []*slate.Claim
			for range tc.limit {
				claims = append(claims, k.mustClaim(tc.plan))
			}
			if c := k.claimFor(tc.plan); c != nil {
				t.Fatalf("%s: claim %d over the limit of %d", tc.plan, tc.limit+1, tc.limit)
			}
			// Cancelling a running job does not free its slot until it stops.
			k.action(k.o.Ctx, claims[0].Job.ID, slate.ActionCancel)
			if c := k.claimFor(tc.plan); c != nil {
				t.Fatalf("%s: claimed while a cancelled job still runs", tc.plan)
			}
			if _, err := env.DB.Stopped(context.Background(), claims[0].Job.ID, tc.plan); err != nil {
				t.Fatal(err)
			}
			c := k.mustClaim(tc.plan)
			k.finish(c)
			if q, r, _ := laneCounts(t, env, k.o.Org.ID); q != 1 || r != int64(tc.limit-1) {
				t.Fatalf("%s: lane %d queued %d running", tc.plan, q, r)
			}
			for _, c := range claims[1:] {
				k.finish(c)
			}
			k.finish(k.mustClaim(tc.plan))
			got, err := env.DB.Batch(k.o.Ctx, b.ID)
			if err != nil || got.States[slate.JobSucceeded] != tc.limit+1 || got.States[slate.JobCanceled] != 1 {
				t.Fatalf("%s: batch = %+v, %v", tc.plan, got, err)
			}
			k.audit()
		}
	})
}

// Workers are shared between organisations: the one with the fewest jobs
// running first, then the one served longest ago.
func TestQueueFairness(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		a := newQueueKit(t, env, "business", 10, 1_000)
		b := newQueueKit(t, env, "business", 6, 1_000)
		orgName := map[string]string{a.o.Org.ID: "A", b.o.Org.ID: "B"}
		// A submits first and far more urgently; fairness still alternates.
		a.submit(slate.BatchInput{Priority: ptr(100)})
		env.Clock.Advance(time.Second)
		b.submit(slate.BatchInput{Priority: ptr(0)})
		var claims []*slate.Claim
		var seq []string
		for range 6 {
			c := a.mustClaim("w")
			claims = append(claims, c)
			seq = append(seq, orgName[c.Job.OrgID])
		}
		if got := strings.Join(seq, ""); got != "ABABAB" && got != "BABABA" {
			t.Fatalf("claims while jobs run = %s, want them alternating", got)
		}
		// A finishes its three; B's three keep running: A is served next
		// until it has as many running.
		for _, c := range claims {
			if c.Job.OrgID == a.o.Org.ID {
				a.finish(c)
			}
		}
		seq = nil
		for range 4 {
			env.Clock.Advance(time.Millisecond)
			c := a.mustClaim("w")
			seq = append(seq, orgName[c.Job.OrgID])
			claims = append(claims, c)
		}
		// Three for A to catch up with B's three running; then, running as
		// many, the one served longest ago: B.
		if got := strings.Join(seq, ""); got != "AAAB" {
			t.Fatalf("claims after A finished = %s, want AAAB", got)
		}
		// Finish everything still running (B's first three, and the last
		// four); then, claimed and finished one at a time, equals take turns.
		for i, c := range claims {
			if i >= 6 || c.Job.OrgID == b.o.Org.ID {
				a.finish(c)
			}
		}
		a.submit(slate.BatchInput{})
		b.submit(slate.BatchInput{})
		seq = nil
		for range 8 {
			env.Clock.Advance(time.Millisecond)
			c := a.mustClaim("w")
			seq = append(seq, orgName[c.Job.OrgID])
			a.finish(c)
		}
		if got := strings.Join(seq, ""); got != "ABABABAB" && got != "BABABABA" {
			t.Fatalf("claim-and-finish turns = %s", got)
		}
		a.audit()
		b.audit()
	})
}

// A worker is handed only jobs of engines it serves, and an organisation
// whose queued work is all for other engines does not stand in the way.
func TestQueueClaimByEngine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		a := newQueueKit(t, env, "business", 3, 1_000)
		b := newQueueKit(t, env, "business", 2, 1_000)
		ids := a.shotIDs()
		a.submit(slate.BatchInput{Selection: &slate.Selection{Shots: ids[:1]}, Engine: "comfyui"})
		a.submit(slate.BatchInput{Selection: &slate.Selection{Shots: ids[1:2]}, Engine: "veo-3.1"})
		a.submit(slate.BatchInput{Selection: &slate.Selection{Shots: ids[2:]}, Engine: "comfyui"})
		env.Clock.Advance(time.Second)
		b.submit(slate.BatchInput{}) // preview
		// A has nothing for preview; B is served.
		for range 2 {
			c := a.mustClaim("p", "preview")
			if c.Job.OrgID != b.o.Org.ID || c.Job.Engine != "preview" {
				t.Fatalf("preview worker got %+v", c.Job)
			}
			b.finish(c)
		}
		if c := a.claimFor("p", "preview", "wan-2.1"); c != nil {
			t.Fatalf("preview worker got %+v", c.Job)
		}
		c := a.mustClaim("v", "veo-3.1")
		if c.Job.Engine != "veo-3.1" || c.Job.ShotName != "Shot 2" || c.Spec.Engine != "veo-3.1" {
			t.Fatalf("veo worker got %+v", c.Job)
		}
		a.finish(c)
		for _, want := range []string{"Shot 1", "Shot 3"} {
			c := a.mustClaim("c", "veo-3.1", "comfyui")
			if c.Job.ShotName != want || c.Job.Engine != "comfyui" {
				t.Fatalf("comfyui worker got %+v, want %s", c.Job, want)
			}
			a.finish(c)
		}
		// A claim must name its worker and engines.
		_, err := env.DB.Claim(context.Background(), slate.ClaimRequest{Engines: []string{"preview"}})
		wantCode(t, err, slate.EINVALID)
		_, err = env.DB.Claim(context.Background(), slate.ClaimRequest{WorkerID: "w"})
		wantCode(t, err, slate.EINVALID)
		a.audit()
		b.audit()
	})
}
