package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"slate/engine/comfyui"
	"slate/engine/roster"
	"slate/export"
	"slate/media"
	"slate/pricing"
	"slate/store"
	"slate/worker"
)

// reapEvery is how often a server or worker requeues jobs whose leases
// lapsed; well under the lease, so a dead worker's job waits little longer
// than its lease.
const reapEvery = 5 * time.Second

// renderOptions say where media lives and which engines render. `serve`
// and `worker` share them: every process on one database must agree.
type renderOptions struct {
	media          string
	workers        int
	lease          time.Duration
	ffmpeg         string
	ffprobe        string
	poll           time.Duration
	shutdownRender time.Duration
	comfyURL       string
	comfyWorkflow  string
	enginesFile    string
}

func renderFlags(fs *pflag.FlagSet, o *renderOptions, defaultWorkers int) {
	fs.StringVar(&o.media, "media", os.Getenv("SLATE_MEDIA"), "media `DIR` for takes and exports, shared by every server and worker (env SLATE_MEDIA; default DATA/media)")
	fs.IntVar(&o.workers, "workers", envInt("SLATE_WORKERS", defaultWorkers), "renders to run at once in this process; 0 runs none (env SLATE_WORKERS)")
	fs.DurationVar(&o.lease, "lease", 30*time.Second, "how long a job stays a worker's without a heartbeat")
	fs.DurationVar(&o.poll, "poll", 500*time.Millisecond, "how long an idle worker waits before asking for work again")
	fs.DurationVar(&o.shutdownRender, "grace", 30*time.Second, "how long renders in flight may finish at shutdown before their jobs are left to another worker")
	fs.StringVar(&o.ffmpeg, "ffmpeg", envOr("SLATE_FFMPEG", "ffmpeg"), "ffmpeg binary (env SLATE_FFMPEG)")
	fs.StringVar(&o.ffprobe, "ffprobe", envOr("SLATE_FFPROBE", "ffprobe"), "ffprobe binary (env SLATE_FFPROBE)")
	fs.StringVar(&o.enginesFile, "engines", os.Getenv("SLATE_ENGINES"), "engines `FILE` (JSON): hosted and self-hosted engines, their models, key variables, limits and costs; see docs/engines.md (env SLATE_ENGINES)")
	fs.StringVar(&o.comfyURL, "comfyui-url", os.Getenv("SLATE_COMFYUI_URL"), "ComfyUI server `URL`; enables the comfyui engine (env SLATE_COMFYUI_URL)")
	fs.StringVar(&o.comfyWorkflow, "comfyui-workflow", os.Getenv("SLATE_COMFYUI_WORKFLOW"), "ComfyUI workflow template `FILE` (API format, with {{prompt}}, {{seed}}, … placeholders) (env SLATE_COMFYUI_WORKFLOW)")
}

func envInt(key string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return n
	}
	return def
}

// engines builds the engines this deployment renders with from the
// engines file: preview always, the file's entries, and a comfyui engine
// from --comfyui-url and --comfyui-workflow when the file names none.
func (o *renderOptions) engines(book pricing.Book) (*roster.Roster, error) {
	var f roster.File
	if o.enginesFile != "" {
		var err error
		if f, err = roster.Load(o.enginesFile); err != nil {
			return nil, err
		}
	}
	if o.comfyURL != "" || o.comfyWorkflow != "" {
		if o.comfyURL == "" || o.comfyWorkflow == "" {
			return nil, usagef("the comfyui engine needs both --comfyui-url and --comfyui-workflow")
		}
		if !slices.ContainsFunc(f.Engines, func(e roster.Entry) bool { return e.Name == comfyui.Name }) {
			f.Engines = append(f.Engines, roster.Entry{Name: comfyui.Name, Adapter: "comfyui", BaseURL: o.comfyURL,
				Workflow: o.comfyWorkflow})
		}
	}
	return roster.Build(f, book, roster.Deps{FFmpeg: o.ffmpeg})
}

