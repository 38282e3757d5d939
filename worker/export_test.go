package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
	"slate/export"
	"slate/media"
	"slate/worker"
)

func (r *rig) export(preset string) *slate.Export {
	r.t.Helper()
	e, err := r.db.CreateExport(r.ctx, r.proj.ID, slate.ExportInput{Selection: slate.Selection{All: true}, Preset: preset})
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

// renderAll renders every shot at tier with a worker that cannot export,
// and waits for the takes.
func (r *rig) renderAll(tier string) {
	r.t.Helper()
	stop := r.run(worker.Config{Slots: 2})
	for _, j := range r.submit(tier).Items {
		if j = r.waitJob(j.ID, finished); j.State != slate.JobSucceeded {
			r.t.Fatalf("render = %+v", j)
		}
	}
	stop()
}

// A worker with an exporter cuts the takes into the export's file and
// records it; a worker without one leaves exports alone.
func TestWorkerExports(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1_000, 1_500)
	r.renderAll("draft")
	e := r.export(slate.PresetYouTube)
	// A worker with no exporter renders what was queued after the export,
	// and leaves the export queued.
	stop := r.run(worker.Config{Slots: 1})
	for _, j := range r.submit("draft").Items {
		if j = r.waitJob(j.ID, finished); j.State != slate.JobSucceeded {
			t.Fatalf("render queued after the export = %+v", j)
		}
	}
	stop()
	if j := r.waitJob(e.JobID, func(*slate.Job) bool { return true }); j.State != slate.JobQueued {
		t.Fatalf("a worker without an exporter took the export: %+v", j)
	}
	r.run(worker.Config{Slots: 1, Exporter: &export.Runner{}})
	j := r.waitJob(e.JobID, finished)
	if j.State != slate.JobSucceeded || j.CostCharged != 0 {
		t.Fatalf("export job = %+v", j)
	}
	got, err := r.db.Export(r.ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.FileKey, "exports/"+r.proj.ID+"/") || filepath.Ext(got.FileKey) != ".mp4" ||
		got.MediaType != "video/mp4" || got.Width != 1920 || got.Height != 1080 {
		t.Fatalf("finished export = %+v", got)
	}
	path, err := r.dir.Path(got.FileKey)
	if err != nil {
		t.Fatal(err)
	}
	info, err := media.Probe(context.Background(), "", path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != got.Size || info.VideoCodec != "h264" || info.FrameRate != 24 || info.AudioSampleRate != 48000 ||
		abs(info.DurationMS-2_500) > 1000/24 {
		t.Fatalf("export file = %+v, want 2.5 s of 24 fps h264 with 48 kHz audio", info)
	}
}

// A cancelled export stops its ffmpeg and leaves no file, finished or not.
func TestWorkerStopsCancelledExport(t *testing.T) {
	t.Parallel()
	r := newRig(t, 40_000)
	r.renderAll("standard")
	e := r.export(slate.PresetProRes4444)
	r.run(worker.Config{Slots: 1, Exporter: &export.Runner{}})
	r.waitJob(e.JobID, func(j *slate.Job) bool { return j.State == slate.JobRunning && j.Progress > 0 })
	if _, err := r.db.JobAction(r.ctx, e.JobID, slate.ActionCancel); err != nil {
		t.Fatal(err)
	}
	if j := r.waitJob(e.JobID, finished); j.State != slate.JobCanceled {
		t.Fatalf("cancelled export = %+v", j)
	}
	got, err := r.db.Export(r.ctx, e.ID)
	if err != nil || got.FileKey != "" || got.State != slate.JobCanceled {
		t.Fatalf("export = %+v, %v", got, err)
	}
	exports := filepath.Join(r.dir.Root(), "exports")
	if _, err := os.Stat(exports); err == nil {
		if n := countFiles(t, exports); n != 0 {
			t.Fatalf("%d files left under exports/ after a cancelled export", n)
		}
	}
}
