// Package preview is the built-in engine: ffmpeg renders a card of the
// shot's exact duration, frame and rate showing its name, prompt and a
// running timecode, so the whole pipeline runs with no GPU and no cloud
// account.
package preview

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"slate"
	"slate/engine"
	"slate/ffmpeg"
)

// Name is the engine's name in specs and in the registry.
const Name = "preview"

// Config configures the engine. The zero value works on a machine with
// ffmpeg on PATH.
type Config struct {
	// Name is the engine's name; empty is "preview".
	Name string
	// FFmpeg is the ffmpeg binary; empty means "ffmpeg" from PATH.
	FFmpeg string
	// Font is the font file to draw with; empty means FindFont's choice,
	// made at the first render.
	Font string
	// TempDir is where the text files for drawtext go; empty means the
	// output's directory, so a worker's scratch directory holds everything
	// a render writes and a crash leaves nothing elsewhere.
	TempDir string
}

// Engine renders previews. It is safe for concurrent renders.
type Engine struct {
	cfg  Config
	font func() string
}

var _ engine.Engine = (*Engine)(nil)

// New returns the preview engine.
func New(cfg Config) *Engine {
	if cfg.FFmpeg == "" {
		cfg.FFmpeg = "ffmpeg"
	}
	e := &Engine{cfg: cfg}
	if cfg.Font != "" {
		e.font = func() string { return cfg.Font }
	} else {
		e.font = sync.OnceValue(func() string { return FindFont(context.Background()) })
	}
	return e
}

// Name returns "preview".
func (e *Engine) Name() string {
	if e.cfg.Name != "" {
		return e.cfg.Name
	}
	return Name
}

// Render renders spec to an MP4 at dst. ffmpeg writes to a temporary file
// next to dst, renamed into place only when it succeeds, so dst is either
// complete or absent.
func (e *Engine) Render(ctx context.Context, spec slate.RenderSpec, dst string, progress func(engine.Progress)) (err error) {
	if progress == nil {
		progress = func(engine.Progress) {}
	}
	if err := Check(spec); err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, false, "preview: %v", err)
	}
	bin, err := exec.LookPath(e.cfg.FFmpeg)
	if err != nil {
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "preview: ffmpeg not found: %v", err)
	}

	dst, err = filepath.Abs(dst)
	if err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, false, "preview: %v", err)
	}
	files, cleanup, err := e.writeCard(spec, filepath.Dir(dst))
	if err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "preview: %v", err)
	}
	defer cleanup()

	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "preview: %v", err)
	}
	_ = tmp.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	files.Output = tmp.Name()

	args, err := Args(spec, files)
	if err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, false, "preview: %v", err)
	}
	if err := e.run(ctx, bin, args, Frames(spec.DurationMS, spec.FrameRate), spec.DurationMS, progress); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "preview: %v", err)
	}
	progress(engine.Progress{Percent: 100})
	return nil
}

// writeCard lays out spec and writes each text to its own file in a fresh
// private directory in the configured TempDir, else in near, which cleanup
// removes.
func (e *Engine) writeCard(spec slate.RenderSpec, near string) (Files, func(), error) {
	parent := e.cfg.TempDir
	if parent == "" {
		parent = near
	}
	dir, err := os.MkdirTemp(parent, ".slate-preview-")
	if err != nil {
		return Files{}, nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	card := Layout(spec)
	files := Files{
		Name:   filepath.Join(dir, "name.txt"),
		Prompt: filepath.Join(dir, "prompt.txt"),
		Info:   filepath.Join(dir, "info.txt"),
		Font:   e.font(),
	}
	for path, text := range map[string]string{files.Name: card.Name, files.Prompt: card.Prompt, files.Info: card.Info} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			cleanup()
			return Files{}, nil, err
		}
	}
	return files, cleanup, nil
}

// run runs ffmpeg, reporting its progress, and turns its failure into an
// *engine.Error, or ctx's error when ctx ended it.
func (e *Engine) run(ctx context.Context, bin string, args []string, frames, durationMS int64, progress func(engine.Progress)) error {
	err := ffmpeg.Run(ctx, bin, args, ffmpeg.Total{Frames: frames, DurationMS: durationMS},
		func(percent int, eta time.Duration) { progress(engine.Progress{Percent: percent, ETA: eta}) })
	if err == nil || ctx.Err() != nil {
		// A stopped run is not a failure; ffmpeg.Run returned ctx's error.
		return err
	}
	if _, ok := errors.AsType[*ffmpeg.StartError](err); ok {
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "preview: %v", err)
	}
	if _, ok := errors.AsType[*ffmpeg.ExitError](err); ok {
		return engine.Errorf(slate.JobErrEngineFailed, false, "preview: %v", err)
	}
	return engine.Errorf(slate.JobErrEngineFailed, true, "preview: %v", err)
}
