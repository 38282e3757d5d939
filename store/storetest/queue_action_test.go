package storetest_test

import (
	"context"
	"fmt"
	"testing"

	"slate"
	"slate/pricing"
	"slate/queue"
	"slate/store"
	"slate/store/storetest"
)

// Pausing keeps a queued job's hold and keeps workers off it; resuming puts
// it back in line; cancelling a queued or paused job releases its hold.
func TestQueuePauseResumeCancel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 4, 4_000) // 4 credits a shot
		b := k.submit(slate.BatchInput{})
		jobs := b.Items
		k.want(180_000, 0, 0, 16)

		j := k.action(k.o.Ctx, jobs[0].ID, slate.ActionPause)
		if j.State != slate.JobPaused || j.CostHeld != 4 {
			t.Fatalf("paused = %+v", j)
		}
		k.want(180_000, 0, 0, 16)
		// The paused job is passed over.
		c := k.mustClaim("w")
		if c.Job.ID != jobs[1].ID {
			t.Fatalf("claimed %s, want the second job", c.Job.ShotName)
		}
		k.finish(c)
		k.action(k.o.Ctx, jobs[0].ID, slate.ActionResume)
		k.wantJob(jobs[0].ID, slate.JobQueued, 4, 0)
		// Resumed, it is the oldest again.
		c = k.mustClaim("w")
		if c.Job.ID != jobs[0].ID {
			t.Fatalf("claimed %s, want the resumed first job", c.Job.ShotName)
		}
		k.finish(c)

		// Cancel queued, and cancel paused: both release.
		k.action(k.o.Ctx, jobs[2].ID, slate.ActionCancel)
		k.wantJob(jobs[2].ID, slate.JobCanceled, 0, 0)
		k.action(k.o.Ctx, jobs[3].ID, slate.ActionPause)
		k.action(k.o.Ctx, jobs[3].ID, slate.ActionCancel)
		k.wantJob(jobs[3].ID, slate.JobCanceled, 0, 0)
		for _, id := range []string{jobs[2].ID, jobs[3].ID} {
			if got := fmt.Sprint(k.jobEntries(id)); got != "[hold 4 release -4]" {
				t.Fatalf("entries of a cancelled job = %s", got)
			}
		}
		k.want(180_000-8, 0, 0, 0)
		if c := k.claimFor("w"); c != nil {
			t.Fatalf("claimed %+v from an empty queue", c.Job)
		}
		k.audit()
	})
}

// Cancelling a running job asks its worker to stop; stopping releases the
// hold. A worker that ends the job another way ends it cancelled, or keeps
// the finished work.
func TestQueueCancelRunning(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 3, 4_000)
		k.submit(slate.BatchInput{})
		ctx := context.Background()
		db := env.DB
		var claims []*slate.Claim
		for range 3 {
			claims = append(claims, k.mustClaim("w"))
		}
		for _, c := range claims {
			k.beat(c, 40)
			j := k.action(k.o.Ctx, c.Job.ID, slate.ActionCancel)
			if j.State != slate.JobCancelRequested || j.CostHeld != 4 || j.WorkerID != "w" {
				t.Fatalf("cancel running = %+v", j)
			}
			if st := k.beat(c, 50); st != slate.JobCancelRequested {
				t.Fatalf("heartbeat after cancel = %s", st)
			}
		}
		k.want(180_000, 0, 0, 12)
		if q, r, _ := laneCounts(t, env, k.o.Org.ID); q != 0 || r != 3 {
			t.Fatalf("lane = %d queued %d running", q, r)
		}

		// Stopped: cancelled, released.
		j, err := db.Stopped(ctx, claims[0].Job.ID, "w")
		if err != nil || j.State != slate.JobCanceled || j.CostHeld != 0 || j.CostCharged != 0 || j.FinishedAt == nil {
			t.Fatalf("stopped = %+v, %v", j, err)
		}
		// Failing instead: cancelled all the same, released.
		j, err = db.Fail(ctx, claims[1].Job.ID, "w", slate.JobError{Code: slate.JobErrEngineFailed, Message: "killed"})
		if err != nil || j.State != slate.JobCanceled || j.CostHeld != 0 || j.CostCharged != 0 {
			t.Fatalf("failed while cancelling = %+v, %v", j, err)
		}
		// Finishing anyway: the work is kept and charged.
		j = k.finish(claims[2])
		if j.State != slate.JobSucceeded || j.CostCharged != 4 || j.TakeID == "" {
			t.Fatalf("finished while cancelling = %+v", j)
		}
		for i, want := range []string{"[hold 4 release -4]", "[hold 4 release -4]", "[hold 4 charge 4]"} {
			if got := fmt.Sprint(k.jobEntries(claims[i].Job.ID)); got != want {
				t.Fatalf("entries of job %d = %s, want %s", i, got, want)
			}
		}
		k.want(180_000-4, 0, 0, 0)
		// The worker's later reports are conflicts now.
		_, err = db.Heartbeat(ctx, claims[0].Job.ID, slate.Beat{WorkerID: "w", Progress: 60})
		wantCode(t, err, slate.ECONFLICT)
		_, err = db.Stopped(ctx, claims[0].Job.ID, "w")
		wantCode(t, err, slate.ECONFLICT)
		k.audit()
	})
}

