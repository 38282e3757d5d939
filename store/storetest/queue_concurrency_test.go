package storetest_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/queue"
	"slate/store/storetest"
	"slate/waitfor"
)

// schedOrg is one organisation of a scheduler test and what the test
// tracks of it while workers run.
type schedOrg struct {
	*queueKit
	plan     string
	limit    int64
	inFlight atomic.Int64
	peak     atomic.Int64
	estimate int64
	jobs     []string
}

// newSchedOrg makes an organisation on plan with shots one-second shots and
// submits them batches times.
func newSchedOrg(t *testing.T, env *storetest.Env, plan string, shots, batches int) *schedOrg {
	t.Helper()
	k := newQueueKit(t, env, plan, shots, 1_000)
	p, ok := env.DB.Catalog().Plan(plan)
	if !ok {
		t.Fatalf("no plan %s", plan)
	}
	o := &schedOrg{queueKit: k, plan: plan, limit: int64(p.ConcurrentRenders)}
	for range batches {
		b := k.submit(slate.BatchInput{Priority: ptr(rand.IntN(101))})
		o.estimate += b.Estimate
		for _, j := range b.Items {
			o.jobs = append(o.jobs, j.ID)
		}
	}
	return o
}

// started counts a claimed job against its organisation and fails the test
// when that takes it over its plan's limit. The count goes up after the
// claim commits and down before the job's end is reported, so it never
// exceeds what the store counts.
func (o *schedOrg) started(t *testing.T) {
	n := o.inFlight.Add(1)
	if n > o.limit {
		t.Errorf("%s: %d jobs in flight, limit %d", o.plan, n, o.limit)
	}
	for {
		p := o.peak.Load()
		if n <= p || o.peak.CompareAndSwap(p, n) {
			break
		}
	}
}

// Sixteen workers drain a thousand jobs of five organisations at once:
// every job runs exactly once, no organisation ever runs more than its plan
// allows, and each is charged exactly its batches' estimates.
func TestQueueSchedulerDrains(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		plans := []string{"free", "community", "standard", "business", "enterprise"}
		orgs := map[string]*schedOrg{}
		var all []*schedOrg
		for _, plan := range plans {
			o := newSchedOrg(t, env, plan, 20, 10) // 200 jobs each
			orgs[o.o.Org.ID] = o
			all = append(all, o)
		}
		const total = 1_000
		start := time.Now()
		var claimed sync.Map // job id → worker
		var done atomic.Int64
		var wg sync.WaitGroup
		// However long the drain takes on a busy machine, it is hung only
		// when no job finishes for the guard.
		ctx := waitfor.Moving(t, done.Load)
		for w := range 16 {
			worker := "w" + string(rune('A'+w))
			wg.Go(func() {
				for done.Load() < total && ctx.Err() == nil {
					c, err := env.DB.Claim(ctx, slate.ClaimRequest{WorkerID: worker, Engines: []string{"preview"}, Lease: time.Minute})
					if err != nil {
						t.Errorf("%s: claim: %v", worker, err)
						return
					}
					if c == nil {
						time.Sleep(time.Millisecond)
						continue
					}
					if prev, dup := claimed.LoadOrStore(c.Job.ID, worker); dup {
						t.Errorf("job %s claimed by %s and %s", c.Job.ID, prev, worker)
						return
					}
					o := orgs[c.Job.OrgID]
					o.started(t)
					if st, err := env.DB.Heartbeat(ctx, c.Job.ID, slate.Beat{WorkerID: worker, Progress: 50, Lease: time.Minute}); err != nil || st != slate.JobRunning {
						t.Errorf("%s: heartbeat: %s %v", worker, st, err)
						return
					}
					o.inFlight.Add(-1)
					j, err := env.DB.Finish(ctx, c.Job.ID, worker, slate.RenderResult{MediaKey: c.Job.ID + ".mp4"})
					if err != nil || j.State != slate.JobSucceeded {
						t.Errorf("%s: finish: %+v %v", worker, j, err)
						return
					}
					done.Add(1)
				}
			})
		}
		wg.Wait()
		if ctx.Err() != nil {
			t.Fatalf("hung: workers stopped draining the queue at %d of %d done", done.Load(), total)
		}
		t.Logf("16 workers drained %d jobs in %v", total, time.Since(start).Round(time.Millisecond))
		if t.Failed() {
			return
		}
		n := 0
		claimed.Range(func(_, _ any) bool { n++; return true })
		if n != total || done.Load() != total {
			t.Fatalf("claimed %d, finished %d; want %d", n, done.Load(), total)
		}
		for _, o := range all {
			jobs := o.allJobs(slate.JobFilter{})
			var charged int64
			for _, j := range jobs {
				if j.State != slate.JobSucceeded || j.Attempts != 1 {
					t.Fatalf("%s: job %+v", o.plan, j)
				}
				charged += j.CostCharged
			}
			if len(jobs) != 200 || charged != o.estimate {
				t.Fatalf("%s: %d jobs charged %d, want 200 charged %d", o.plan, len(jobs), charged, o.estimate)
			}
			p, _ := env.DB.Catalog().Plan(o.plan)
			o.want(p.MonthlyCredits-o.estimate, 0, 0, 0)
			o.audit()
			t.Logf("%s: peak %d in flight (limit %d)", o.plan, o.peak.Load(), o.limit)
		}
	})
}

