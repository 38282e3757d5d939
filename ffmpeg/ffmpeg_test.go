package ffmpeg_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"slate/ffmpeg"
)

// needFFmpeg skips a test on a machine without ffmpeg, and returns it.
func needFFmpeg(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed")
	}
	return bin
}

// render returns the arguments for a test pattern of frames frames at 25
// fps written to out, reporting progress on stdout.
func render(frames string, out string) []string {
	return []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=s=320x180:r=25", "-frames:v", frames,
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-progress", "pipe:1", "-nostats", "-stats_period", "0.1", "-f", "mp4", "file:" + out}
}

func TestRun(t *testing.T) {
	t.Parallel()
	bin := needFFmpeg(t)
	out := filepath.Join(t.TempDir(), "out.mp4")
	var reports []int
	err := ffmpeg.Run(context.Background(), bin, render("50", out), ffmpeg.Total{Frames: 50, DurationMS: 2000},
		func(p int, _ time.Duration) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("no output: %v", err)
	}
	if len(reports) == 0 {
		t.Fatal("no progress reported")
	}
	for i, p := range reports {
		if p < 0 || p > 99 || i > 0 && p < reports[i-1] {
			t.Fatalf("progress %v is not monotonic within 0..99", reports)
		}
	}
	if last := reports[len(reports)-1]; last != 99 {
		t.Errorf("last report %d, want 99 at the end of the stream", last)
	}
}

func TestRunFails(t *testing.T) {
	t.Parallel()
	bin := needFFmpeg(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		bin   string
		args  []string
		check func(t *testing.T, err error)
	}{
		{"missing binary", filepath.Join(dir, "no-such-ffmpeg"), nil, func(t *testing.T, err error) {
			if _, ok := errors.AsType[*ffmpeg.StartError](err); !ok || !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Run = %#v, want a *StartError wrapping ErrNotExist", err)
			}
		}},
		{"bad input", bin, []string{"-hide_banner", "-nostdin", "-i", "file:" + filepath.Join(dir, "nope.mp4"), "-f", "null", "-"},
			func(t *testing.T, err error) {
				exit, ok := errors.AsType[*ffmpeg.ExitError](err)
				if !ok {
					t.Fatalf("Run = %#v, want an *ExitError", err)
				}
				if exit.Status == 0 || !strings.Contains(exit.Tail, "No such file") {
					t.Errorf("ExitError %+v, want a failure status and ffmpeg's reason", exit)
				}
				if !strings.HasPrefix(err.Error(), "ffmpeg exited with status ") {
					t.Errorf("message %q", err)
				}
			}},
		{"tail keeps the last lines", "sh", []string{"-c", "for i in $(seq 1 2000); do echo line $i >&2; done; exit 3"},
			func(t *testing.T, err error) {
				exit, ok := errors.AsType[*ffmpeg.ExitError](err)
				if !ok {
					t.Fatalf("Run = %#v, want an *ExitError", err)
				}
				want := "line 1996 | line 1997 | line 1998 | line 1999 | line 2000"
				if exit.Status != 3 || exit.Tail != want {
					t.Errorf("ExitError %+v, want status 3 and tail %q", exit, want)
				}
			}},
		{"silent failure", "sh", []string{"-c", "exit 1"}, func(t *testing.T, err error) {
			if exit, ok := errors.AsType[*ffmpeg.ExitError](err); !ok || exit.Tail != "no message" {
				t.Errorf("Run = %#v, want an *ExitError with no message", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.check(t, ffmpeg.Run(context.Background(), tc.bin, tc.args, ffmpeg.Total{}, nil))
		})
	}
}

func TestRunStops(t *testing.T) {
	t.Parallel()
	bin := needFFmpeg(t)
	for _, tc := range []struct {
		name string
		ctx  func(first <-chan struct{}) context.Context
		want error
	}{
		{"canceled", func(first <-chan struct{}) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			go func() { <-first; cancel() }()
			return ctx
		}, context.Canceled},
		{"deadline", func(<-chan struct{}) context.Context {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			t.Cleanup(cancel)
			return ctx
		}, context.DeadlineExceeded},
		{"already canceled", func(<-chan struct{}) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first := make(chan struct{})
			var once sync.Once
			ctx := tc.ctx(first)
			// An hour of frames takes far longer than the test waits.
			err := ffmpeg.Run(ctx, bin, render("90000", filepath.Join(t.TempDir(), "out.mp4")), ffmpeg.Total{Frames: 90000},
				func(int, time.Duration) { once.Do(func() { close(first) }) })
			if !errors.Is(err, tc.want) {
				t.Fatalf("Run = %v, want %v", err, tc.want)
			}
		})
	}
}
