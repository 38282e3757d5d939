package limit_test

import (
	"fmt"
	"testing"
	"time"

	"slate/clock"
	"slate/limit"
)

func TestKeyedKeepsKeysApart(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(t0)
	k := limit.NewKeyed(limit.Rate{Burst: 2, Every: time.Minute}, clk, 0)
	for i, tt := range []struct {
		key  string
		wait time.Duration
	}{
		{"a", 0}, {"a", 0}, {"a", time.Minute}, {"b", 0}, {"b", 0}, {"b", time.Minute},
	} {
		if got := k.Take(tt.key); got != tt.wait {
			t.Errorf("step %d: Take(%q) = %v, want %v", i, tt.key, got, tt.wait)
		}
	}
	clk.Advance(30 * time.Second)
	if got := k.Take("a"); got != 30*time.Second {
		t.Errorf("half an interval later: wait %v, want 30s", got)
	}
	clk.Advance(30 * time.Second)
	if got := k.Take("a"); got != 0 {
		t.Errorf("a whole interval later: wait %v, want admitted", got)
	}
}

func TestKeyedHoldsAtMostMax(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(t0)
	const most = 64
	k := limit.NewKeyed(limit.Rate{Burst: 1, Every: time.Hour}, clk, most)
	for i := range 10 * most {
		if w := k.Take(fmt.Sprintf("10.0.%d.%d", i/256, i%256)); w != 0 {
			t.Fatalf("key %d: a new key waited %v", i, w)
		}
		if n := k.Len(); n > most {
			t.Fatalf("after %d keys: holding %d, want at most %d", i+1, n, most)
		}
	}
	// Once their buckets are full again, keys are shed before any other.
	k2 := limit.NewKeyed(limit.Rate{Burst: 1, Every: time.Minute}, clk, 4)
	for _, key := range []string{"old1", "old2", "old3"} {
		k2.Take(key)
	}
	clk.Advance(time.Hour)
	k2.Take("busy")
	k2.Take("new") // the map is full: the three idle keys go
	if n := k2.Len(); n != 2 {
		t.Errorf("holding %d keys, want the 2 busy ones", n)
	}
	if w := k2.Take("busy"); w == 0 {
		t.Error("a busy key was forgotten while idle ones were there to shed")
	}
}