// An engine that bills partial work charges its share of a job stopped
// midway, rounded up, and releases the rest; other engines release it all.
func TestQueueCancelRunningPartialBillable(t *testing.T) {
	t.Parallel()
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			t.Parallel()
			cat := pricing.Default()
			for i := range cat.PriceBook.Engines {
				if cat.PriceBook.Engines[i].Name == "comfyui" {
					cat.PriceBook.Engines[i].PartialBillable = true
				}
			}
			env := storetest.OpenWith(t, be, func(o *store.Options) { o.Catalog = cat })
			k := newQueueKit(t, env, "business", 4, 10_000)
			ctx := context.Background()
			// comfyui at standard: 2 × 2 × 10 s = 40 a shot.
			b := k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: k.shotIDs()[:3]}, Engine: "comfyui", Tier: "standard"})
			pb := k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: k.shotIDs()[3:]}, Engine: "preview", Tier: "standard"})
			k.want(180_000, 0, 0, 140)
			cases := []struct {
				progress int
				charge   int64
			}{
				{33, queue.PartialCharge(40, 33)}, // 13.2 → 14
				{0, 0},
				{100, 40},
			}
			if cases[0].charge != 14 {
				t.Fatalf("PartialCharge(40, 33) = %d, want 14", cases[0].charge)
			}
			var spent int64
			for i, tc := range cases {
				c := k.mustClaim("w", "comfyui")
				if c.Job.ID != b.Items[i].ID {
					t.Fatalf("claimed %s", c.Job.ShotName)
				}
				k.beat(c, tc.progress)
				k.action(k.o.Ctx, c.Job.ID, slate.ActionCancel)
				j, err := env.DB.Stopped(ctx, c.Job.ID, "w")
				if err != nil || j.State != slate.JobCanceled || j.CostCharged != tc.charge || j.CostHeld != 0 {
					t.Fatalf("stopped at %d%% = %+v, %v", tc.progress, j, err)
				}
				want := fmt.Sprintf("[hold 40 charge %d release -%d]", tc.charge, 40-tc.charge)
				switch tc.charge {
				case 0:
					want = "[hold 40 release -40]"
				case 40:
					want = "[hold 40 charge 40]"
				}
				if got := fmt.Sprint(k.jobEntries(c.Job.ID)); got != want {
					t.Fatalf("entries at %d%% = %s, want %s", tc.progress, got, want)
				}
				spent += tc.charge
				k.want(180_000-spent, 0, 0, 140-40*int64(i+1))
			}
			// preview does not bill partial work: released in full.
			c := k.mustClaim("w", "preview")
			if c.Job.ID != pb.Items[0].ID {
				t.Fatalf("claimed %s", c.Job.ShotName)
			}
			k.beat(c, 90)
			k.action(k.o.Ctx, c.Job.ID, slate.ActionCancel)
			if j, err := env.DB.Stopped(ctx, c.Job.ID, "w"); err != nil || j.CostCharged != 0 {
				t.Fatalf("stopped preview = %+v, %v", j, err)
			}
			k.want(180_000-spent, 0, 0, 0)
			batch, err := env.DB.Batch(k.o.Ctx, b.ID)
			if err != nil || batch.Spent != spent || batch.Held != 0 {
				t.Fatalf("batch = %+v, %v", batch, err)
			}
			// A job charged for partial work has had its one charge: retrying
			// it is refused (a batch retry skips it); one stopped at 0% was
			// charged nothing and may be retried.
			before := k.snap()
			_, err = env.DB.JobAction(k.o.Ctx, b.Items[0].ID, slate.ActionRetry)
			wantCode(t, err, slate.ECONFLICT)
			k.unchanged("retrying a partly charged job", before)
			res, err := env.DB.BatchAction(k.o.Ctx, b.ID, slate.ActionRetry)
			if err != nil || len(res.Changed) != 1 || res.Changed[0].ID != b.Items[1].ID || res.Skipped != 2 {
				t.Fatalf("batch retry = %+v, %v", res, err)
			}
			c = k.mustClaim("w", "comfyui")
			if fj := k.finish(c); fj.State != slate.JobSucceeded || fj.CostCharged != 40 {
				t.Fatalf("finished retry = %+v", fj)
			}
			spent += 40
			k.want(180_000-spent, 0, 0, 0)
			k.audit()
		})
	}
}

