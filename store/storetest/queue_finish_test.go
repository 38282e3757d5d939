package storetest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"slate"
	"slate/pricing"
	"slate/store"
	"slate/store/storetest"
)

func (k *queueKit) shot(id string) *slate.Shot {
	k.t.Helper()
	sh, err := k.env.DB.GetShot(k.o.Ctx, id)
	if err != nil {
		k.t.Fatalf("shot %s: %v", id, err)
	}
	return sh
}

func (k *queueKit) approve(shotID string) {
	k.t.Helper()
	if _, err := k.env.DB.SetReview(k.o.Ctx, shotID, slate.Review{Status: slate.ReviewApproved}); err != nil {
		k.t.Fatalf("approve %s: %v", shotID, err)
	}
}

// A finished job stores its take and selects it, resetting the shot's
// review; selecting another take resets it too.
func TestQueueFinishTakes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 2, 4_000)
		db, ctx := env.DB, k.o.Ctx
		shot := k.shots[0]
		sel := &slate.Selection{Shots: []string{shot.ID}}
		_, err := db.SetReview(ctx, shot.ID, slate.Review{Status: slate.ReviewApproved})
		wantCode(t, err, slate.ECONFLICT) // no take yet

		k.submit(slate.BatchInput{Selection: sel, Tier: "high"})
		c := k.mustClaim("w")
		j := k.finish(c)
		first, err := db.Take(ctx, j.TakeID)
		if err != nil {
			t.Fatal(err)
		}
		want := slate.Take{ID: j.TakeID, ShotID: shot.ID, ProjectID: k.o.Project.ID, JobID: j.ID, Engine: "preview", Tier: "high",
			Width: 1920, Height: 1080, FrameRate: 24, DurationMS: 4_000, Cost: 16, Selected: true, MediaKey: "takes/" + j.ID + ".mp4",
			MediaType: "video/mp4", Size: 1000, CreatedAt: env.Clock.Now()}
		if *first != want {
			t.Fatalf("take = %+v\nwant   %+v", *first, want)
		}
		if sh := k.shot(shot.ID); sh.SelectedTakeID != first.ID || sh.ReviewStatus != slate.ReviewPending {
			t.Fatalf("shot = %+v", sh)
		}
		k.approve(shot.ID)

		// A new take is selected and resets the approval.
		env.Clock.Advance(time.Minute)
		k.submit(slate.BatchInput{Selection: sel})
		j2 := k.finish(k.mustClaim("w"))
		sh := k.shot(shot.ID)
		if sh.SelectedTakeID != j2.TakeID || sh.ReviewStatus != slate.ReviewPending {
			t.Fatalf("shot after a new take = %+v", sh)
		}
		takes := shotTakes(t, env, ctx, shot.ID)
		if len(takes) != 2 || takes[0].ID != j2.TakeID || !takes[0].Selected || takes[1].ID != first.ID || takes[1].Selected {
			t.Fatalf("takes = %+v", takes)
		}
		// Selecting the older take again resets review as well, and is
		// allowed on a locked shot.
		k.approve(shot.ID)
		if _, err := db.Lock(ctx, slate.ElementRef{Kind: slate.KindShot, ID: shot.ID}, "picked"); err != nil {
			t.Fatal(err)
		}
		sh, err = db.SelectTake(ctx, first.ID)
		if err != nil || sh.SelectedTakeID != first.ID || sh.ReviewStatus != slate.ReviewPending {
			t.Fatalf("select older = %+v, %v", sh, err)
		}
		// Selecting the selected take keeps its review.
		k.approve(shot.ID)
		if sh, err = db.SelectTake(ctx, first.ID); err != nil || sh.ReviewStatus != slate.ReviewApproved {
			t.Fatalf("select again = %+v, %v", sh, err)
		}
		if takes := shotTakes(t, env, ctx, shot.ID); !takes[1].Selected || takes[0].Selected {
			t.Fatalf("takes after select = %+v", takes)
		}
		// Another shot has no takes; strangers see none of them.
		if ts, err := db.Takes(ctx, k.shots[1].ID, slate.PageRequest{}); err != nil || len(ts.Items) != 0 || ts.NextCursor != "" {
			t.Fatalf("takes of an unrendered shot = %+v, %v", ts, err)
		}
		stranger := newQueueKit(t, env, "business", 0, 0)
		_, err = db.Takes(stranger.o.Ctx, shot.ID, slate.PageRequest{})
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.Take(stranger.o.Ctx, first.ID)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.SelectTake(stranger.o.Ctx, first.ID)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.Take(ctx, "take_missing")
		wantCode(t, err, slate.ENOTFOUND)
		_, rctx := k.member("reader")
		_, err = db.SelectTake(rctx, j2.TakeID)
		wantCode(t, err, slate.EFORBIDDEN)
		k.want(180_000-20, 0, 0, 0)
		k.audit()
	})
}

