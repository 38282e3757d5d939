package web

import (
	"testing"
	"time"

	"slate"
)

func TestDayRange(t *testing.T) {
	t.Parallel()
	day := func(s string) *time.Time { d, _ := time.Parse(time.DateOnly, s); return &d }
	for _, tc := range []struct {
		from, to string
		want     [2]*time.Time
		bad      bool
	}{
		{"", "", [2]*time.Time{nil, nil}, false},
		{"2026-03-01", "", [2]*time.Time{day("2026-03-01"), nil}, false},
		// "to" takes in the whole of its day.
		{"", "2026-03-01", [2]*time.Time{nil, day("2026-03-02")}, false},
		{"2026-03-01", "2026-03-01", [2]*time.Time{day("2026-03-01"), day("2026-03-02")}, false},
		{"2026-03-02", "2026-03-01", [2]*time.Time{}, true},
		{"March", "", [2]*time.Time{}, true},
	} {
		f, to, err := dayRange(tc.from, tc.to)
		if (err != nil) != tc.bad {
			t.Errorf("dayRange(%q, %q) error %v, want error %v", tc.from, tc.to, err, tc.bad)
			continue
		}
		if tc.bad {
			if slate.ErrorCode(err) != slate.EINVALID {
				t.Errorf("dayRange(%q, %q) code %q, want invalid", tc.from, tc.to, slate.ErrorCode(err))
			}
			continue
		}
		for i, got := range []*time.Time{f, to} {
			want := tc.want[i]
			if (got == nil) != (want == nil) || got != nil && !got.Equal(*want) {
				t.Errorf("dayRange(%q, %q)[%d] = %v, want %v", tc.from, tc.to, i, got, want)
			}
		}
	}
}

func TestBankOf(t *testing.T) {
	t.Parallel()
	c := &slate.Credits{Rollover: 7000, Purchased: 5000}
	for _, tc := range []struct {
		cap  int64
		want Bank
	}{
		{100_000, Bank{Total: 12000, Rollover: 7000, Purchased: 5000, Cap: 100_000}},
		{0, Bank{Total: 12000, Rollover: 7000, Purchased: 5000}},
		{slate.NoRolloverCap, Bank{Total: 12000, Rollover: 7000, Purchased: 5000, NoCap: true}},
	} {
		if got := bankOf(c, slate.Plan{RolloverCap: tc.cap}); got != tc.want {
			t.Errorf("cap %d: got %+v, want %+v", tc.cap, got, tc.want)
		}
	}
}