// Members pause, resume, cancel, retry, approve and reprioritise jobs while
// workers drain them (some failing, some stopping when asked): it all ends
// consistent, with credits held exactly for the jobs that hold them.
func TestQueueSchedulerUnderChurn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		var all []*schedOrg
		orgs := map[string]*schedOrg{}
		artists := map[string]context.Context{}
		for _, plan := range []string{"standard", "business", "enterprise"} {
			o := newSchedOrg(t, env, plan, 20, 4) // 80 jobs queued
			_, actx := o.member("artist", slate.PermRunAI)
			artists[o.o.Org.ID] = actx
			b, err := env.DB.Submit(actx, o.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range b.Items { // 20 awaiting approval
				o.jobs = append(o.jobs, j.ID)
			}
			orgs[o.o.Org.ID] = o
			all = append(all, o)
		}
		var stopped, failed, finished, acted, refused atomic.Int64
		// Hung only when neither workers nor members get anything done for
		// the guard.
		ctx := waitfor.Moving(t, func() int64 {
			return stopped.Load() + failed.Load() + finished.Load() + acted.Load() + refused.Load()
		})
		var churning atomic.Bool
		churning.Store(true)
		var inFlight atomic.Int64
		var running sync.Map // job id → worker: no job is run by two at once
		var wg sync.WaitGroup
		for w := range 8 {
			worker := "w" + string(rune('A'+w))
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			wg.Go(func() {
				for ctx.Err() == nil {
					c, err := env.DB.Claim(ctx, slate.ClaimRequest{WorkerID: worker, Engines: []string{"preview"}, Lease: time.Minute})
					if err != nil {
						t.Errorf("%s: claim: %v", worker, err)
						return
					}
					if c == nil {
						if !churning.Load() && inFlight.Load() == 0 {
							return
						}
						time.Sleep(time.Millisecond)
						continue
					}
					inFlight.Add(1)
					if prev, dup := running.LoadOrStore(c.Job.ID, worker); dup {
						t.Errorf("job %s run by %s and %s at once", c.Job.ID, prev, worker)
						return
					}
					o := orgs[c.Job.OrgID]
					o.started(t)
					st, err := env.DB.Heartbeat(ctx, c.Job.ID, slate.Beat{WorkerID: worker, Progress: 30, Lease: time.Minute})
					if err != nil {
						t.Errorf("%s: heartbeat: %v", worker, err)
						return
					}
					if st == slate.JobRunning {
						time.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond) // room for a cancel
						st, err = env.DB.Heartbeat(ctx, c.Job.ID, slate.Beat{WorkerID: worker, Progress: 60, Lease: time.Minute})
						if err != nil {
							t.Errorf("%s: heartbeat: %v", worker, err)
							return
						}
					}
					o.inFlight.Add(-1)
					running.Delete(c.Job.ID)
					var j *slate.Job
					switch {
					case st == slate.JobCancelRequested:
						stopped.Add(1)
						j, err = env.DB.Stopped(ctx, c.Job.ID, worker)
					case rng.IntN(10) == 0:
						failed.Add(1)
						j, err = env.DB.Fail(ctx, c.Job.ID, worker, slate.JobError{Code: slate.JobErrEngineTimeout, Message: "slow"})
					default:
						finished.Add(1)
						j, err = env.DB.Finish(ctx, c.Job.ID, worker, slate.RenderResult{MediaKey: c.Job.ID + ".mp4"})
					}
					if err != nil || !j.State.Finished() {
						t.Errorf("%s: end of %s (%s): %+v %v", worker, c.Job.ID, st, j, err)
						return
					}
					inFlight.Add(-1)
				}
			})
		}
		// One member per organisation steers its queue at random.
		var members sync.WaitGroup
		actions := []slate.JobAction{slate.ActionPause, slate.ActionResume, slate.ActionCancel, slate.ActionRetry,
			slate.ActionApprove, slate.ActionReject, slate.ActionTop}
		for i, o := range all {
			rng := rand.New(rand.NewPCG(uint64(i), 11))
			members.Go(func() {
				for range 120 {
					id := o.jobs[rng.IntN(len(o.jobs))]
					if rng.IntN(4) == 0 {
						// Aim at a job a worker is running now, to catch it mid-render.
						running.Range(func(k, _ any) bool {
							if slices.Contains(o.jobs, k.(string)) {
								id = k.(string)
								return false
							}
							return true
						})
						if _, err := env.DB.JobAction(o.o.Ctx, id, slate.ActionCancel); err != nil && slate.ErrorCode(err) != slate.ECONFLICT {
							t.Errorf("%s: cancel: %v", o.plan, err)
							return
						}
						continue
					}
					var err error
					switch n := rng.IntN(len(actions) + 3); {
					case n < len(actions):
						_, err = env.DB.JobAction(o.o.Ctx, id, actions[n])
					case n == len(actions):
						_, err = env.DB.SetPriority(o.o.Ctx, id, rng.IntN(101))
					case n == len(actions)+1:
						// A retry by the artist waits for approval again.
						_, err = env.DB.JobAction(artists[o.o.Org.ID], id, slate.ActionRetry)
					default:
						a := []slate.JobAction{slate.ActionPause, slate.ActionResume, slate.ActionCancel, slate.ActionApprove}[rng.IntN(4)]
						_, err = env.DB.SelectionAction(o.o.Ctx, o.o.Project.ID, slate.Selection{Shots: []string{o.shots[rng.IntN(len(o.shots))].ID}}, a)
					}
					switch slate.ErrorCode(err) {
					case "":
						acted.Add(1)
					case slate.ECONFLICT:
						refused.Add(1)
					default:
						t.Errorf("%s: member action: %v", o.plan, err)
						return
					}
				}
			})
		}
		members.Wait()
		churning.Store(false)
		wg.Wait()
		if ctx.Err() != nil {
			t.Fatal("hung: workers and members stopped getting anything done")
		}
		if t.Failed() {
			return
		}
		t.Logf("member actions: %d applied, %d refused as conflicts; workers finished %d, failed %d, stopped %d",
			acted.Load(), refused.Load(), finished.Load(), failed.Load(), stopped.Load())
		// At rest: nothing runs or waits for a worker; every job is finished,
		// paused or awaiting approval; credits are held for exactly the
		// jobs that hold them.
		for _, o := range all {
			jobs := o.allJobs(slate.JobFilter{})
			var held int64
			for _, j := range jobs {
				switch j.State {
				case slate.JobSucceeded, slate.JobFailed, slate.JobCanceled, slate.JobPaused, slate.JobAwaitingApproval:
				default:
					t.Fatalf("%s: job left %s: %+v", o.plan, j.State, j)
				}
				if queue.Holds(j.State) {
					held += j.CostHeld
				}
			}
			if c := o.credits(); c.Held != held {
				t.Fatalf("%s: held %d, jobs hold %d", o.plan, c.Held, held)
			}
			o.audit()
		}
		// Resume and approve what is left, and drain it: nothing stays held.
		for _, o := range all {
			for _, a := range []slate.JobAction{slate.ActionResume, slate.ActionApprove} {
				if _, err := env.DB.SelectionAction(o.o.Ctx, o.o.Project.ID, slate.Selection{All: true}, a); err != nil {
					t.Fatal(err)
				}
			}
		}
		for {
			c, err := env.DB.Claim(context.Background(), slate.ClaimRequest{WorkerID: "last", Engines: []string{"preview"}})
			if err != nil {
				t.Fatal(err)
			}
			if c == nil {
				break
			}
			if _, err := env.DB.Finish(context.Background(), c.Job.ID, "last", slate.RenderResult{MediaKey: "m.mp4"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, o := range all {
			if c := o.credits(); c.Held != 0 {
				t.Fatalf("%s: %d still held", o.plan, c.Held)
			}
			for _, j := range o.allJobs(slate.JobFilter{}) {
				if !j.State.Finished() {
					t.Fatalf("%s: job left %s", o.plan, j.State)
				}
			}
			o.audit()
		}
	})
}