// A job is charged what it was quoted, whatever the price book says by the
// time it runs.
func TestQueueChargeIsTheQuotedCost(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 2, 10_000)
		q, err := env.DB.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{Shots: k.shotIDs()[:1]}})
		if err != nil || q.Total != 10 {
			t.Fatalf("quote = %+v, %v", q, err)
		}
		queued := k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: k.shotIDs()[1:]}}) // 10 at today's prices
		// The operator triples preview's price.
		cat := pricing.Default()
		cat.PriceBook.Engines[0].CreditsPerSecond = 3
		db2, err := store.Open(context.Background(), env.DSN, store.Options{Clock: env.Clock, Catalog: cat,
			PasswordParams: storetest.FastPasswords, Engines: slate.Engines})
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		b, err := db2.Submit(k.o.Ctx, k.o.Project.ID, slate.BatchInput{QuoteID: q.ID})
		if err != nil || b.Items[0].Cost != 10 || b.Held != 10 {
			t.Fatalf("batch at the quote = %+v, %v", b, err)
		}
		fresh, err := db2.Submit(k.o.Ctx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{Shots: k.shotIDs()[:1]}})
		if err != nil || fresh.Items[0].Cost != 30 {
			t.Fatalf("batch at the new prices = %+v, %v", fresh, err)
		}
		if _, err := db2.JobAction(k.o.Ctx, fresh.Items[0].ID, slate.ActionCancel); err != nil {
			t.Fatal(err)
		}
		k.want(180_000, 0, 0, 20)
		for range 2 {
			c, err := db2.Claim(context.Background(), slate.ClaimRequest{WorkerID: "w", Engines: []string{"preview"}})
			if err != nil || c == nil {
				t.Fatalf("claim = %+v, %v", c, err)
			}
			j, err := db2.Finish(context.Background(), c.Job.ID, "w", slate.RenderResult{MediaKey: "m.mp4"})
			if err != nil || j.CostCharged != 10 {
				t.Fatalf("finish = %+v, %v", j, err)
			}
			if tk, err := db2.Take(k.o.Ctx, j.TakeID); err != nil || tk.Cost != 10 {
				t.Fatalf("take = %+v, %v", tk, err)
			}
		}
		k.wantJob(queued.Items[0].ID, slate.JobSucceeded, 0, 10)
		k.wantJob(b.Items[0].ID, slate.JobSucceeded, 0, 10)
		k.want(180_000-20, 0, 0, 0)
		k.audit()
	})
}

