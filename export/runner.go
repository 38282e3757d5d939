package export

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"slate"
	"slate/engine"
	"slate/ffmpeg"
)

// Runner makes export files with the ffmpeg and ffprobe binaries. The
// zero value runs both from PATH with temporary files next to the output.
// It is safe for concurrent exports.
type Runner struct {
	FFmpeg, FFprobe string
	// TempDir is where the concat list of a copied cut is written; empty
	// means the output's directory (a worker's scratch directory), so a
	// crash leaves nothing elsewhere.
	TempDir string
}

// Export makes spec's file at dst, a new path in an existing directory,
// from inputs: the absolute paths of each clip's take file, in spec.Clips'
// order. progress (which may be nil) is called on Export's goroutine and
// ends at 100 when dst is complete. When ctx ends Export stops ffmpeg,
// removes dst and returns ctx's error; any other failure is an
// *engine.Error, and dst is removed too.
func (r *Runner) Export(ctx context.Context, spec slate.ExportSpec, inputs []string, dst string, progress func(engine.Progress)) error {
	p, err := r.Plan(ctx, spec, inputs)
	if err != nil {
		return err
	}
	return r.Render(ctx, p, dst, progress)
}

// Plan plans spec's export from its takes: from what each take recorded of
// its streams, or by probing inputs made before takes recorded them.
// Failures are as Export's.
func (r *Runner) Plan(ctx context.Context, spec slate.ExportSpec, inputs []string) (Plan, error) {
	if len(inputs) != len(spec.Clips) {
		return Plan{}, failed(false, "%d takes for %d shots", len(inputs), len(spec.Clips))
	}
	sources := make([]Source, len(inputs))
	errs := make([]error, len(inputs))
	for i, in := range inputs {
		sources[i], errs[i] = r.probe(ctx, spec.Clips[i], in)
	}
	if ctx.Err() != nil {
		return Plan{}, ctx.Err()
	}
	// Every take that is wrong, on one line for the job's error.
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) > 0 {
		return Plan{}, failed(false, "%s", strings.Join(msgs, "; "))
	}
	p, err := NewPlan(spec, sources)
	if err != nil {
		return Plan{}, failed(false, "%v", err)
	}
	return p, nil
}

// Render makes p's file at dst, as Export does.
func (r *Runner) Render(ctx context.Context, p Plan, dst string, progress func(engine.Progress)) (err error) {
	if progress == nil {
		progress = func(engine.Progress) {}
	}
	bin := r.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	if bin, err = exec.LookPath(bin); err != nil {
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "export: ffmpeg not found: %v", err)
	}
	if dst, err = filepath.Abs(dst); err != nil {
		return failed(false, "%v", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(dst)
		}
	}()

	var list string
	if p.Copy {
		parent := r.TempDir
		if parent == "" {
			parent = filepath.Dir(dst)
		}
		dir, err := os.MkdirTemp(parent, ".slate-export-")
		if err != nil {
			return failed(true, "%v", err)
		}
		defer func() { _ = os.RemoveAll(dir) }()
		list = filepath.Join(dir, "concat.txt")
		if err := os.WriteFile(list, []byte(ConcatList(p)), 0o600); err != nil {
			return failed(true, "%v", err)
		}
	}

	err = ffmpeg.Run(ctx, bin, Args(p, dst, list), ffmpeg.Total{Frames: p.TotalFrames(), DurationMS: p.DurationMS()},
		func(percent int, eta time.Duration) { progress(engine.Progress{Percent: percent, ETA: eta}) })
	switch {
	case err == nil:
	case ctx.Err() != nil:
		// A stopped export is not a failure; ffmpeg.Run returned ctx's
		// error.
		return err
	case errors.As(err, new(*ffmpeg.StartError)):
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "export: %v", err)
	case errors.As(err, new(*ffmpeg.ExitError)):
		return failed(false, "%v", err)
	default:
		return failed(true, "%v", err)
	}
	progress(engine.Progress{Percent: 100})
	return nil
}

// failed is an engine_failed *engine.Error.
func failed(retryable bool, format string, args ...any) *engine.Error {
	return engine.Errorf(slate.JobErrEngineFailed, retryable, "export: "+format, args...)
}