// A failed job shows why; retrying it places a new hold under a new key and
// requeues it, and a later success is charged exactly once.
func TestQueueRetry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 3, 4_000)
		b := k.submit(slate.BatchInput{})
		_, actx := k.member("artist", slate.PermRunAI)
		_, pctx := k.member("producer", slate.PermUseCredits)

		c := k.mustClaim("w")
		j := k.fail(c, slate.JobErrEngineTimeout)
		if j.State != slate.JobFailed || j.Error == nil || j.Error.Code != slate.JobErrEngineTimeout || j.CostHeld != 0 || j.CostCharged != 0 {
			t.Fatalf("failed = %+v", j)
		}
		k.want(180_000, 0, 0, 8)
		j = k.action(k.o.Ctx, j.ID, slate.ActionRetry)
		if j.State != slate.JobQueued || j.Error != nil || j.CostHeld != 4 || j.Attempts != 0 || j.WorkerID != "" {
			t.Fatalf("retried = %+v", j)
		}
		k.want(180_000, 0, 0, 12)
		var holds []string
		for _, e := range k.entries(slate.TransactionFilter{Kind: slate.EntryHold}) {
			if e.JobID == j.ID {
				holds = append(holds, e.HoldID)
			}
		}
		if len(holds) != 2 || holds[0] == holds[1] {
			t.Fatalf("holds of the retried job = %v, want two different", holds)
		}
		// It is the oldest job, so it runs next; it succeeds and is charged once.
		c = k.mustClaim("w")
		if c.Job.ID != j.ID || c.Job.Attempts != 1 {
			t.Fatalf("claimed %+v", c.Job)
		}
		k.finish(c)
		if got := fmt.Sprint(k.jobEntries(j.ID)); got != "[hold 4 release -4 hold 4 charge 4]" {
			t.Fatalf("entries = %s", got)
		}
		k.want(180_000-4, 0, 0, 8)

		// A retry by a member who may not spend waits for approval, unheld.
		c = k.mustClaim("w")
		k.fail(c, slate.JobErrPromptRejected)
		j = k.action(actx, c.Job.ID, slate.ActionRetry)
		if j.State != slate.JobAwaitingApproval || j.CostHeld != 0 || j.Error != nil {
			t.Fatalf("retried by run_ai = %+v", j)
		}
		k.want(180_000-4, 0, 0, 4)
		k.action(pctx, j.ID, slate.ActionApprove)
		k.wantJob(j.ID, slate.JobQueued, 4, 0)
		k.want(180_000-4, 0, 0, 8)

		// A cancelled job may be retried too.
		k.action(k.o.Ctx, b.Items[2].ID, slate.ActionCancel)
		k.action(k.o.Ctx, b.Items[2].ID, slate.ActionRetry)
		k.wantJob(b.Items[2].ID, slate.JobQueued, 4, 0)

		// Drain: everything succeeds, each charged once.
		for {
			c := k.claimFor("w")
			if c == nil {
				break
			}
			k.finish(c)
		}
		for _, id := range []string{b.Items[0].ID, b.Items[1].ID, b.Items[2].ID} {
			k.wantJob(id, slate.JobSucceeded, 0, 4)
		}
		k.want(180_000-12, 0, 0, 0)
		// A succeeded job cannot be retried.
		before := k.snap()
		_, err := env.DB.JobAction(k.o.Ctx, b.Items[0].ID, slate.ActionRetry)
		wantCode(t, err, slate.ECONFLICT)
		k.unchanged("retrying a succeeded job", before)
		k.audit()
	})
}

