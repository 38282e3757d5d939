package worker_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"slate"
	"slate/clock"
	"slate/engine"
	"slate/engine/preview"
	"slate/media"
	"slate/store"
	"slate/store/storetest"
	"slate/waitfor"
	"slate/worker"
)

// rig is a real store (SQLite), a media directory, and a project of shots
// owned by a producer who may spend.
type rig struct {
	t     *testing.T
	db    *store.DB
	dir   *media.Dir
	ctx   context.Context
	org   *slate.Org
	proj  *slate.Project
	shots []*slate.Shot
}

func newRig(t *testing.T, durations ...int64) *rig {
	t.Helper()
	// The worker measures leases against real time, so the store uses the
	// system clock here.
	env := storetest.OpenWith(t, storetest.Backends(t)[0], func(o *store.Options) { o.Clock = clock.System{} })
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, db: env.DB, dir: dir}
	_, r.ctx = env.NewUser(t, "producer")
	r.org = env.NewOrg(t, r.ctx, "business")
	r.proj = env.NewProject(t, r.ctx, r.org.ID)
	act, err := r.db.CreateAct(r.ctx, r.proj.ID, slate.ActInput{Name: "One"})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := r.db.CreateScene(r.ctx, act.ID, slate.SceneInput{Name: "Harbour"})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range durations {
		sh, err := r.db.CreateShot(r.ctx, sc.ID, slate.ShotInput{Name: fmt.Sprintf("Shot %d", i+1), DurationMS: d,
			Prompt: `the keeper says "it's {late}"; [rain] %{pts} \ ends`})
		if err != nil {
			t.Fatal(err)
		}
		r.shots = append(r.shots, sh)
	}
	return r
}

// run starts a worker until the test ends.
func (r *rig) run(c worker.Config) context.CancelFunc {
	r.t.Helper()
	c.Queue, c.Media = r.db, r.dir
	if c.Engines == nil {
		c.Engines = engine.NewRegistry(preview.New(preview.Config{}))
	}
	c.Heartbeat, c.Poll, c.Logger = 100*time.Millisecond, 50*time.Millisecond, slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx, c) }()
	r.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			r.t.Errorf("worker: %v", err)
		}
	})
	return cancel
}

func (r *rig) submit(tier string) *slate.Batch {
	r.t.Helper()
	b, err := r.db.Submit(r.ctx, r.proj.ID, slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: tier})
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// waitJob waits until the job satisfies ok.
func (r *rig) waitJob(id string, ok func(*slate.Job) bool) *slate.Job {
	r.t.Helper()
	var j *slate.Job
	waitfor.Until(r.t, func() error {
		var err error
		if j, err = r.db.Job(r.ctx, id); err != nil {
			r.t.Fatal(err)
		}
		if !ok(j) {
			return fmt.Errorf("job %s is %s (%d%%)", id, j.State, j.Progress)
		}
		return nil
	})
	return j
}

func finished(j *slate.Job) bool { return j.State.Finished() }

