// Package waitfor lets a test wait for something to happen rather than for
// time to pass. A test that waits on a condition passes however busy the
// machine is; one that waits a fixed time and then asserts fails when the
// machine is slower than its author's. Only tests import it.
//
// Every wait here has a hang guard, Guard, so a test that would wait
// forever fails saying what it waited for. The guard decides nothing under
// ordinary slowness: it is minutes, far beyond what any wait takes on a
// machine kept busy by other test runs, and well under the 15 minutes
// `go test -timeout` gives a package.
package waitfor

import (
	"context"
	"testing"
	"time"
)

// Guard is how long a wait may last before the test is called hung.
const Guard = 5 * time.Minute

// maxPoll bounds the pause between two looks at a condition: polls start
// fast and slow down, so a quick condition is seen at once and a slow one
// does not spin.
const maxPoll = 100 * time.Millisecond

// Until calls cond until it returns nil, and fails t with cond's last error
// when Guard passes first. cond runs on the test's goroutine, so it may
// call t.Fatal itself for errors that waiting cannot mend.
func Until(t testing.TB, cond func() error) {
	t.Helper()
	guard := time.Now().Add(Guard)
	pause := time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(guard) {
			t.Fatalf("hung: still %v after %s", err, Guard)
		}
		time.Sleep(pause)
		pause = min(2*pause, maxPoll)
	}
}

// Recv returns the next value from ch, and ok false when ch is closed. It
// fails t, naming what it waited for, when Guard passes first.
func Recv[T any](t testing.TB, what string, ch <-chan T) (v T, ok bool) {
	t.Helper()
	timer := time.NewTimer(Guard)
	defer timer.Stop()
	select {
	case v, ok = <-ch:
		return v, ok
	case <-timer.C:
		t.Fatalf("hung: no %s after %s", what, Guard)
		return v, false
	}
}

// Context is a context for calls and commands a test makes that must
// end: it is cancelled when Guard passes or the test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), Guard)
	t.Cleanup(cancel)
	return ctx
}

// Moving is a hang guard for a long run that is slow but moving: the
// context it returns is cancelled when progress has reported the same
// number for Guard, or when the test ends. A run of a thousand steps may
// take any time at all on a busy machine; one that stops stepping is hung.
func Moving(t testing.TB, progress func() int64) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last, since := progress(), time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if n := progress(); n != last {
				last, since = n, time.Now()
			} else if time.Since(since) > Guard {
				cancel()
				return
			}
		}
	}()
	return ctx
}