// Every action a job's state does not allow answers 409 and changes
// nothing; the ones it allows are the state machine's.
func TestQueueRefusedTransitions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 8, 4_000)
		db := env.DB
		_, actx := k.member("artist", slate.PermRunAI)
		ids := k.shotIDs()
		sub := func(ctx context.Context, shot string, prio int) *slate.Job {
			t.Helper()
			b, err := db.Submit(ctx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{Shots: []string{shot}}, Priority: ptr(prio)})
			if err != nil {
				t.Fatal(err)
			}
			return b.Items[0]
		}
		jobs := map[slate.JobState]*slate.Job{}
		jobs[slate.JobAwaitingApproval] = sub(actx, ids[0], 50)
		jobs[slate.JobRunning] = sub(k.o.Ctx, ids[1], 90)
		jobs[slate.JobCancelRequested] = sub(k.o.Ctx, ids[2], 89)
		jobs[slate.JobSucceeded] = sub(k.o.Ctx, ids[3], 88)
		jobs[slate.JobFailed] = sub(k.o.Ctx, ids[4], 87)
		jobs[slate.JobQueued] = sub(k.o.Ctx, ids[5], 10)
		jobs[slate.JobPaused] = sub(k.o.Ctx, ids[6], 10)
		jobs[slate.JobCanceled] = sub(k.o.Ctx, ids[7], 10)
		for _, s := range []slate.JobState{slate.JobRunning, slate.JobCancelRequested, slate.JobSucceeded, slate.JobFailed} {
			if c := k.mustClaim("w"); c.Job.ID != jobs[s].ID {
				t.Fatalf("claimed %s for %s", c.Job.ShotName, s)
			}
		}
		k.action(k.o.Ctx, jobs[slate.JobCancelRequested].ID, slate.ActionCancel)
		k.finish(&slate.Claim{Job: &slate.Job{ID: jobs[slate.JobSucceeded].ID, WorkerID: "w"}})
		k.fail(&slate.Claim{Job: &slate.Job{ID: jobs[slate.JobFailed].ID, WorkerID: "w"}}, slate.JobErrEngineUnavailable)
		k.action(k.o.Ctx, jobs[slate.JobPaused].ID, slate.ActionPause)
		k.action(k.o.Ctx, jobs[slate.JobCanceled].ID, slate.ActionCancel)
		for s, j := range jobs {
			k.wantJob(j.ID, s, map[bool]int64{true: 4, false: 0}[queue.Holds(s)], map[bool]int64{true: 4, false: 0}[s == slate.JobSucceeded])
		}
		allowed := map[slate.JobState][]slate.JobAction{
			slate.JobAwaitingApproval: {slate.ActionApprove, slate.ActionReject, slate.ActionCancel, slate.ActionTop},
			slate.JobQueued:           {slate.ActionPause, slate.ActionCancel, slate.ActionTop},
			slate.JobPaused:           {slate.ActionResume, slate.ActionCancel, slate.ActionTop},
			slate.JobRunning:          {slate.ActionCancel, slate.ActionTop},
			slate.JobCancelRequested:  {slate.ActionTop},
			slate.JobSucceeded:        {},
			slate.JobFailed:           {slate.ActionRetry},
			slate.JobCanceled:         {slate.ActionRetry},
		}
		actions := []slate.JobAction{slate.ActionPause, slate.ActionResume, slate.ActionCancel, slate.ActionRetry,
			slate.ActionApprove, slate.ActionReject, slate.ActionTop}
		for state, j := range jobs {
			for _, a := range actions {
				ok := false
				for _, x := range allowed[state] {
					ok = ok || x == a
				}
				if ok {
					continue
				}
				before := k.snap()
				_, err := db.JobAction(k.o.Ctx, j.ID, a)
				if slate.ErrorCode(err) != slate.ECONFLICT {
					t.Fatalf("%s a %s job: err = %v, want conflict", a, state, err)
				}
				k.unchanged(fmt.Sprintf("%s a %s job", a, state), before)
			}
			if state.Finished() {
				before := k.snap()
				_, err := db.SetPriority(k.o.Ctx, j.ID, 70)
				wantCode(t, err, slate.ECONFLICT)
				k.unchanged("SetPriority of a finished job", before)
			}
		}
		// Unknown actions are invalid; a job nobody may see is not found.
		_, err := db.JobAction(k.o.Ctx, jobs[slate.JobQueued].ID, "explode")
		wantCode(t, err, slate.EINVALID)
		_, err = db.BatchAction(k.o.Ctx, jobs[slate.JobQueued].BatchID, slate.ActionTop)
		wantCode(t, err, slate.EINVALID)
		_, err = db.JobAction(k.o.Ctx, "job_missing", slate.ActionPause)
		wantCode(t, err, slate.ENOTFOUND)
		stranger := newQueueKit(t, env, "business", 0, 0)
		_, err = db.JobAction(stranger.o.Ctx, jobs[slate.JobQueued].ID, slate.ActionCancel)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.BatchAction(stranger.o.Ctx, jobs[slate.JobQueued].BatchID, slate.ActionCancel)
		wantCode(t, err, slate.ENOTFOUND)
		// A reader may not steer the queue.
		_, rctx := k.member("reader")
		_, err = db.JobAction(rctx, jobs[slate.JobQueued].ID, slate.ActionPause)
		if e := wantCode(t, err, slate.EFORBIDDEN); e.MissingPermission != slate.PermRunAI {
			t.Fatalf("missing %s", e.MissingPermission)
		}
		_, err = db.SetPriority(rctx, jobs[slate.JobQueued].ID, 70)
		wantCode(t, err, slate.EFORBIDDEN)
		_, err = db.SetPriority(k.o.Ctx, jobs[slate.JobQueued].ID, 101)
		wantCode(t, err, slate.EINVALID)
		k.wantJob(jobs[slate.JobQueued].ID, slate.JobQueued, 4, 0)
		k.audit()
	})
}

