package store

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"slate"
	"slate/clock"
)

// An unknown email's password is checked against a hash made with the
// parameters of real ones, so it costs the same time and memory.
func TestUnknownHashHasTheParamsOfRealOnes(t *testing.T) {
	t.Parallel()
	for _, p := range []PasswordParams{DefaultPasswordParams, {MemoryKiB: 64, Time: 1, Threads: 1}, {MemoryKiB: 4096, Time: 3, Threads: 2}} {
		got, _, ok := hashParams(unknownHash(p))
		if !ok || got != p {
			t.Errorf("unknown hash for %+v has params %+v (ok %v)", p, got, ok)
		}
	}
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "slate.db"), Options{Clock: clock.NewFake(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	real, err := hashPassword("correct horse battery", s.pw)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := hashParams(real)
	if got, _, _ := hashParams(s.unknown()); got != want || got != DefaultPasswordParams {
		t.Errorf("store's unknown hash params %+v, a real hash's %+v, defaults %+v", got, want, DefaultPasswordParams)
	}
}

func TestGateSizedFromMemory(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		p      PasswordParams
		memory int64
		slots  int
	}{
		{DefaultPasswordParams, 0, 3},
		{DefaultPasswordParams, DefaultPasswordMemory, 3},
		{DefaultPasswordParams, 1 << 30, 53},
		{DefaultPasswordParams, 1 << 20, 1}, // less than one hash still admits one
		{PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}, 1 << 20, 16},
	} {
		if got := cap(newGate(tt.p, tt.memory, 0).slots); got != tt.slots {
			t.Errorf("%d KiB hashes in %d bytes: %d slots, want %d", tt.p.MemoryKiB, tt.memory, got, tt.slots)
		}
	}
}

// The gate lets its slots in, queues up to its line and refuses the rest
// at once; a slot given back lets the head of the line in.
func TestGateBoundsRunningAndWaiting(t *testing.T) {
	t.Parallel()
	g := newGate(PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}, 2<<20, 1)
	ctx := context.Background()
	var leaves []func()
	for range 2 {
		leave, err := g.enter(ctx)
		if err != nil {
			t.Fatalf("a free slot refused: %v", err)
		}
		leaves = append(leaves, leave)
	}
	admitted := make(chan error, 1)
	go func() {
		leave, err := g.enter(ctx)
		if err == nil {
			defer leave()
		}
		admitted <- err
	}()
	for g.waiting.Load() != 1 {
		runtime.Gosched()
	}
	_, err := g.enter(ctx)
	var e *slate.Error
	if !errors.As(err, &e) || e.Code != slate.ERATELIMITED || e.RetryAfter <= 0 {
		t.Fatalf("with the line full: %v, want rate_limited with a wait", err)
	}
	select {
	case err := <-admitted:
		t.Fatalf("the waiter got in while both slots were taken: %v", err)
	default:
	}
	leaves[0]()
	if err := <-admitted; err != nil {
		t.Fatalf("the waiter, once a slot was free: %v", err)
	}
	leaves[1]()
}

func TestGateWaiterGivesUpWithItsRequest(t *testing.T) {
	t.Parallel()
	g := newGate(PasswordParams{MemoryKiB: 1024, Time: 1, Threads: 1}, 1<<20, 4)
	leave, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer leave()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.enter(ctx); slate.ErrorCode(err) != slate.ERATELIMITED {
		t.Fatalf("a waiter whose request ended: %v, want rate_limited", err)
	}
	if n := g.waiting.Load(); n != 0 {
		t.Errorf("%d still counted as waiting", n)
	}
}