// exporter cuts exports with the same ffmpeg the preview engine uses: every
// worker that renders can export.
func (o *renderOptions) exporter() *export.Runner {
	return &export.Runner{FFmpeg: o.ffmpeg, FFprobe: o.ffprobe}
}

// openRender builds the engines, opens the database enabling them, and the
// media directory: what every process that renders or serves needs.
func (o *renderOptions) openRender(ctx context.Context, dbo *dbOptions) (*roster.Roster, *store.DB, *media.Dir, error) {
	cat, err := dbo.catalog()
	if err != nil {
		return nil, nil, nil, err
	}
	reg, err := o.engines(cat.PriceBook)
	if err != nil {
		return nil, nil, nil, err
	}
	if o.media == "" {
		o.media = filepath.Join(dbo.data, "media")
	}
	dir, err := media.NewDir(o.media)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := dbo.open(ctx, reg)
	if err != nil {
		return nil, nil, nil, err
	}
	return reg, db, dir, nil
}

// startWorkers runs the in-process worker and the lease reaper until ctx
// ends; the returned function waits for them to stop.
func startWorkers(ctx context.Context, db *store.DB, o renderOptions, reg *roster.Roster, dir *media.Dir, log *slog.Logger) func() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if o.workers <= 0 {
			reapLeases(ctx, db, log)
			return
		}
		err := worker.Run(ctx, worker.Config{Queue: db, Engines: reg.Registry(), Roster: reg, Exporter: o.exporter(), Media: dir, FFprobe: o.ffprobe, FFmpeg: o.ffmpeg,
			Slots: o.workers, Lease: o.lease, Poll: o.poll, Reap: reapEvery, Grace: o.shutdownRender, Logger: log})
		if err != nil {
			log.Error("worker stopped", "err", err)
		}
	}()
	return func() { <-done }
}

// reapLeases requeues lapsed leases on a server that renders nothing
// itself: some process must, and every server can.
func reapLeases(ctx context.Context, db *store.DB, log *slog.Logger) {
	t := time.NewTicker(reapEvery)
	defer t.Stop()
	for {
		if n, err := db.ReapLeases(ctx); err != nil && ctx.Err() == nil {
			log.Error("reap leases", "err", err)
		} else if n > 0 {
			log.Info("lapsed leases requeued or failed", "jobs", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type workerOptions struct {
	dbOptions
	renderOptions
}

func (a *app) workerCommand() *cobra.Command {
	var o workerOptions
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Render queued jobs against a shared database",
		Long: "Run render workers without the API: point several machines at the same\n" +
			"PostgreSQL (and the same media directory) to render more at once.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.work(cmd.Context(), o) },
	}
	fs := cmd.Flags()
	dbFlags(fs, &o.dbOptions)
	renderFlags(fs, &o.renderOptions, 2)
	return cmd
}

// work renders until ctx ends (SIGINT or SIGTERM), then lets renders in
// flight finish within the grace period.
func (a *app) work(ctx context.Context, o workerOptions) error {
	log := slog.New(slog.NewJSONHandler(a.stderr, nil))
	if o.workers <= 0 {
		return usagef("--workers must be at least 1")
	}
	reg, db, dir, err := o.openRender(ctx, &o.dbOptions)
	if err != nil {
		return err
	}
	defer db.Close()
	id := worker.NewID()
	log.Info("worker started", "worker", id, "dialect", db.Dialect(), "engines", reg.Names(), "slots", o.workers, "media", dir.Root())
	fmt.Fprintf(a.stdout, "Slate worker %s rendering %v and exports with %d slot(s)\n", id, reg.Names(), o.workers)
	err = worker.Run(ctx, worker.Config{ID: id, Queue: db, Engines: reg.Registry(), Roster: reg, Exporter: o.exporter(), Media: dir, FFprobe: o.ffprobe, FFmpeg: o.ffmpeg, Slots: o.workers,
		Lease: o.lease, Poll: o.poll, Reap: reapEvery, Grace: o.shutdownRender, Logger: log})
	log.Info("worker stopped")
	return err
}
