package preview_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/enginetest"
	"slate/engine/preview"
	"slate/media"
)

// newEngine returns an engine whose text files go to a directory the test
// can check is left empty.
func newEngine(t *testing.T, cfg preview.Config) (*preview.Engine, string) {
	t.Helper()
	if cfg.TempDir == "" {
		cfg.TempDir = t.TempDir()
	}
	return preview.New(cfg), cfg.TempDir
}

// assertEmpty fails if dir holds anything: a take, a partial file, a text
// file.
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

// streamDurations returns the video and audio streams' own durations in
// seconds, which the container's duration can hide.
func streamDurations(t *testing.T, file string) (video, audio float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,duration",
		"-of", "json", file).Output()
	if err != nil {
		t.Fatal(err)
	}
	var probe struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
			Duration  string `json:"duration"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		t.Fatal(err)
	}
	for _, s := range probe.Streams {
		d, _ := strconv.ParseFloat(s.Duration, 64)
		switch s.CodecType {
		case "video":
			video = d
		case "audio":
			audio = d
		}
	}
	return video, audio
}

func TestRender(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		spec slate.RenderSpec
	}{
		{"16:9 at 24", spec(854, 480, 24, 2500)},
		{"9:16 at 30", spec(216, 384, 30, 1200)},
		{"1:1 at 25", spec(320, 320, 25, 1000)},
		{"rounded to a frame", spec(320, 180, 25, 1019)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, textDir := newEngine(t, preview.Config{})
			out := t.TempDir()
			dst := filepath.Join(out, "take.mp4")
			var rec enginetest.Recorder
			if err := e.Render(context.Background(), tc.spec, dst, rec.Add); err != nil {
				t.Fatal(err)
			}
			info, err := media.Probe(context.Background(), "", dst)
			if err != nil {
				t.Fatal(err)
			}
			frameMS := 1000 / float64(tc.spec.FrameRate)
			wantMS := float64(preview.Frames(tc.spec.DurationMS, tc.spec.FrameRate)) * frameMS
			if d := float64(info.DurationMS) - wantMS; d < -frameMS || d > frameMS {
				t.Errorf("duration %d ms, want %.0f±%.0f", info.DurationMS, wantMS, frameMS)
			}
			video, audio := streamDurations(t, dst)
			if d := (audio - video) * 1000; d < -frameMS || d > frameMS {
				t.Errorf("audio lasts %.3fs, video %.3fs", audio, video)
			}
			if info.Width != tc.spec.Width || info.Height != tc.spec.Height || info.FrameRate != tc.spec.FrameRate {
				t.Errorf("got %dx%d@%d, want %dx%d@%d", info.Width, info.Height, info.FrameRate,
					tc.spec.Width, tc.spec.Height, tc.spec.FrameRate)
			}
			if info.VideoCodec != "h264" || info.AudioCodec != "aac" || info.AudioSampleRate != 48000 || info.AudioChannels != 2 {
				t.Errorf("got %+v, want h264 and 48 kHz stereo aac", info)
			}
			reports := rec.All()
			if len(reports) == 0 || reports[len(reports)-1].Percent != 100 {
				t.Fatalf("progress %v does not end at 100", reports)
			}
			for i, p := range reports {
				if p.Percent < 0 || p.Percent > 100 || i > 0 && p.Percent < reports[i-1].Percent {
					t.Fatalf("progress %v is not monotonic within 0..100", reports)
				}
			}
			if entries, _ := os.ReadDir(out); len(entries) != 1 {
				t.Errorf("%s holds %d files, want only the take", out, len(entries))
			}
			assertEmpty(t, textDir)
		})
	}
}

// changedPixels decodes the prompt area of the first n frames of file and
// counts, for each later frame, the pixels that differ from the first by
// more than codec noise: text drawn literally stays put, while an expanded
// %{pts} or %{n} changes with every frame.
func changedPixels(t *testing.T, file string, width, height, n int) []int {
	t.Helper()
	w, h := width, height/3
	raw, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-i", file, "-map", "0:v",
		"-vf", fmt.Sprintf("crop=%d:%d:0:%d", w, h, height/5), "-frames:v", strconv.Itoa(n),
		"-f", "rawvideo", "-pix_fmt", "gray", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	size := w * h
	if len(raw) != n*size {
		t.Fatalf("decoded %d bytes, want %d frames of %d", len(raw), n, size)
	}
	var counts []int
	for k := 1; k < n; k++ {
		c := 0
		for i := range size {
			if d := int(raw[i]) - int(raw[k*size+i]); d > 64 || d < -64 {
				c++
			}
		}
		counts = append(counts, c)
	}
	return counts
}

// TestChangedPixels shows changedPixels sees expansion: ffmpeg run by hand
// with expansion=normal draws a changing frame number.
func TestChangedPixels(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	text := filepath.Join(dir, "text.txt")
	if err := os.WriteFile(text, []byte("%{pts} %{n}"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "expanded.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-filter_complex",
		"color=s=320x180:r=10,trim=end_frame=5,drawtext=textfile="+text+":expansion=normal:fontcolor=white:fontsize=12:x=16:y=48",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	for _, c := range changedPixels(t, out, 320, 180, 5) {
		if c == 0 {
			t.Fatal("changedPixels missed a changing number")
		}
	}
}

func TestRenderHostileText(t *testing.T) {
	t.Parallel()
	canary := filepath.Join(t.TempDir(), "canary")
	long := strings.Repeat("🎬 Ωμέγα 灯台 ", 2000)
	for _, tc := range []struct {
		name, shot, prompt string
	}{
		{"shell", "'; rm -rf / ;'", "$(touch " + canary + ") `touch " + canary + "`; touch " + canary},
		{"filter graph", "[in]drawbox=c=red[out];", "[0:v]drawbox=t=fill,null[v]; anullsrc [a]"},
		{"option injection", ":text=pwned:fontsize=500", "x:textfile=/etc/passwd:expansion=normal"},
		{"expansion", "%{pts}", "%{pts} %{n} %{localtime} %{eif:n:d} %{e:t}"},
		{"escapes", `\`, `\\ \' \: \, '' "" ''' "quotes" and 'single'`},
		{"newlines", "a\nb\r\nc", "line\nline\r\n\n\x00\x1b[2J\x7f"},
		{"long unicode", long, long},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, textDir := newEngine(t, preview.Config{})
			s := spec(320, 180, 10, 500)
			s.ShotName, s.Prompt = tc.shot, tc.prompt
			dst := filepath.Join(t.TempDir(), "take.mp4")
			if err := e.Render(context.Background(), s, dst, nil); err != nil {
				t.Fatal(err)
			}
			info, err := media.Probe(context.Background(), "", dst)
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != 320 || info.Height != 180 || info.DurationMS < 400 || info.DurationMS > 600 {
				t.Errorf("got %+v, want a 320x180 clip of 500 ms", info)
			}
			// Text drawn literally does not change from frame to frame;
			// an expanded %{pts} or %{n} would.
			for _, c := range changedPixels(t, dst, s.Width, s.Height, 5) {
				if c != 0 {
					t.Errorf("the prompt area changes between frames: %v pixels", c)
				}
			}
			if _, err := os.Stat(canary); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a shell ran the prompt: %v", err)
			}
			assertEmpty(t, textDir)
		})
	}
}

func TestRenderEscapedPaths(t *testing.T) {
	t.Parallel()
	font := preview.FindFont(context.Background())
	if font == "" {
		t.Fatal("no font found")
	}
	// Directories named with every character the filter graph treats
	// specially hold the text files and the font.
	weird := filepath.Join(t.TempDir(), `it's [a]:b,c;d\e f`)
	if err := os.Mkdir(weird, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(font)
	if err != nil {
		t.Fatal(err)
	}
	weirdFont := filepath.Join(weird, "font's:1.ttf")
	if err := os.WriteFile(weirdFont, data, 0o644); err != nil {
		t.Fatal(err)
	}
	e, _ := newEngine(t, preview.Config{Font: weirdFont, TempDir: weird})
	dst := filepath.Join(weird, "take:1.mp4")
	if err := e.Render(context.Background(), spec(160, 90, 10, 300), dst, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := media.Probe(context.Background(), "", dst); err != nil {
		t.Fatal(err)
	}
}

func TestRenderStops(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// stop returns the context to render with, which ends on the first
		// progress report or at a deadline.
		stop func(t *testing.T, first <-chan struct{}) context.Context
		want error
	}{
		{"canceled", func(t *testing.T, first <-chan struct{}) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			go func() { <-first; cancel() }()
			return ctx
		}, context.Canceled},
		{"deadline", func(t *testing.T, _ <-chan struct{}) context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, textDir := newEngine(t, preview.Config{})
			out := t.TempDir()
			first := make(chan struct{})
			var once sync.Once
			// Five minutes of 640x360 takes ffmpeg minutes, so only the
			// stop can end the render with ctx's error; a render that did
			// not stop would finish, or hang the test.
			err := e.Render(tc.stop(t, first), spec(640, 360, 30, 5*60*1000), filepath.Join(out, "take.mp4"),
				func(engine.Progress) { once.Do(func() { close(first) }) })
			if !errors.Is(err, tc.want) {
				t.Fatalf("Render = %v, want %v", err, tc.want)
			}
			assertEmpty(t, out)
			assertEmpty(t, textDir)
		})
	}
}

func TestRenderFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		cfg       preview.Config
		spec      slate.RenderSpec
		code      string
		retryable bool
		message   string
	}{
		{"no ffmpeg", preview.Config{FFmpeg: "slate-no-such-ffmpeg"}, spec(160, 90, 10, 300),
			slate.JobErrEngineUnavailable, true, "ffmpeg not found"},
		{"odd frame", preview.Config{}, spec(161, 90, 10, 300), slate.JobErrEngineFailed, false, "odd side"},
		// ffprobe is a real program that refuses ffmpeg's options, which
		// ffmpeg itself, given a valid spec, has no way to do on demand.
		{"ffmpeg fails", preview.Config{FFmpeg: "ffprobe"}, spec(160, 90, 10, 300),
			slate.JobErrEngineFailed, false, "ffmpeg exited with status 1: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, textDir := newEngine(t, tc.cfg)
			out := t.TempDir()
			err := e.Render(context.Background(), tc.spec, filepath.Join(out, "take.mp4"), nil)
			var ee *engine.Error
			if !errors.As(err, &ee) {
				t.Fatalf("Render = %v, want an *engine.Error", err)
			}
			if ee.Code != tc.code || ee.Retryable != tc.retryable || !strings.Contains(ee.Message, tc.message) {
				t.Errorf("Render = %+v, want code %s retryable %v message containing %q", ee, tc.code, tc.retryable, tc.message)
			}
			assertEmpty(t, out)
			assertEmpty(t, textDir)
		})
	}
}
