package export_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"slate"
	"slate/engine"
	"slate/export"
)

func TestExportCancel(t *testing.T) {
	t.Parallel()
	f := takes(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	dst := filepath.Join(dir, "cut.mp4")
	var reports int
	err := (&export.Runner{}).Export(ctx, withPreset(f.mixed, slate.PresetMP4H265), f.mixed.files, dst,
		func(engine.Progress) { reports++; cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Export = %v, want context.Canceled", err)
	}
	if reports == 0 {
		t.Error("canceled before any progress")
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is left behind: %v", dst, err)
	}
	assertEmpty(t, dir)
}

func TestExportFails(t *testing.T) {
	t.Parallel()
	f := takes(t)
	missing := append([]string(nil), f.mixed.files...)
	missing[1] = filepath.Join(t.TempDir(), "gone.mp4")
	notMedia := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(notMedia, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	garbled := append([]string(nil), f.mixed.files...)
	garbled[2] = notMedia
	for _, tc := range []struct {
		name      string
		runner    *export.Runner
		preset    string
		inputs    []string
		code      string
		retryable bool
		message   string
	}{
		{"missing take", &export.Runner{}, slate.PresetMP4H264, missing, slate.JobErrEngineFailed, false,
			`the take for shot "Shot 2" (shot-2) is missing`},
		{"not media", &export.Runner{}, slate.PresetMP4H264, garbled, slate.JobErrEngineFailed, false,
			`the take for shot "Shot 3" (shot-3) cannot be read`},
		{"too few takes", &export.Runner{}, slate.PresetMP4H264, f.mixed.files[:2], slate.JobErrEngineFailed, false,
			"2 takes for 4 shots"},
		{"unknown preset", &export.Runner{}, "betamax", f.mixed.files, slate.JobErrEngineFailed, false,
			`unknown export preset "betamax"`},
		{"no ffmpeg", &export.Runner{FFmpeg: "slate-no-such-ffmpeg"}, slate.PresetMP4H264, f.mixed.files,
			slate.JobErrEngineUnavailable, true, "ffmpeg not found"},
		// ffprobe is a real program that refuses ffmpeg's options.
		{"ffmpeg fails", &export.Runner{FFmpeg: "ffprobe"}, slate.PresetMP4H264, f.mixed.files,
			slate.JobErrEngineFailed, false, "ffmpeg exited with status 1: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			err := tc.runner.Export(context.Background(), withPreset(f.mixed, tc.preset), tc.inputs, filepath.Join(dir, "cut.mp4"), nil)
			ee, ok := errors.AsType[*engine.Error](err)
			if !ok {
				t.Fatalf("Export = %v, want an *engine.Error", err)
			}
			if ee.Code != tc.code || ee.Retryable != tc.retryable || !strings.Contains(ee.Message, tc.message) {
				t.Errorf("Export = %+v, want code %s retryable %v message containing %q", ee, tc.code, tc.retryable, tc.message)
			}
			assertEmpty(t, dir)
		})
	}
}

// TestExportHostilePaths: a media directory, file names and a title full
// of what shells, ffmpeg's option parser, its filter graph and the concat
// list treat specially are used as they are, on both the re-encoding and
// the copying path.
func TestExportHostilePaths(t *testing.T) {
	t.Parallel()
	f := takes(t)
	base := t.TempDir()
	canary := filepath.Join(base, "canary")
	dir := filepath.Join(base, "media it's \"here\": $(id) `id` [0:v]; -i")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	link := func(set takeSet, prefix string) []string {
		var out []string
		for i, file := range set.files {
			name := filepath.Join(dir, prefix+`-take's `+strconv.Itoa(i)+`:$(id).mp4`)
			if err := os.Link(file, name); err != nil {
				t.Fatal(err)
			}
			out = append(out, name)
		}
		return out
	}
	title := `The "Keeper's" Cut: $(touch ` + canary + `); rm -rf / [v]`
	for _, tc := range []struct {
		name   string
		set    takeSet
		prefix string
		copy   bool
	}{
		{"reencode", f.mixed, "-mixed", false},
		{"copy", f.drafts, "-draft", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			inputs := link(tc.set, tc.prefix)
			spec := withPreset(tc.set, slate.PresetMP4H264)
			spec.Title = title
			r := &export.Runner{TempDir: dir}
			p, err := r.Plan(context.Background(), spec, inputs)
			if err != nil {
				t.Fatal(err)
			}
			if p.Copy != tc.copy {
				t.Fatalf("Copy = %v, want %v", p.Copy, tc.copy)
			}
			dst := filepath.Join(dir, tc.prefix+` cut: "final".mp4`)
			if err := r.Export(context.Background(), spec, inputs, dst, nil); err != nil {
				t.Fatal(err)
			}
			checkDuration(t, probe(t, dst), tc.set.durationMS(), 24)
			out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format_tags=title", "-of", "default=nw=1:nk=1",
				"file:"+dst).Output()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(out)); got != title {
				t.Errorf("title %q, want %q", got, title)
			}
		})
	}
	t.Cleanup(func() {
		if _, err := os.Stat(canary); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a shell ran the title or a path: %v", err)
		}
	})
}

// assertEmpty fails if dir holds anything.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s left behind in %s", e.Name(), dir)
	}
}
