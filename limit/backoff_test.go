package limit_test

import (
	"testing"
	"time"

	"slate/limit"
)

func TestBackoffDelay(t *testing.T) {
	t.Parallel()
	b := limit.Backoff{Free: 3, First: time.Minute, Max: 10 * time.Minute, Forget: time.Hour}
	for _, tt := range []struct {
		count int
		want  time.Duration
	}{
		{0, 0}, {1, 0}, {2, 0},
		{3, time.Minute}, {4, 2 * time.Minute}, {5, 4 * time.Minute}, {6, 8 * time.Minute},
		{7, 10 * time.Minute}, {8, 10 * time.Minute}, {1000, 10 * time.Minute},
	} {
		if got := b.Delay(tt.count); got != tt.want {
			t.Errorf("Delay(%d) = %v, want %v", tt.count, got, tt.want)
		}
	}
}

func TestBackoffAttempt(t *testing.T) {
	t.Parallel()
	b := limit.Backoff{Free: 2, First: time.Minute, Max: 4 * time.Minute, Forget: time.Hour}
	type step struct {
		at    time.Duration
		wait  time.Duration // 0: admitted
		count int           // the record's count after the step
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"free attempts, then a pause that doubles", []step{
			{0, 0, 1}, {0, 0, 2}, {0, time.Minute, 2}, {time.Minute, 0, 3},
			{time.Minute, 2 * time.Minute, 3}, {3 * time.Minute, 0, 4}, {3 * time.Minute, 4 * time.Minute, 4},
		}},
		{"the pause stops at Max", []step{
			{0, 0, 1}, {0, 0, 2}, {time.Minute, 0, 3}, {3 * time.Minute, 0, 4}, {7 * time.Minute, 0, 5},
			{7 * time.Minute, 4 * time.Minute, 5},
		}},
		{"a quiet spell of Forget starts the count again", []step{
			{0, 0, 1}, {0, 0, 2}, {time.Hour, 0, 1}, {time.Hour, 0, 2}, {time.Hour, time.Minute, 2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var f limit.Failures
			for i, s := range tt.steps {
				next, wait := b.Attempt(f, t0.Add(s.at))
				if wait != s.wait || next.Count != s.count {
					t.Fatalf("step %d at +%v: wait %v count %d, want %v and %d", i, s.at, wait, next.Count, s.wait, s.count)
				}
				f = next
			}
		})
	}
}

func TestBackoffValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		b  limit.Backoff
		ok bool
	}{
		{limit.DefaultBackoff, true},
		{limit.Backoff{Free: 0, First: time.Minute, Max: time.Minute, Forget: time.Hour}, false},
		{limit.Backoff{Free: 1, First: 0, Max: time.Minute, Forget: time.Hour}, false},
		{limit.Backoff{Free: 1, First: time.Hour, Max: time.Minute, Forget: time.Hour}, false},
		{limit.Backoff{Free: 1, First: time.Minute, Max: time.Hour, Forget: time.Minute}, false},
	} {
		if err := tt.b.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: Validate() = %v, want ok %v", tt.b, err, tt.ok)
		}
	}
}
