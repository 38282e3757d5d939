package main_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"slate"
	"slate/clock"
	"slate/store"
	"slate/store/storetest"
	"slate/waitfor"
)

// workerProc is a `slate worker` process on a shared database.
type workerProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan error
}

func startWorker(t *testing.T, dsn, mediaDir string, extra ...string) *workerProc {
	t.Helper()
	return startWorkerEnv(t, nil, dsn, mediaDir, extra...)
}

// startWorkerEnv starts a worker with env added to its clean environment.
func startWorkerEnv(t *testing.T, env []string, dsn, mediaDir string, extra ...string) *workerProc {
	t.Helper()
	args := append([]string{"worker", "--db", dsn, "--data", filepath.Dir(mediaDir), "--media", mediaDir,
		"--poll", "50ms"}, extra...)
	w := &workerProc{stderr: &syncBuffer{}, exited: make(chan error, 1)}
	w.cmd = exec.Command(binary(t), args...)
	w.cmd.Env = cleanEnv(t.TempDir(), env...)
	w.cmd.Stdout, w.cmd.Stderr = &syncBuffer{}, w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.exited <- w.cmd.Wait() }()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-w.exited:
			case <-time.After(waitfor.Guard):
				w.cmd.Process.Kill()
			}
		}
	})
	return w
}

// queueRig drives the queue through the store directly, on the database
// the worker processes share; the system clock, as leases are real time.
type queueRig struct {
	t   *testing.T
	db  *store.DB
	dsn string
}

func openRig(t *testing.T, b storetest.Backend) *queueRig {
	t.Helper()
	env := storetest.OpenWith(t, b, func(o *store.Options) { o.Clock = clock.System{}; o.Engines = nil })
	return &queueRig{t: t, db: env.DB, dsn: env.DSN}
}

// org makes an organisation on plan with a project of n shots of
// durationMS, and returns its owner's context and the project.
func (r *queueRig) org(plan string, n int, durationMS int64) (context.Context, *slate.Project) {
	r.t.Helper()
	ctx := context.Background()
	u, err := r.db.Signup(ctx, slate.Signup{Email: fmt.Sprintf("%s-%d@example.test", plan, time.Now().UnixNano()), Password: "correct horse battery", Name: "Producer"})
	if err != nil {
		r.t.Fatal(err)
	}
	ctx = slate.NewContextWithUser(ctx, u)
	o, err := r.db.CreateOrg(ctx, slate.OrgInput{Name: plan, Plan: plan})
	if err != nil {
		r.t.Fatal(err)
	}
	p, err := r.db.CreateProject(ctx, o.ID, slate.ProjectInput{Title: "Drain"})
	if err != nil {
		r.t.Fatal(err)
	}
	act, err := r.db.CreateAct(ctx, p.ID, slate.ActInput{Name: "A"})
	if err != nil {
		r.t.Fatal(err)
	}
	sc, err := r.db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "S"})
	if err != nil {
		r.t.Fatal(err)
	}
	for i := range n {
		if _, err := r.db.CreateShot(ctx, sc.ID, slate.ShotInput{Name: fmt.Sprintf("Shot %d", i+1), DurationMS: durationMS,
			Prompt: "waves"}); err != nil {
			r.t.Fatal(err)
		}
	}
	return ctx, p
}

