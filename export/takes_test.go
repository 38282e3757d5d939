package export_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"slate"
	"slate/engine/preview"
	"slate/media"
)

// takesDir holds the takes every test and benchmark here cuts, made at
// most once per run.
var takesDir string

// countingFFprobe is an ffprobe that counts its runs in probeCount.
var countingFFprobe, probeCount string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slate-export-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	takesDir = dir
	// An executable is written before any test starts a process: a fork in
	// another test while the file is still open for writing would make
	// running it fail with "text file busy".
	countingFFprobe, probeCount = filepath.Join(dir, "ffprobe"), filepath.Join(dir, "ffprobe-runs")
	script := "#!/bin/sh\necho run >> '" + probeCount + "'\nexec ffprobe \"$@\"\n"
	if err := os.WriteFile(countingFFprobe, []byte(script), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// needFFmpeg skips t on a machine without ffmpeg and ffprobe.
func needFFmpeg(t testing.TB) {
	t.Helper()
	for _, bin := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed", bin)
		}
	}
}

// takeSet is a cut's spec and the files of its takes, in order.
type takeSet struct {
	spec  slate.ExportSpec
	files []string
}

// durationMS is the sum of the set's shot durations.
func (s takeSet) durationMS() int64 {
	var ms int64
	for _, c := range s.spec.Clips {
		ms += c.DurationMS
	}
	return ms
}

// fixtures are the take sets: mixed is a draft (854×480), a high take
// (1280×720), another draft and a silent 30 fps take made by ffmpeg that
// is shorter than its shot; drafts are three matching drafts a cut can
// copy.
type fixtures struct {
	mixed, drafts takeSet
}

// The tests cut three shots of 1000, 1500 and 500 ms and the silent one of
// 500: short, for the two cores they may have. The benchmarks cut shots
// four times as long, nearer a real cut, so ffprobe's fixed start-up cost
// (some 50 ms a take) is not mistaken for the cost of a cut.
var (
	loadFixtures      = sync.OnceValues(func() (*fixtures, error) { return makeFixtures("test", 1) })
	loadBenchFixtures = sync.OnceValues(func() (*fixtures, error) { return makeFixtures("bench", 4) })
)

// makeFixtures renders the takes into a directory of takesDir, with shots
// scale times the tests' length.
func makeFixtures(name string, scale int64) (*fixtures, error) {
	dir := filepath.Join(takesDir, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	e := preview.New(preview.Config{TempDir: dir})
	render := func(name string, shot slate.ExportClip, w, h int) (string, error) {
		dst := filepath.Join(dir, name)
		spec := slate.RenderSpec{JobID: "job-" + name, ShotID: shot.ShotID, ShotName: shot.ShotName, Prompt: "A lighthouse at dusk",
			Engine: preview.Name, Tier: "draft", DurationMS: shot.DurationMS, Width: w, Height: h, FrameRate: 24}
		if err := e.Render(context.Background(), spec, dst, nil); err != nil {
			return "", fmt.Errorf("render %s: %w", name, err)
		}
		return dst, nil
	}
	clip := func(i int, ms int64) slate.ExportClip {
		return slate.ExportClip{Position: i, ShotID: fmt.Sprintf("shot-%d", i+1), ShotName: fmt.Sprintf("Shot %d", i+1),
			TakeID: fmt.Sprintf("take-%d", i+1), DurationMS: ms * scale}
	}
	// Each take records what ffprobe says of it, as a worker's does.
	recorded := func(clip slate.ExportClip, file string) (slate.ExportClip, error) {
		info, err := media.Probe(context.Background(), "", file)
		if err != nil {
			return clip, err
		}
		clip.Take = &slate.Take{ID: clip.TakeID, ShotID: clip.ShotID, Width: info.Width, Height: info.Height,
			FrameRate: info.FrameRate, DurationMS: info.DurationMS, Size: info.Size, Streams: info.Streams()}
		return clip, nil
	}
	f := &fixtures{}
	mixed := []struct {
		clip slate.ExportClip
		w, h int
	}{{clip(0, 1000), 854, 480}, {clip(1, 1500), 1280, 720}, {clip(2, 500), 854, 480}}
	f.mixed.spec = slate.ExportSpec{ExportID: "exp-mixed", Title: "Mixed", Reframe: slate.ReframeCrop, FrameRate: 24}
	f.drafts.spec = slate.ExportSpec{ExportID: "exp-drafts", Title: "Drafts", Reframe: slate.ReframeCrop, FrameRate: 24}
	for i, m := range mixed {
		file, err := render(fmt.Sprintf("mixed-%d.mp4", i), m.clip, m.w, m.h)
		if err != nil {
			return nil, err
		}
		c, err := recorded(m.clip, file)
		if err != nil {
			return nil, err
		}
		f.mixed.spec.Clips = append(f.mixed.spec.Clips, c)
		f.mixed.files = append(f.mixed.files, file)
		if file, err = render(fmt.Sprintf("draft-%d.mp4", i), m.clip, 854, 480); err != nil {
			return nil, err
		}
		if c, err = recorded(m.clip, file); err != nil {
			return nil, err
		}
		f.drafts.spec.Clips = append(f.drafts.spec.Clips, c)
		f.drafts.files = append(f.drafts.files, file)
	}
	// A take with no sound at another rate, 400 ms long for a 500 ms shot:
	// the cut holds its last frame.
	silent := filepath.Join(dir, "silent.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30",
		"-frames:v", "12", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "file:"+silent).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("silent take: %v: %s", err, out)
	}
	c, err := recorded(slate.ExportClip{Position: 3, ShotID: "shot-4", ShotName: "Shot 4", TakeID: "take-4",
		DurationMS: 500}, silent)
	if err != nil {
		return nil, err
	}
	f.mixed.spec.Clips = append(f.mixed.spec.Clips, c)
	f.mixed.files = append(f.mixed.files, silent)
	return f, nil
}

// takes returns the fixtures, skipping t without ffmpeg.
func takes(t testing.TB) *fixtures {
	t.Helper()
	return loaded(t, loadFixtures)
}

// loaded returns what load makes, skipping t without ffmpeg.
func loaded(t testing.TB, load func() (*fixtures, error)) *fixtures {
	t.Helper()
	needFFmpeg(t)
	f, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// withPreset returns a copy of s's spec for preset.
func withPreset(s takeSet, preset string) slate.ExportSpec {
	spec := s.spec
	spec.Preset = preset
	spec.Clips = append([]slate.ExportClip(nil), s.spec.Clips...)
	return spec
}
