package ledger_test

import (
	"testing"
	"time"

	"slate"
	"slate/ledger"
)

func date(t *testing.T, y int, m time.Month, d int, anchor time.Time) time.Time {
	t.Helper()
	return time.Date(y, m, d, anchor.Hour(), anchor.Minute(), anchor.Second(), anchor.Nanosecond(), anchor.Location())
}

func TestPeriodBounds(t *testing.T) {
	t.Parallel()
	ist := time.FixedZone("IST", 5*3600+1800)
	jan31 := time.Date(2027, time.January, 31, 9, 30, 0, 0, time.UTC) // 2027 is not a leap year
	jan31Leap := time.Date(2028, time.January, 31, 9, 30, 0, 0, time.UTC)
	dec15 := time.Date(2027, time.December, 15, 0, 0, 0, 0, time.UTC)
	dec31 := time.Date(2027, time.December, 31, 23, 59, 59, 500_000_000, ist)
	feb29 := time.Date(2028, time.February, 29, 12, 0, 0, 0, time.UTC)
	mar30 := time.Date(2027, time.March, 30, 6, 0, 0, 0, time.UTC)
	type ymd struct {
		y int
		m time.Month
		d int
	}
	tests := []struct {
		name       string
		anchor     time.Time
		n          int
		start, end ymd
	}{
		{"jan 31, n=0, non-leap February", jan31, 0, ymd{2027, 1, 31}, ymd{2027, 2, 28}},
		{"jan 31, n=1, clamped day springs back", jan31, 1, ymd{2027, 2, 28}, ymd{2027, 3, 31}},
		{"jan 31, n=2", jan31, 2, ymd{2027, 3, 31}, ymd{2027, 4, 30}},
		{"jan 31, n=3, no drift after a 30-day month", jan31, 3, ymd{2027, 4, 30}, ymd{2027, 5, 31}},
		{"jan 31, n=11, December into January", jan31, 11, ymd{2027, 12, 31}, ymd{2028, 1, 31}},
		{"jan 31, n=12, leap February", jan31, 12, ymd{2028, 1, 31}, ymd{2028, 2, 29}},
		{"jan 31, n=13", jan31, 13, ymd{2028, 2, 29}, ymd{2028, 3, 31}},
		{"jan 31 leap year, n=0", jan31Leap, 0, ymd{2028, 1, 31}, ymd{2028, 2, 29}},
		{"jan 31 leap year, n=1", jan31Leap, 1, ymd{2028, 2, 29}, ymd{2028, 3, 31}},
		{"jan 31 leap year, n=12, back to non-leap", jan31Leap, 12, ymd{2029, 1, 31}, ymd{2029, 2, 28}},
		{"jan 31 leap year, n=13", jan31Leap, 13, ymd{2029, 2, 28}, ymd{2029, 3, 31}},
		{"dec 15, n=0, year rollover", dec15, 0, ymd{2027, 12, 15}, ymd{2028, 1, 15}},
		{"dec 15, n=1", dec15, 1, ymd{2028, 1, 15}, ymd{2028, 2, 15}},
		{"dec 15, n=12", dec15, 12, ymd{2028, 12, 15}, ymd{2029, 1, 15}},
		{"dec 15, n=13", dec15, 13, ymd{2029, 1, 15}, ymd{2029, 2, 15}},
		{"dec 31, n=0, rollover keeps the 31st", dec31, 0, ymd{2027, 12, 31}, ymd{2028, 1, 31}},
		{"dec 31, n=1", dec31, 1, ymd{2028, 1, 31}, ymd{2028, 2, 29}},
		{"dec 31, n=2", dec31, 2, ymd{2028, 2, 29}, ymd{2028, 3, 31}},
		{"feb 29, n=0", feb29, 0, ymd{2028, 2, 29}, ymd{2028, 3, 29}},
		{"feb 29, n=11, clamped in a non-leap year", feb29, 11, ymd{2029, 1, 29}, ymd{2029, 2, 28}},
		{"feb 29, n=12", feb29, 12, ymd{2029, 2, 28}, ymd{2029, 3, 29}},
		{"feb 29, n=48, next leap year", feb29, 48, ymd{2032, 2, 29}, ymd{2032, 3, 29}},
		{"mar 30, n=11", mar30, 11, ymd{2028, 2, 29}, ymd{2028, 3, 30}},
		{"mar 30, n=13", mar30, 13, ymd{2028, 4, 30}, ymd{2028, 5, 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start, end := ledger.PeriodBounds(tt.anchor, tt.n)
			wantStart := date(t, tt.start.y, tt.start.m, tt.start.d, tt.anchor)
			wantEnd := date(t, tt.end.y, tt.end.m, tt.end.d, tt.anchor)
			if !start.Equal(wantStart) || !end.Equal(wantEnd) {
				t.Errorf("PeriodBounds(%v, %d) = [%v, %v), want [%v, %v)", tt.anchor, tt.n, start, end, wantStart, wantEnd)
			}
			if start.Location() != tt.anchor.Location() || end.Location() != tt.anchor.Location() {
				t.Errorf("locations %v, %v; want the anchor's %v", start.Location(), end.Location(), tt.anchor.Location())
			}
		})
	}
}

