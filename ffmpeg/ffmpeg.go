// Package ffmpeg runs the ffmpeg binary for the engines and exports that
// shell out to it: one place that reads its -progress stream, keeps its last
// words for the error, and stops it promptly when the context ends. Command
// and Exec are how every child of a worker is run (ffmpeg, ffprobe), so
// none outlives a cancelled job or a dead worker.
package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Total is how much output a run makes, so progress can be told as a
// share of it. Either field may be 0 when unknown; the other then decides.
type Total struct {
	Frames     int64
	DurationMS int64
}

// ExitError is ffmpeg exiting with a failure status. Tail holds its last
// lines of stderr, which are the ones that say why.
type ExitError struct {
	Status int
	Tail   string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("ffmpeg exited with status %d: %s", e.Status, e.Tail)
}

// StartError is ffmpeg failing to start at all: a missing or unrunnable
// binary, which running again on this machine will not fix but another
// worker might.
type StartError struct {
	Err error
}

func (e *StartError) Error() string { return "cannot start ffmpeg: " + e.Err.Error() }

func (e *StartError) Unwrap() error { return e.Err }

// tailBytes bounds what is kept of stderr: enough for a few lines of
// ffmpeg's complaint whatever came before it.
const tailBytes = 4096

// tailLines is how many of stderr's last lines an ExitError carries.
const tailLines = 5

// Run runs bin with args, which should include "-progress pipe:1" for
// progress to be reported. progress (which may be nil) is called on Run's
// goroutine with a percentage that never goes backwards and never reaches
// 100, which is the caller's to report once the output is where it belongs,
// and an ETA that is 0 while unknown.
//
// Run returns ctx's error when ctx ended the run, a *StartError when bin
// could not be started, an *ExitError when ffmpeg failed, and any other
// error wrapped.
func Run(ctx context.Context, bin string, args []string, total Total, progress func(percent int, eta time.Duration)) error {
	if progress == nil {
		progress = func(int, time.Duration) {}
	}
	cmd := Command(ctx, bin, args...)
	stderr := &tail{max: tailBytes}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	t := &tracker{total: total, start: time.Now(), now: time.Now, report: progress}
	err = Exec(cmd, func() { t.read(stdout) })
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if _, ok := errors.AsType[*StartError](err); ok {
		return err
	}
	if err != nil {
		if exit, ok := errors.AsType[*exec.ExitError](err); ok {
			return &ExitError{Status: exit.ExitCode(), Tail: stderr.lastLines(tailLines)}
		}
		return fmt.Errorf("ffmpeg: %w", err)
	}
	return nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

// lastLines joins the last n lines on one line, so the message fits a job's
// error field.
func (t *tail) lastLines(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if s := strings.Join(lines, " | "); s != "" {
		return s
	}
	return "no message"
}