func (r *rig) credits() *slate.Credits {
	r.t.Helper()
	c, err := r.db.Credits(r.ctx, r.org.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

func TestWorkerRendersTakes(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1_500, 2_250)
	before := r.credits()
	b := r.submit("draft")
	r.run(worker.Config{Slots: 2})
	for i, j := range b.Items {
		j = r.waitJob(j.ID, finished)
		if j.State != slate.JobSucceeded || j.CostCharged != j.Cost || j.TakeID == "" {
			t.Fatalf("job %d = %+v", i, j)
		}
		takes, err := r.db.Takes(r.ctx, j.ShotID, slate.PageRequest{})
		if err != nil || len(takes.Items) != 1 {
			t.Fatalf("takes = %v, %v", takes, err)
		}
		tk := takes.Items[0]
		path, err := r.dir.Path(tk.MediaKey)
		if err != nil {
			t.Fatal(err)
		}
		info, err := media.Probe(context.Background(), "", path)
		if err != nil {
			t.Fatal(err)
		}
		frame := int64(1000 / 24)
		if info.Width != 854 || info.Height != 480 || info.FrameRate != 24 || info.AudioSampleRate != 48000 ||
			abs(info.DurationMS-r.shots[i].DurationMS) > frame {
			t.Fatalf("take %d probes as %+v, want 854×480 at 24 fps, 48 kHz, %d ms", i, info, r.shots[i].DurationMS)
		}
		if tk.Width != info.Width || tk.DurationMS != info.DurationMS || tk.Size != info.Size || !tk.Selected ||
			tk.Streams != info.Streams() || tk.Streams.VideoCodec != "h264" || tk.Streams.AudioRate != 48000 {
			t.Fatalf("take %d records %+v, the file is %+v", i, tk, info)
		}
	}
	after := r.credits()
	if after.Available != before.Available-b.Estimate || after.Held != 0 {
		t.Fatalf("available %d → %d (held %d), want a drop of exactly %d", before.Available, after.Available, after.Held, b.Estimate)
	}
}

func TestWorkerStopsCancelledRender(t *testing.T) {
	t.Parallel()
	// A minute of 1080p is many seconds of ffmpeg on a small machine: long
	// enough to cancel midway.
	r := newRig(t, 60_000)
	before := r.credits()
	b := r.submit("high")
	r.run(worker.Config{Slots: 1})
	id := b.Items[0].ID
	r.waitJob(id, func(j *slate.Job) bool { return j.State == slate.JobRunning && j.Progress > 0 })
	if _, err := r.db.JobAction(r.ctx, id, slate.ActionCancel); err != nil {
		t.Fatal(err)
	}
	j := r.waitJob(id, finished)
	if j.State != slate.JobCanceled || j.CostCharged != 0 || j.CostHeld != 0 || j.TakeID != "" {
		t.Fatalf("cancelled job = %+v", j)
	}
	if c := r.credits(); c.Available != before.Available || c.Held != 0 {
		t.Fatalf("credits after cancel = %+v, want %d available and nothing held", c, before.Available)
	}
	if n := countFiles(t, r.dir.Root()); n != 0 {
		t.Fatalf("%d files left in the media directory after a cancelled render", n)
	}
}

func TestWorkerReportsEngineFailure(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1_000)
	before := r.credits()
	b := r.submit("draft")
	broken := engine.NewRegistry(preview.New(preview.Config{FFmpeg: filepath.Join(t.TempDir(), "no-ffmpeg")}))
	r.run(worker.Config{Slots: 1, Engines: broken})
	j := r.waitJob(b.Items[0].ID, finished)
	if j.State != slate.JobFailed || j.Error == nil || j.Error.Code != slate.JobErrEngineUnavailable {
		t.Fatalf("job = %+v, want failed with engine_unavailable", j)
	}
	if c := r.credits(); c.Available != before.Available || c.Held != 0 {
		t.Fatalf("credits after failure = %+v, want all released", c)
	}
}

func TestWorkerFinishesRenderInFlightAtShutdown(t *testing.T) {
	t.Parallel()
	r := newRig(t, 20_000)
	b := r.submit("standard")
	// The grace outlasts the render however busy the machine is.
	stop := r.run(worker.Config{Slots: 1, Grace: waitfor.Guard})
	id := b.Items[0].ID
	r.waitJob(id, func(j *slate.Job) bool { return j.State == slate.JobRunning })
	stop()
	j := r.waitJob(id, finished)
	if j.State != slate.JobSucceeded || j.Attempts != 1 {
		t.Fatalf("job after a graceful stop = %+v, want succeeded on its first attempt", j)
	}
}

// TestWorkerSweepsScratch: a worker starting sweeps the scratch
// directories that dead workers left longer than a lease ago, keeps its own
// fresh while it runs, and removes it when it stops.
func TestWorkerSweepsScratch(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	const lease = 30 * time.Second
	left := func(owner string, old time.Duration) string {
		s, err := r.dir.Scratch(owner)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.TempPath("takes/p1/ab/abcd.mp4"); err != nil {
			t.Fatal(err)
		}
		if err := s.Keep(time.Now().Add(-old)); err != nil {
			t.Fatal(err)
		}
		return s.Dir()
	}
	dead := left("dead-worker", 2*lease)
	// Another worker's, kept a moment ago: alive, and not this one's to take.
	alive := left("live-worker", 0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- worker.Run(ctx, worker.Config{ID: "new-worker", Queue: r.db, Media: r.dir, Lease: lease,
			Engines: engine.NewRegistry(preview.New(preview.Config{})), Logger: slog.New(slog.DiscardHandler)})
	}()
	own := filepath.Join(r.dir.Root(), ".tmp", "new-worker")
	waitfor.Until(t, func() error {
		if _, err := os.Stat(own); err != nil {
			return fmt.Errorf("the worker has no scratch directory yet: %v", err)
		}
		return nil
	})
	// The sweep ran before the worker made its own directory.
	if _, err := os.Stat(dead); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a dead worker's scratch directory survived the start: %v", err)
	}
	if _, err := os.Stat(alive); err != nil {
		t.Errorf("a live worker's scratch directory was swept: %v", err)
	}
	cancel()
	if err, _ := waitfor.Recv(t, "the worker's end", done); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(own); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the worker's scratch directory outlived it: %v", err)
	}
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func countFiles(t *testing.T, root string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