// Actions on a batch or a selection change the jobs they apply to and
// report how many they passed over; pausing a batch leaves its running
// jobs running.
func TestQueueBatchAndSelectionActions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k, qt := newQueueTree(t, env, "business", 4_000)
		db, ctx := env.DB, k.o.Ctx
		b := k.submit(slate.BatchInput{})
		jobOf := map[string]*slate.Job{}
		for _, j := range b.Items {
			jobOf[j.ShotName] = j
		}
		running := k.mustClaim("w") // a1
		if running.Job.ShotName != "a1" {
			t.Fatalf("claimed %s", running.Job.ShotName)
		}
		k.action(ctx, jobOf["b2"].ID, slate.ActionCancel)

		res, err := db.BatchAction(ctx, b.ID, slate.ActionPause)
		if err != nil || names(res.Changed) != "a2,a3,b1" || res.Skipped != 2 {
			t.Fatalf("pause batch = %+v, %v", res, err)
		}
		k.wantJob(jobOf["a1"].ID, slate.JobRunning, 4, 0)
		if c := k.claimFor("w2"); c != nil {
			t.Fatalf("claimed %s from a paused batch", c.Job.ShotName)
		}
		k.want(180_000, 0, 0, 16)
		// Pausing again changes nothing and skips everything.
		before := k.snap()
		res, err = db.BatchAction(ctx, b.ID, slate.ActionPause)
		if err != nil || len(res.Changed) != 0 || res.Skipped != 5 {
			t.Fatalf("pause again = %+v, %v", res, err)
		}
		k.unchanged("a batch action that applies to nothing", before)

		// Resume only scene A2 (a3) by selection.
		res, err = db.SelectionAction(ctx, k.o.Project.ID, slate.Selection{Scenes: []string{qt.scenes[1].ID}}, slate.ActionResume)
		if err != nil || names(res.Changed) != "a3" || res.Skipped != 0 {
			t.Fatalf("resume scene = %+v, %v", res, err)
		}
		if c := k.mustClaim("w2"); c.Job.ShotName != "a3" {
			t.Fatalf("claimed %s", c.Job.ShotName)
		}
		// Cancel act A by selection: a2 (paused) is cancelled, a1 and a3
		// (running) are asked to stop.
		res, err = db.SelectionAction(ctx, k.o.Project.ID, slate.Selection{Acts: []string{qt.acts[0].ID}}, slate.ActionCancel)
		if err != nil || names(res.Changed) != "a1,a2,a3" || res.Skipped != 0 {
			t.Fatalf("cancel act = %+v, %v", res, err)
		}
		k.wantJob(jobOf["a2"].ID, slate.JobCanceled, 0, 0)
		k.wantJob(jobOf["a1"].ID, slate.JobCancelRequested, 4, 0)
		k.wantJob(jobOf["a3"].ID, slate.JobCancelRequested, 4, 0)
		// Cancel the whole batch: only b1 (paused) is left to cancel.
		res, err = db.BatchAction(ctx, b.ID, slate.ActionCancel)
		if err != nil || names(res.Changed) != "b1" || res.Skipped != 4 {
			t.Fatalf("cancel batch = %+v, %v", res, err)
		}
		k.want(180_000, 0, 0, 8)
		// Retry by selection: every cancelled job of act B and a2.
		res, err = db.SelectionAction(ctx, k.o.Project.ID, slate.Selection{Shots: qt.ids("a2", "b1", "b2", "a1")}, slate.ActionRetry)
		if err != nil || names(res.Changed) != "a2,b1,b2" || res.Skipped != 1 {
			t.Fatalf("retry selection = %+v, %v", res, err)
		}
		k.want(180_000, 0, 0, 20)
		got, err := db.Batch(ctx, b.ID)
		if err != nil || got.States[slate.JobQueued] != 3 || got.States[slate.JobCancelRequested] != 2 || got.Held != 20 {
			t.Fatalf("batch = %+v, %v", got, err)
		}
		// Jobs of several batches of one shot are all acted on.
		b2 := k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: qt.ids("b1")}})
		res, err = db.SelectionAction(ctx, k.o.Project.ID, slate.Selection{Shots: qt.ids("b1")}, slate.ActionPause)
		if err != nil || len(res.Changed) != 2 || res.Changed[1].BatchID != b2.ID {
			t.Fatalf("pause b1 = %+v, %v", res, err)
		}
		k.audit()
	})
}
