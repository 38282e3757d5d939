// Package worker runs queue jobs: it claims them from the queue, renders
// them with the engine they name (or cuts an export's takes together),
// keeps their leases alive with heartbeats that carry progress, stops them
// when a member cancels, and reports the take, the export's file or the
// failure back. `slate serve` runs one in-process; `slate
// worker` runs more on other machines against the same PostgreSQL.
//
// A worker owns nothing the database does not also know: if it dies, its
// leases lapse and any server's reaper puts the jobs back in the queue. Its
// children die with it (see package ffmpeg), and what it was writing lies
// in its scratch directory under the media root, which the next worker to
// start, or any running one, sweeps once it is older than a lease.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"slate"
	"slate/clock"
	"slate/engine"
	"slate/export"
	"slate/media"
)

// Exporter cuts an export's file from its takes' files (inputs, in the
// spec's clip order) into dst, reporting progress and honouring ctx as an
// engine does.
type Exporter interface {
	Export(ctx context.Context, spec slate.ExportSpec, inputs []string, dst string, progress func(engine.Progress)) error
}

// Config is a worker's wiring and pacing. Zero durations take defaults.
type Config struct {
	// ID names the worker in leases; NewID makes a unique one.
	ID      string
	Queue   slate.WorkerService
	Engines *engine.Registry
	// Exporter cuts exports; nil leaves them to workers that have one.
	Exporter Exporter
	// Roster prices each take at its source and bounds each engine's
	// renders; nil records no provider cost and uses RenderTimeout.
	Roster Roster
	Media  *media.Dir
	// FFprobe is the ffprobe binary that measures each take; "" is ffprobe
	// from PATH.
	FFprobe string
	// FFmpeg takes start frames out of takes for image-to-video engines;
	// "" is ffmpeg from PATH.
	FFmpeg string
	// Slots is how many jobs the worker renders at once.
	Slots int
	// Lease is how long a job stays the worker's between heartbeats;
	// Heartbeat how often it sends them (every second by default).
	Lease     time.Duration
	Heartbeat time.Duration
	// Poll is how long an idle slot waits before asking for work again.
	Poll time.Duration
	// RenderTimeout bounds one render, so an engine that never answers
	// fails the job with engine_timeout instead of holding the slot.
	RenderTimeout time.Duration
	// Reap is how often the worker requeues jobs whose leases lapsed; 0
	// turns reaping off (another process does it).
	Reap time.Duration
	// Grace is how long renders in flight may finish after the worker is
	// told to stop; then they are cancelled and their leases left to lapse.
	Grace  time.Duration
	Logger *slog.Logger
	// Clock dates the scratch directory and judges others' age; nil is
	// the system clock.
	Clock slate.Clock

	// scratch is where this worker's renders write until they commit.
	scratch *media.Scratch
}

// NewID names a worker after its host and process, with a random suffix so
// a restarted process never inherits a dead one's leases.
func NewID() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "worker"
	}
	key, _ := media.NewKey("", "")
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + key[3:11]
}

