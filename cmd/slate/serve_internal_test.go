package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"slate/store/storetest"
	"slate/waitfor"
)

// lockedBuffer collects log lines the closer writes from its goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestClosePeriods: the server's closer closes what ended while it was down
// at once, closes again on its tick, and stops with its context.
func TestClosePeriods(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		_, ctx := env.NewUser(t, "producer")
		org := env.NewOrg(t, ctx, "standard")
		env.Clock.Advance(40 * 24 * time.Hour) // a boundary passed while "down"

		logs := &lockedBuffer{}
		run, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			closePeriods(run, env.DB, slog.New(slog.NewJSONHandler(logs, nil)), 10*time.Millisecond)
		}()
		waitFor(t, logs, 1)
		c, err := env.DB.Credits(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !c.PeriodStart.After(storetest.Epoch) || c.Rollover != 33_000 {
			t.Errorf("after the close = %+v, want a new period with the unused 33,000 rolled over", c)
		}
		env.Clock.Advance(31 * 24 * time.Hour)
		waitFor(t, logs, 2)
		stop()
		waitfor.Recv(t, "the closer's stop with its context", done)
		if strings.Contains(logs.String(), `"level":"ERROR"`) {
			t.Errorf("closer logged an error: %s", logs)
		}
	})
}

// waitFor waits until the closer has logged n closes.
func waitFor(t *testing.T, logs *lockedBuffer, n int) {
	t.Helper()
	waitfor.Until(t, func() error {
		if got := strings.Count(logs.String(), `"msg":"periods closed","organisations":1`); got < n {
			return fmt.Errorf("%d of %d closes in the closer's log: %s", got, n, logs)
		}
		return nil
	})
}

// TestServeStreamCapFlags: a stream cap below one is a usage error, found
// before the server opens anything.
func TestServeStreamCapFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--streams-per-credential", "0"},
		{"--streams-per-org", "-1"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			data := t.TempDir() + "/never"
			var out, errs strings.Builder
			code := run(append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, args...), strings.NewReader(""), &out, &errs)
			if code != exitUsage || !strings.Contains(errs.String(), "must be at least 1") {
				t.Errorf("exit %d, stderr %q", code, errs.String())
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("the data directory was made: %v", err)
			}
		})
	}
}