func TestPeriodBoundsTile(t *testing.T) {
	t.Parallel()
	anchors := []time.Time{
		time.Date(2027, time.January, 31, 9, 30, 0, 0, time.UTC),
		time.Date(2028, time.January, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2028, time.February, 29, 12, 0, 0, 0, time.UTC),
		time.Date(2027, time.August, 30, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2027, time.December, 31, 18, 0, 0, 0, time.FixedZone("", -7*3600)),
		time.Date(2027, time.June, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, anchor := range anchors {
		t.Run(anchor.Format(time.RFC3339), func(t *testing.T) {
			t.Parallel()
			for n := range 120 {
				start, end := ledger.PeriodBounds(anchor, n)
				next, _ := ledger.PeriodBounds(anchor, n+1)
				if !end.Equal(next) {
					t.Fatalf("period %d ends %v but period %d starts %v", n, end, n+1, next)
				}
				if days := end.Sub(start) / (24 * time.Hour); days < 28 || days > 31 {
					t.Errorf("period %d [%v, %v) lasts %d days", n, start, end, days)
				}
				checkAnchored(t, anchor, n, start)
			}
		})
	}
}

// checkAnchored checks that period n starts n months after anchor, on the
// anchor's day or the month's last day when it lacks it, at the anchor's
// time of day.
func checkAnchored(t *testing.T, anchor time.Time, n int, start time.Time) {
	t.Helper()
	months := (start.Year()-anchor.Year())*12 + int(start.Month()-anchor.Month())
	if months != n {
		t.Errorf("period %d starts %v, %d months after the anchor", n, start, months)
	}
	last := time.Date(start.Year(), start.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if want := min(anchor.Day(), last); start.Day() != want {
		t.Errorf("period %d starts on day %d, want %d", n, start.Day(), want)
	}
	h, m, s := start.Clock()
	ah, am, as := anchor.Clock()
	if h != ah || m != am || s != as || start.Nanosecond() != anchor.Nanosecond() {
		t.Errorf("period %d starts at %v, not the anchor's time of day", n, start)
	}
}

func TestCloseLeavesOutZeroEntries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		bal   ledger.Balance
		plan  slate.Plan
		kinds []ledger.Kind
	}{
		{"empty balance, no allocation", ledger.Balance{}, slate.Plan{RolloverCap: 0}, nil},
		{"empty balance loads the allocation only", ledger.Balance{}, slate.Plan{MonthlyCredits: 800}, []ledger.Kind{ledger.KindAllocation}},
		{"rollover under the cap", ledger.Balance{Rollover: 10}, slate.Plan{RolloverCap: 10}, nil},
		{"no cap never expires", ledger.Balance{Monthly: 5, Rollover: 1e12}, slate.Plan{RolloverCap: slate.NoRolloverCap}, []ledger.Kind{ledger.KindRollover}},
		{"everything held: nothing can expire", ledger.Balance{Monthly: 50, Held: 50}, slate.Plan{MonthlyCredits: 1}, []ledger.Kind{ledger.KindRollover, ledger.KindAllocation}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries := ledger.Close(tt.bal, tt.plan)
			if len(entries) != len(tt.kinds) {
				t.Fatalf("Close = %+v, want kinds %v", entries, tt.kinds)
			}
			for i, e := range entries {
				if e.Kind != tt.kinds[i] {
					t.Errorf("entry %d kind %q, want %q", i, e.Kind, tt.kinds[i])
				}
				if e == (ledger.Entry{Kind: e.Kind}) {
					t.Errorf("entry %d changes nothing: %+v", i, e)
				}
			}
			if after := ledger.After(tt.bal, entries); !after.Valid() {
				t.Errorf("close left an invalid balance %+v", after)
			}
		})
	}
}

func TestForfeitKeepsWhatHoldsNeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		before, after ledger.Balance
		none          bool
	}{
		{"holds need every credit: no entry", ledger.Balance{Rollover: 20, Purchased: 30, Held: 50}, ledger.Balance{Rollover: 20, Purchased: 30, Held: 50}, true},
		{"purchased kept before rollover", ledger.Balance{Monthly: 5, Rollover: 20, Purchased: 30, Held: 35}, ledger.Balance{Rollover: 5, Purchased: 30, Held: 35}, false},
		{"monthly moves to rollover to back holds", ledger.Balance{Monthly: 10, Rollover: 20, Purchased: 30, Held: 60}, ledger.Balance{Rollover: 30, Purchased: 30, Held: 60}, false},
		{"holds smaller than purchased", ledger.Balance{Monthly: 10, Rollover: 20, Purchased: 30, Held: 5}, ledger.Balance{Purchased: 5, Held: 5}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries := ledger.Forfeit(tt.before)
			if (entries == nil) != tt.none {
				t.Errorf("Forfeit entries = %+v, want none: %v", entries, tt.none)
			}
			for _, e := range entries {
				if e.Kind != ledger.KindExpiry || e.Held != 0 {
					t.Errorf("entry %+v: want an expiry that leaves holds alone", e)
				}
			}
			got := ledger.After(tt.before, entries)
			if got != tt.after {
				t.Errorf("after forfeit = %+v, want %+v", got, tt.after)
			}
			if !got.Valid() || got.Available() != 0 {
				t.Errorf("after forfeit = %+v: want valid with nothing available", got)
			}
		})
	}
}