// Members racing each other on the same jobs: each job is approved, retried
// or cancelled once, and held, released and charged once.
func TestQueueRacingMembers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "enterprise", 10, 1_000)
		db := env.DB
		_, actx := k.member("artist", slate.PermRunAI)
		b, err := db.Submit(actx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		race := func(n int, fn func() (int, error)) int {
			t.Helper()
			var changed atomic.Int64
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					c, err := fn()
					if err != nil && slate.ErrorCode(err) != slate.ECONFLICT {
						t.Errorf("racing action: %v", err)
					}
					changed.Add(int64(c))
				})
			}
			wg.Wait()
			return int(changed.Load())
		}
		if n := race(8, func() (int, error) {
			res, err := db.BatchAction(k.o.Ctx, b.ID, slate.ActionApprove)
			if err != nil {
				return 0, err
			}
			return len(res.Changed), nil
		}); n != 10 {
			t.Fatalf("approved %d jobs, want 10", n)
		}
		k.want(1_000_000, 0, 0, 10)
		// Fail five, then race to retry each.
		for range 5 {
			k.fail(k.mustClaim("w"), slate.JobErrEngineFailed)
		}
		k.want(1_000_000, 0, 0, 5)
		for _, j := range b.Items[:5] {
			if n := race(6, func() (int, error) {
				_, err := db.JobAction(k.o.Ctx, j.ID, slate.ActionRetry)
				return map[bool]int{true: 1}[err == nil], err
			}); n != 1 {
				t.Fatalf("retried %s %d times", j.ShotName, n)
			}
		}
		k.want(1_000_000, 0, 0, 10)
		// Race to cancel each of the last three, and to top them.
		for _, j := range b.Items[7:] {
			if n := race(6, func() (int, error) {
				_, err := db.JobAction(k.o.Ctx, j.ID, slate.ActionCancel)
				return map[bool]int{true: 1}[err == nil], err
			}); n != 1 {
				t.Fatalf("cancelled %s %d times", j.ShotName, n)
			}
		}
		race(6, func() (int, error) {
			_, err := db.JobAction(k.o.Ctx, b.Items[6].ID, slate.ActionTop)
			return 0, err
		})
		k.want(1_000_000, 0, 0, 7)
		// Drain with racing workers: each job charged once.
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				worker := "r" + string(rune('0'+w))
				for {
					c, err := db.Claim(context.Background(), slate.ClaimRequest{WorkerID: worker, Engines: []string{"preview"}})
					if err != nil {
						t.Errorf("claim: %v", err)
						return
					}
					if c == nil {
						return
					}
					if _, err := db.Finish(context.Background(), c.Job.ID, worker, slate.RenderResult{MediaKey: "m"}); err != nil {
						t.Errorf("finish: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		k.want(1_000_000-7, 0, 0, 0)
		for _, j := range b.Items[:5] {
			if got := k.jobEntries(j.ID); len(got) != 4 {
				t.Fatalf("entries of a retried job = %v", got)
			}
		}
		k.audit()
	})
}