func (r *queueRig) submit(ctx context.Context, p *slate.Project, tier string) *slate.Batch {
	r.t.Helper()
	b, err := r.db.Submit(ctx, p.ID, slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: tier})
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// TestWorkerKilledMidRender kills a worker process with SIGKILL while it
// renders: the job's lease lapses, another worker renders it, and it is
// charged exactly once. (A lease may also lapse on a busy machine before
// the kill, so the job may take more than two attempts; it is still
// charged once.)
func TestWorkerKilledMidRender(t *testing.T) {
	t.Parallel()
	r := openRig(t, storetest.Backends(t)[0])
	ctx, p := r.org("business", 1, 60_000)
	// A minute at standard takes ffmpeg a few seconds: time to kill it
	// midway.
	before, err := r.db.Credits(ctx, p.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	b := r.submit(ctx, p, "standard")
	jobID := b.Items[0].ID
	mediaDir := filepath.Join(t.TempDir(), "media")
	first := startWorker(t, r.dsn, mediaDir, "--workers", "1", "--lease", "10s")
	waitFor(t, r, ctx, jobID, func(j *slate.Job) bool { return j.State == slate.JobRunning && j.Progress > 0 })
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitfor.Recv(t, "the killed worker's exit", first.exited)

	// The second worker reaps the lapsed lease and renders the job again.
	startWorker(t, r.dsn, mediaDir, "--workers", "1", "--lease", "10s")
	j := waitFor(t, r, ctx, jobID, func(j *slate.Job) bool { return j.State.Finished() })
	if j.State != slate.JobSucceeded || j.Attempts < 2 || j.CostCharged != j.Cost {
		t.Fatalf("job after the crash = %+v, want succeeded on attempt 2 or later, charged %d", j, j.Cost)
	}
	charges, err := r.db.Transactions(ctx, p.OrgID, slate.TransactionFilter{Kind: slate.EntryCharge})
	if err != nil {
		t.Fatal(err)
	}
	if len(charges.Items) != 1 {
		t.Fatalf("%d charges, want exactly 1: %+v", len(charges.Items), charges.Items)
	}
	after, err := r.db.Credits(ctx, p.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Available != before.Available-j.Cost || after.Held != 0 {
		t.Fatalf("available %d → %d, held %d; want a drop of exactly %d", before.Available, after.Available, after.Held, j.Cost)
	}
	takes, err := r.db.Takes(ctx, j.ShotID, slate.PageRequest{})
	if err != nil || len(takes.Items) != 1 {
		t.Fatalf("takes = %+v, %v; want one", takes, err)
	}
	cli := newCLI(t, "operator")
	if res := cli.run("ledger", "verify", "--db", r.dsn); res.code != 0 {
		t.Fatalf("slate ledger verify: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestWorkerProcessesDrainQueue runs several `slate worker` processes on
// one PostgreSQL: every job runs once, and no organisation ever has more
// jobs running than its plan allows.
func TestWorkerProcessesDrainQueue(t *testing.T) {
	t.Parallel()
	var pg *storetest.Backend
	for _, b := range storetest.Backends(t) {
		if b.Name == "postgres" {
			pg = &b
		}
	}
	if pg == nil {
		t.Skip("needs PostgreSQL (SLATE_TEST_POSTGRES)")
	}
	r := openRig(t, *pg)
	type orgRun struct {
		ctx   context.Context
		p     *slate.Project
		limit int
		batch *slate.Batch
	}
	// Plans with 1, 3 and 6 concurrent renders, 150 one-second drafts: real
	// renders cost real CPU, so the 1,000-job drain is the store suite's
	// (TestQueueScheduler…), with goroutine workers; this one shows the
	// same rules hold across processes.
	var orgs []*orgRun
	for _, plan := range []struct {
		name  string
		limit int
		shots int
	}{{"community", 1, 15}, {"standard", 3, 45}, {"business", 6, 90}} {
		ctx, p := r.org(plan.name, plan.shots, 1_000)
		orgs = append(orgs, &orgRun{ctx: ctx, p: p, limit: plan.limit, batch: r.submit(ctx, p, "draft")})
	}
	mediaDir := filepath.Join(t.TempDir(), "media")
	// Leases far longer than the test: on a busy machine a heartbeat may
	// come late, and a lapsed lease would run a job twice, which is right
	// for the queue but not what this test counts.
	for range 3 {
		startWorker(t, r.dsn, mediaDir, "--workers", "3", "--lease", "5m")
	}

	// Watch the running counts while the queue drains.
	limits := map[string]int{}
	for _, o := range orgs {
		limits[o.p.OrgID] = o.limit
	}
	watchCtx, stopWatch := context.WithCancel(context.Background())
	var watchErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		watchErr = watchRunning(watchCtx, r.db, limits)
	})
	// Job by job, so the hang guard counts from the last job to finish, not
	// from the start of a drain that may take any time on a busy machine.
	for _, o := range orgs {
		for _, j := range o.batch.Items {
			waitFor(t, r, o.ctx, j.ID, func(j *slate.Job) bool { return j.State == slate.JobSucceeded })
		}
	}
	stopWatch()
	wg.Wait()
	if watchErr != nil {
		t.Fatal(watchErr)
	}
	for _, o := range orgs {
		b, err := r.db.Batch(o.ctx, o.batch.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range b.Items {
			if j.Attempts != 1 || j.CostCharged != j.Cost || j.TakeID == "" {
				t.Fatalf("job %+v ran %d times", j, j.Attempts)
			}
		}
		if b.Spent != b.Estimate {
			t.Fatalf("org %s spent %d, estimated %d", o.p.OrgID, b.Spent, b.Estimate)
		}
	}
	if n, bad, err := r.db.VerifyLedger(context.Background()); err != nil || len(bad) != 0 {
		t.Fatalf("verify %d organisations: %v %+v", n, err, bad)
	}
}

// watchRunning samples each organisation's running jobs until ctx ends and
// reports the first sample over its limit.
func watchRunning(ctx context.Context, db *store.DB, limits map[string]int) error {
	for ctx.Err() == nil {
		counts, err := db.RunningByOrg(ctx)
		if err != nil && ctx.Err() == nil {
			return err
		}
		for org, n := range counts {
			if n > limits[org] {
				return fmt.Errorf("organisation %s has %d jobs running, its plan allows %d", org, n, limits[org])
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// waitFor waits until the job satisfies ok.
func waitFor(t *testing.T, r *queueRig, ctx context.Context, jobID string, ok func(*slate.Job) bool) *slate.Job {
	t.Helper()
	var j *slate.Job
	waitfor.Until(t, func() error {
		var err error
		if j, err = r.db.Job(ctx, jobID); err != nil {
			t.Fatal(err)
		}
		if !ok(j) {
			return fmt.Errorf("job %s is %s (%d%%)", jobID, j.State, j.Progress)
		}
		return nil
	})
	return j
}
