package limit_test

import (
	"testing"
	"time"

	"slate/limit"
)

var t0 = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

func TestRateTake(t *testing.T) {
	t.Parallel()
	r := limit.Rate{Burst: 3, Every: time.Minute}
	// Each step takes one attempt at an offset from t0.
	type step struct {
		at   time.Duration
		wait time.Duration // 0: admitted
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"a burst is admitted at once", []step{{0, 0}, {0, 0}, {0, 0}}},
		{"past the burst, the wait is until one interval has refilled",
			[]step{{0, 0}, {0, 0}, {0, 0}, {0, time.Minute}, {30 * time.Second, 30 * time.Second}}},
		{"a refilled attempt is admitted, then the bucket is empty again",
			[]step{{0, 0}, {0, 0}, {0, 0}, {time.Minute, 0}, {time.Minute, time.Minute}}},
		{"an idle bucket refills to its burst and no further",
			[]step{{0, 0}, {0, 0}, {0, 0}, {time.Hour, 0}, {time.Hour, 0}, {time.Hour, 0}, {time.Hour, time.Minute}}},
		{"a refused attempt costs nothing",
			[]step{{0, 0}, {0, 0}, {0, 0}, {0, time.Minute}, {0, time.Minute}, {time.Minute, 0}}},
		{"a clock that steps back admits nothing extra",
			[]step{{time.Hour, 0}, {time.Hour, 0}, {time.Hour, 0}, {0, time.Hour + time.Minute}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b limit.Bucket
			for i, s := range tt.steps {
				next, wait := r.Take(b, t0.Add(s.at))
				if wait != s.wait {
					t.Fatalf("step %d at +%v: wait %v, want %v", i, s.at, wait, s.wait)
				}
				if wait > 0 && next != b {
					t.Fatalf("step %d: a refused attempt changed the bucket", i)
				}
				b = next
			}
		})
	}
}

// TestDefaultsBoundEveryWindow plays an attacker who tries again the
// moment the defaults allow, for a day, and counts the most attempts that
// land in any 15 minutes: the issue asks for no more than 30 per address
// and 10 failures per account.
func TestDefaultsBoundEveryWindow(t *testing.T) {
	t.Parallel()
	const window = 15 * time.Minute
	var addr []time.Time
	var b limit.Bucket
	for now := t0; now.Before(t0.Add(24 * time.Hour)); {
		next, wait := limit.DefaultRate.Take(b, now)
		if wait > 0 {
			now = now.Add(wait)
			continue
		}
		b = next
		addr = append(addr, now)
	}
	if got := mostInWindow(addr, window); got > 30 {
		t.Errorf("address: %d attempts in some 15 minutes, want at most 30", got)
	}
	var acct []time.Time
	var f limit.Failures
	for now := t0; now.Before(t0.Add(24 * time.Hour)); {
		next, wait := limit.DefaultBackoff.Attempt(f, now)
		if wait > 0 {
			now = now.Add(wait)
			continue
		}
		f = next
		acct = append(acct, now)
	}
	if got := mostInWindow(acct, window); got > 10 {
		t.Errorf("account: %d failures in some 15 minutes, want at most 10", got)
	}
	if len(acct) > 24*4+10 {
		t.Errorf("account: %d failures in a day, want about 4 an hour once paused", len(acct))
	}
}

// mostInWindow is the most times that fall in one closed span of length w.
func mostInWindow(times []time.Time, w time.Duration) int {
	most, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) > w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

func TestRateValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		r  limit.Rate
		ok bool
	}{
		{limit.DefaultRate, true},
		{limit.Rate{Burst: 1, Every: time.Nanosecond}, true},
		{limit.Rate{Burst: 0, Every: time.Minute}, false},
		{limit.Rate{Burst: 5, Every: 0}, false},
		{limit.Rate{Burst: 5, Every: -time.Second}, false},
	} {
		if err := tt.r.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: Validate() = %v, want ok %v", tt.r, err, tt.ok)
		}
	}
}