func (c *Config) defaults() error {
	if c.Queue == nil || c.Engines == nil || c.Media == nil {
		return errors.New("worker: Queue, Engines and Media are required")
	}
	if len(c.serves()) == 0 {
		return errors.New("worker: no engines to serve")
	}
	if c.ID == "" {
		c.ID = NewID()
	}
	if c.Slots <= 0 {
		c.Slots = 1
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.Heartbeat <= 0 {
		// Progress reaches members with each beat, so beat every second
		// unless the lease is shorter than three.
		c.Heartbeat = min(c.Lease/3, time.Second)
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.RenderTimeout <= 0 {
		c.RenderTimeout = time.Hour
	}
	if c.Grace <= 0 {
		c.Grace = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clock.System{}
	}
	return nil
}

// Run works until ctx ends, then lets renders in flight finish for up to
// the grace period before it cancels them and returns.
func Run(ctx context.Context, c Config) error {
	if err := c.defaults(); err != nil {
		return err
	}
	// What dead workers left is swept before this one adds to it.
	c.sweep()
	scratch, err := c.Media.Scratch(c.ID)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	c.scratch = scratch
	defer func() {
		if err := scratch.Close(); err != nil {
			c.Logger.Error("worker: remove scratch directory", "worker", c.ID, "err", err)
		}
	}()
	// Renders run on their own context, so stopping the claim loop does not
	// cut a render that is about to finish.
	renders, stopRenders := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRenders()
	var wg sync.WaitGroup
	for range c.Slots {
		wg.Go(func() { c.slot(ctx, renders) })
	}
	if c.Reap > 0 {
		wg.Go(func() { c.reap(ctx) })
	}
	keeping, stopKeeping := context.WithCancel(context.WithoutCancel(ctx))
	kept := make(chan struct{})
	go func() { defer close(kept); c.keep(keeping) }()
	defer func() { stopKeeping(); <-kept }()
	<-ctx.Done()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(c.Grace):
		c.Logger.Warn("worker: grace period over, cancelling renders in flight", "worker", c.ID)
		stopRenders()
		<-done
	}
	return nil
}

// slot claims and renders one job at a time until ctx ends.
func (c *Config) slot(ctx, renders context.Context) {
	for ctx.Err() == nil {
		cl, err := c.Queue.Claim(ctx, slate.ClaimRequest{WorkerID: c.ID, Engines: c.serves(), Lease: c.Lease})
		if err != nil && ctx.Err() == nil {
			c.Logger.Error("worker: claim", "worker", c.ID, "err", err)
		}
		if cl == nil {
			select {
			case <-ctx.Done():
			case <-time.After(c.Poll):
			}
			continue
		}
		c.run(renders, cl)
	}
}

// serves names the queue engines the worker takes jobs of: its render
// engines, and exports when it has an exporter.
func (c *Config) serves() []string {
	names := c.Engines.Names()
	if c.Exporter != nil {
		names = append(names, slate.ExportEngine)
	}
	return names
}

// outcome is why a render ended early.
type outcome int

const (
	rendering outcome = iota
	// cancelRequested: a member cancelled the job; report it stopped.
	cancelRequested
	// leaseLost: the job is no longer ours; report nothing.
	leaseLost
)

// Roster is what a worker asks of the deployment's engines besides
// rendering.
type Roster interface {
	// Cost is what a render cost at its source, as its take keeps it.
	Cost(engine, tier string, out engine.Output) slate.TakeProvider
	// Timeout bounds one render of engine; 0 is the worker's default.
	Timeout(engine string) time.Duration
}

// work is what a claimed job makes: where its file goes and how to make
// it, reporting what its source billed.
type work struct {
	key, mediaType string
	make           func(ctx context.Context, dst string, progress func(engine.Progress)) (engine.Output, error)
	// request is the provider's receipt for a hosted render, once it has
	// one, so a cancel can reach the provider.
	request *requestBox
}

// workOf plans a claimed job: a render by its engine, or an export's cut.
func (c *Config) workOf(cl *slate.Claim) (*work, *engine.Error) {
	j := cl.Job
	if cl.Export != nil {
		if c.Exporter == nil {
			return nil, engine.Errorf(slate.JobErrEngineUnavailable, true, "this worker does not export")
		}
		p, ok := export.Lookup(cl.Export.Preset)
		if !ok {
			return nil, engine.Errorf(slate.JobErrEngineFailed, false, "unknown export preset %q", cl.Export.Preset)
		}
		inputs := make([]string, len(cl.Export.Clips))
		for i, clip := range cl.Export.Clips {
			if clip.Take == nil {
				return nil, engine.Errorf(slate.JobErrEngineFailed, false, "the take of shot %q is not stored", clip.ShotName)
			}
			path, err := c.Media.Path(clip.Take.MediaKey)
			if err != nil {
				return nil, engine.Errorf(slate.JobErrEngineFailed, false, "the take of shot %q has no usable file: %v", clip.ShotName, err)
			}
			inputs[i] = path
		}
		key, err := media.NewKey("exports/"+j.ProjectID, p.Ext)
		if err != nil {
			return nil, engine.AsError(err)
		}
		spec := *cl.Export
		return &work{key: key, mediaType: p.MediaType, make: func(ctx context.Context, dst string, progress func(engine.Progress)) (engine.Output, error) {
			return engine.Output{}, c.Exporter.Export(ctx, spec, inputs, dst, progress)
		}}, nil
	}
	eng, ok := c.Engines.Get(j.Engine)
	if !ok {
		// Claim only hands out engines we named; this is a bug, not a job's fault.
		return nil, engine.Errorf(slate.JobErrEngineUnavailable, true, "this worker has no %s engine", j.Engine)
	}
	key, err := media.NewKey("takes/"+j.ProjectID, ".mp4")
	if err != nil {
		return nil, engine.AsError(err)
	}
	if h, ok := eng.(engine.Hosted); ok {
		return c.hostedWork(cl, h, key), nil
	}
	return &work{key: key, mediaType: "video/mp4", make: func(ctx context.Context, dst string, progress func(engine.Progress)) (engine.Output, error) {
		// A self-hosted engine bills the time it held its GPU.
		start := c.Clock.Now()
		if err := eng.Render(ctx, cl.Spec, dst, progress); err != nil {
			return engine.Output{}, err
		}
		return engine.Output{Usage: engine.Usage{VideoMS: cl.Spec.DurationMS, ComputeMS: c.Clock.Now().Sub(start).Milliseconds()}}, nil
	}}, nil
}

// run makes one claimed job's file and reports how it ended.
func (c *Config) run(ctx context.Context, cl *slate.Claim) {
	j := cl.Job
	log := c.Logger.With("worker", c.ID, "job", j.ID, "engine", j.Engine)
	w, failure := c.workOf(cl)
	if failure != nil {
		c.fail(ctx, log, j, failure)
		return
	}
	tmp, err := c.scratch.TempPath(w.key)
	if err != nil {
		c.fail(ctx, log, j, engine.AsError(err))
		return
	}
	// Whatever the outcome, the file is gone before it is reported, so a
	// job seen to end has left nothing behind.
	discard := func() {
		if err := c.Media.Discard(tmp); err != nil {
			log.Error("worker: discard", "err", err)
		}
	}
	defer discard()

	timeout := c.RenderTimeout
	if c.Roster != nil && c.Roster.Timeout(j.Engine) > 0 {
		timeout = c.Roster.Timeout(j.Engine)
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var mu sync.Mutex
	progress := engine.Progress{}
	why := rendering
	beatDone := make(chan struct{})
	go func() {
		defer close(beatDone)
		t := time.NewTicker(c.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			p := progress
			mu.Unlock()
			var eta *time.Time
			if p.ETA > 0 {
				at := time.Now().Add(p.ETA).UTC()
				eta = &at
			}
			state, err := c.Queue.Heartbeat(ctx, j.ID, slate.Beat{WorkerID: c.ID, Progress: p.Percent, ETA: eta, Lease: c.Lease})
			mu.Lock()
			switch {
			case slate.ErrorCode(err) == slate.ECONFLICT:
				why = leaseLost
			case err == nil && state == slate.JobCancelRequested:
				why = cancelRequested
			case err != nil:
				log.Warn("worker: heartbeat", "err", err)
			}
			stop := why != rendering
			mu.Unlock()
			if stop {
				cancel()
				return
			}
		}
	}()
	out, err := w.make(rctx, tmp, func(p engine.Progress) {
		mu.Lock()
		progress = p
		mu.Unlock()
	})
	cancel()
	<-beatDone
	mu.Lock()
	ended := why
	mu.Unlock()

	if ended != rendering || ctx.Err() != nil || err != nil {
		discard()
	}
	c.cancelAtProvider(log, w, ended, ctx.Err() != nil, err)
	switch {
	case ended == leaseLost || errors.Is(err, errLeaseLost):
		log.Warn("worker: lease lost; another worker has the job")
	case ended == cancelRequested:
		if _, err := c.Queue.Stopped(ctx, j.ID, c.ID); err != nil {
			log.Error("worker: report stopped", "err", err)
		}
	case ctx.Err() != nil:
		// Shutting down past the grace period: the lease lapses and another
		// worker renders the job again.
		log.Warn("worker: render abandoned at shutdown", "err", err)
	case err != nil:
		c.fail(ctx, log, j, engine.AsError(err))
	default:
		c.finish(ctx, log, j, tmp, w, out)
	}
}

// finish measures and keeps the render, then reports the take.
func (c *Config) finish(ctx context.Context, log *slog.Logger, j *slate.Job, tmp string, w *work, out engine.Output) {
	key := w.key
	info, err := media.Probe(ctx, c.FFprobe, tmp)
	if err != nil {
		_ = c.Media.Discard(tmp)
		c.fail(ctx, log, j, engine.Errorf(slate.JobErrEngineFailed, false, "the engine's output is not a readable video: %v", err))
		return
	}
	if err := c.Media.Commit(tmp, key); err != nil {
		_ = c.Media.Discard(tmp)
		c.fail(ctx, log, j, engine.AsError(fmt.Errorf("store the take: %w", err)))
		return
	}
	_, err = c.Queue.Finish(ctx, j.ID, c.ID, slate.RenderResult{MediaKey: key, MediaType: w.mediaType, Size: info.Size,
		Width: info.Width, Height: info.Height, FrameRate: info.FrameRate, DurationMS: info.DurationMS,
		Streams: info.Streams(), Provider: c.provider(j, out)})
	if err != nil {
		// The job is not ours any more (or the database is gone): the
		// file has no take to belong to.
		log.Error("worker: report finished", "err", err)
		_ = c.Media.Remove(key)
		return
	}
	log.Info("worker: job succeeded", "media", key, "duration_ms", info.DurationMS)
}

func (c *Config) fail(ctx context.Context, log *slog.Logger, j *slate.Job, e *engine.Error) {
	log.Warn("worker: job failed", "code", e.Code, "reason", e.Message)
	if _, err := c.Queue.Fail(ctx, j.ID, c.ID, slate.JobError{Code: e.Code, Message: e.Message}); err != nil {
		log.Error("worker: report failure", "err", err)
	}
}
