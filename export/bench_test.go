package export_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"slate"
	"slate/export"
)

// BenchmarkExport measures, on the same takes in one run, what Slate adds
// to ffmpeg and what copying saves:
//
//	slate         Runner.Export of mp4-h264 from mixed-size takes (re-encoded)
//	              that recorded their streams when made, as a worker's do
//	slate-probed  the same from takes that did not, so each is probed
//	ffmpeg        ffmpeg alone, run with exactly the arguments Runner uses
//	copy          Runner.Export of matching drafts, joined without re-encoding
//	              the picture
//	reencode      the drafts' plan forced through re-encoding, ffmpeg alone
//
// scripts/bench-export runs it and prints the ratios.
func BenchmarkExport(b *testing.B) {
	f := loaded(b, loadBenchFixtures)
	ctx := context.Background()
	tmp := b.TempDir()
	mixed := withPreset(f.mixed, slate.PresetMP4H264)
	drafts := withPreset(f.drafts, slate.PresetMP4H264)
	unrecorded := withPreset(f.mixed, slate.PresetMP4H264)
	for i := range unrecorded.Clips {
		unrecorded.Clips[i].Take = nil
	}
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		b.Skip("ffmpeg is not installed")
	}

	// realtime reports how many seconds of cut each second made.
	realtime := func(b *testing.B, ms int64, start time.Time) {
		b.ReportMetric(float64(ms)/1000*float64(b.N)/time.Since(start).Seconds(), "x-realtime")
	}
	// exportRun times Runner.Export of spec.
	exportRun := func(spec slate.ExportSpec, inputs []string) func(b *testing.B) {
		return func(b *testing.B) {
			dst := filepath.Join(b.TempDir(), "cut.mp4")
			r := &export.Runner{TempDir: tmp}
			start := time.Now()
			for b.Loop() {
				if err := r.Export(ctx, spec, inputs, dst, nil); err != nil {
					b.Fatal(err)
				}
			}
			realtime(b, takeSet{spec: spec}.durationMS(), start)
		}
	}
	// bare times ffmpeg alone running p's arguments.
	bare := func(p export.Plan) func(b *testing.B) {
		return func(b *testing.B) {
			args := export.Args(p, filepath.Join(b.TempDir(), "cut.mp4"), "")
			start := time.Now()
			for b.Loop() {
				if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
					b.Fatalf("ffmpeg: %v\n%s", err, out)
				}
			}
			realtime(b, p.DurationMS(), start)
		}
	}

	r := &export.Runner{TempDir: tmp}
	mixedPlan, err := r.Plan(ctx, mixed, f.mixed.files)
	if err != nil {
		b.Fatal(err)
	}
	draftPlan, err := r.Plan(ctx, drafts, f.drafts.files)
	if err != nil {
		b.Fatal(err)
	}
	if mixedPlan.Copy || !draftPlan.Copy {
		b.Fatalf("mixed takes copy = %v, drafts copy = %v; want false and true", mixedPlan.Copy, draftPlan.Copy)
	}
	reencode := draftPlan
	reencode.Copy = false

	b.Run("slate", exportRun(mixed, f.mixed.files))
	b.Run("slate-probed", exportRun(unrecorded, f.mixed.files))
	b.Run("ffmpeg", bare(mixedPlan))
	b.Run("copy", exportRun(drafts, f.drafts.files))
	b.Run("reencode", bare(reencode))
}