// Deleting a shot cancels its jobs: one rendering is asked to stop and ends
// cancelled when its worker reports, one waiting ends at once; either way
// its hold is released and the queue goes on.
func TestQueueShotDeleted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 3, 4_000)
		db := env.DB
		b := k.submit(slate.BatchInput{})
		c := k.mustClaim("w")
		k.beat(c, 50)
		if err := db.DeleteShot(k.o.Ctx, c.Job.ShotID); err != nil {
			t.Fatal(err)
		}
		j, err := db.Finish(context.Background(), c.Job.ID, "w", slate.RenderResult{MediaKey: "orphan.mp4"})
		if err != nil || j.State != slate.JobCanceled || j.Error == nil || j.TakeID != "" || j.CostHeld != 0 || j.CostCharged != 0 {
			t.Fatalf("finish of a deleted shot = %+v, %v", j, err)
		}
		if got := fmt.Sprint(k.jobEntries(j.ID)); got != "[hold 4 release -4]" {
			t.Fatalf("entries = %s", got)
		}
		// Deleted while queued: cancelled at once; the next claim hands out
		// the job after it.
		if err := db.DeleteShot(k.o.Ctx, b.Items[1].ShotID); err != nil {
			t.Fatal(err)
		}
		c, err = db.Claim(context.Background(), slate.ClaimRequest{WorkerID: "w", Engines: []string{"preview"}})
		if err != nil || c == nil || c.Job.ID != b.Items[2].ID {
			t.Fatalf("claim past a deleted shot = %+v, %v", c, err)
		}
		k.finish(c)
		// The job of the deleted shot is cancelled, its hold released. The
		// job of a deleted shot may still be read by the owner.
		j = k.wantJob(b.Items[1].ID, slate.JobCanceled, 0, 0)
		if j.Error == nil || j.Error.Code != slate.JobErrDeleted {
			t.Fatalf("failed without a reason: %+v", j)
		}
		k.want(180_000-4, 0, 0, 0)

		// A deleted project: its queued job is cancelled and its hold
		// released.
		other := env.NewProject(t, k.o.Ctx, k.o.Org.ID)
		act, err := db.CreateAct(k.o.Ctx, other.ID, slate.ActInput{Name: "Act"})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := db.CreateScene(k.o.Ctx, act.ID, slate.SceneInput{Name: "Scene"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateShot(k.o.Ctx, sc.ID, slate.ShotInput{Name: "Doomed", DurationMS: 4_000}); err != nil {
			t.Fatal(err)
		}
		doomed, err := db.Submit(k.o.Ctx, other.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		k.want(180_000-4, 0, 0, 4)
		if err := db.DeleteProject(k.o.Ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		if c := k.claimFor("w"); c != nil {
			t.Fatalf("claimed %+v of a deleted project", c.Job)
		}
		k.want(180_000-4, 0, 0, 0)
		for _, j := range k.allJobs(slate.JobFilter{BatchID: doomed.ID}) {
			if j.State != slate.JobCanceled || j.CostHeld != 0 {
				t.Fatalf("job of a deleted project = %+v", j)
			}
		}
		k.audit()
	})
}

// The job list filters by state, project and batch, pages by cursor, and
// hides jobs of restricted projects from members not named on them.
func TestQueueJobsList(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 4, 1_000)
		db, ctx := env.DB, k.o.Ctx
		named, nctx := k.member("named", slate.PermRunAI)
		_, octx := k.member("outsider", slate.PermRunAI, slate.PermUseCredits)
		secret := env.NewProject(t, ctx, k.o.Org.ID)
		act, err := db.CreateAct(ctx, secret.ID, slate.ActInput{Name: "Act"})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Scene"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, err := db.CreateShot(ctx, sc.ID, slate.ShotInput{Name: fmt.Sprintf("Secret %d", i), DurationMS: 1_000}); err != nil {
				t.Fatal(err)
			}
		}
		open1 := k.submit(slate.BatchInput{})
		open2 := k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: k.shotIDs()[:2]}})
		hidden, err := db.Submit(ctx, secret.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetProjectAccess(ctx, secret.ID, slate.ProjectAccess{Restricted: true, Members: []string{named.ID}}); err != nil {
			t.Fatal(err)
		}
		k.finish(k.mustClaim("w"))
		k.finish(k.mustClaim("w"))
		k.action(ctx, open2.Items[1].ID, slate.ActionPause)

		count := func(c context.Context, f slate.JobFilter) int {
			t.Helper()
			return len(listJobs(t, env, c, k.o.Org.ID, f))
		}
		cases := []struct {
			name   string
			f      slate.JobFilter
			owner  int
			named  int
			outsdr int
		}{
			{"all", slate.JobFilter{}, 9, 9, 6},
			{"succeeded", slate.JobFilter{State: slate.JobSucceeded}, 2, 2, 2},
			{"paused", slate.JobFilter{State: slate.JobPaused}, 1, 1, 1},
			{"queued", slate.JobFilter{State: slate.JobQueued}, 6, 6, 3},
			{"open project", slate.JobFilter{ProjectID: k.o.Project.ID}, 6, 6, 6},
			{"secret project", slate.JobFilter{ProjectID: secret.ID}, 3, 3, 0},
			{"batch", slate.JobFilter{BatchID: open1.ID}, 4, 4, 4},
			{"hidden batch", slate.JobFilter{BatchID: hidden.ID}, 3, 3, 0},
			{"batch and state", slate.JobFilter{BatchID: open2.ID, State: slate.JobPaused}, 1, 1, 1},
			{"paged by 2", slate.JobFilter{PageRequest: slate.PageRequest{Limit: 2}}, 9, 9, 6},
		}
		for _, tc := range cases {
			for who, want := range map[string]struct {
				ctx context.Context
				n   int
			}{"owner": {ctx, tc.owner}, "named": {nctx, tc.named}, "outsider": {octx, tc.outsdr}} {
				if got := count(want.ctx, tc.f); got != want.n {
					t.Errorf("%s as %s: %d jobs, want %d", tc.name, who, got, want.n)
				}
			}
		}
		// Pages are newest first, without overlap.
		p1, err := db.Jobs(ctx, k.o.Org.ID, slate.JobFilter{PageRequest: slate.PageRequest{Limit: 4}})
		if err != nil || len(p1.Items) != 4 || p1.NextCursor == "" {
			t.Fatalf("page 1 = %+v, %v", p1, err)
		}
		p2, err := db.Jobs(ctx, k.o.Org.ID, slate.JobFilter{PageRequest: slate.PageRequest{Limit: 4, Cursor: p1.NextCursor}})
		if err != nil || len(p2.Items) != 4 || p2.Items[0].ID >= p1.Items[3].ID {
			t.Fatalf("page 2 = %+v, %v", p2, err)
		}
		all := k.allJobs(slate.JobFilter{})
		for i := 1; i < len(all); i++ {
			if all[i].ID >= all[i-1].ID {
				t.Fatalf("jobs not newest first at %d", i)
			}
		}
		// The outsider cannot read or steer what they cannot see.
		_, err = db.Job(octx, hidden.Items[0].ID)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.Batch(octx, hidden.ID)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.JobAction(octx, hidden.Items[0].ID, slate.ActionCancel)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.SetPriority(octx, hidden.Items[0].ID, 1)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.BatchAction(octx, hidden.ID, slate.ActionPause)
		wantCode(t, err, slate.ENOTFOUND)
		if _, err := db.Job(nctx, hidden.Items[0].ID); err != nil {
			t.Fatalf("named member reads the job: %v", err)
		}
		if b, err := db.Batch(nctx, hidden.ID); err != nil || b.Jobs != 3 {
			t.Fatalf("named member reads the batch: %+v, %v", b, err)
		}
		// Bad filters and strangers.
		_, err = db.Jobs(ctx, k.o.Org.ID, slate.JobFilter{State: "exploded"})
		wantCode(t, err, slate.EINVALID)
		_, err = db.Jobs(ctx, k.o.Org.ID, slate.JobFilter{PageRequest: slate.PageRequest{Cursor: "garbage"}})
		wantCode(t, err, slate.EINVALID)
		stranger := newQueueKit(t, env, "business", 0, 0)
		_, err = db.Jobs(stranger.o.Ctx, k.o.Org.ID, slate.JobFilter{})
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.Job(stranger.o.Ctx, open1.Items[0].ID)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.Batch(stranger.o.Ctx, open1.ID)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.Batch(ctx, "batch_missing")
		wantCode(t, err, slate.ENOTFOUND)
		k.audit()
	})
}
