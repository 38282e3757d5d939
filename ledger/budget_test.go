package ledger_test

import (
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"slate"
	"slate/ledger"
)

func ptr(n int64) *int64 { return &n }

// wantCode fails the test unless err carries code ("" meaning no error).
func wantCode(t *testing.T, err error, code slate.Code) {
	t.Helper()
	if got := slate.ErrorCode(err); got != code {
		t.Errorf("error = %v (code %q), want code %q", err, got, code)
	}
}

func TestCheckBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		limits   ledger.Limits
		spend    ledger.Spend
		amount   int64
		approved bool
		want     slate.Code
	}{
		{name: "no limits", amount: 1_000_000},
		{name: "no limits, nothing spent, zero amount"},
		{
			name:   "under every limit",
			limits: ledger.Limits{OrgCap: ptr(1_000), Project: ptr(500), Member: ptr(300)},
			spend:  ledger.Spend{Org: 100, Project: 100, Member: 100},
			amount: 100,
		},
		{
			name:   "exactly at every limit is allowed",
			limits: ledger.Limits{OrgCap: ptr(1_000), Project: ptr(500), Member: ptr(300)},
			spend:  ledger.Spend{Org: 900, Project: 400, Member: 200},
			amount: 100,
		},
		{
			name:   "one over the org cap is refused",
			limits: ledger.Limits{OrgCap: ptr(1_000)},
			spend:  ledger.Spend{Org: 900},
			amount: 101,
			want:   slate.ESPENDCAP,
		},
		{
			name:     "cap refusal holds even when approved",
			limits:   ledger.Limits{OrgCap: ptr(1_000)},
			spend:    ledger.Spend{Org: 1_000},
			amount:   1,
			approved: true,
			want:     slate.ESPENDCAP,
		},
		{
			name:   "cap refusal takes precedence over project and member",
			limits: ledger.Limits{OrgCap: ptr(10), Project: ptr(10), Member: ptr(10)},
			amount: 11,
			want:   slate.ESPENDCAP,
		},
		{
			name:     "cap refusal takes precedence when approved and every limit crossed",
			limits:   ledger.Limits{OrgCap: ptr(10), Project: ptr(10), Member: ptr(10)},
			amount:   11,
			approved: true,
			want:     slate.ESPENDCAP,
		},
		{
			name:   "zero cap refuses any work",
			limits: ledger.Limits{OrgCap: ptr(0)},
			amount: 1,
			want:   slate.ESPENDCAP,
		},
		{
			name:   "zero cap allows zero-cost work",
			limits: ledger.Limits{OrgCap: ptr(0)},
		},
		{
			name:   "crossing the project budget needs approval",
			limits: ledger.Limits{Project: ptr(500)},
			spend:  ledger.Spend{Project: 450},
			amount: 51,
			want:   slate.EAPPROVAL,
		},
		{
			name:     "crossing the project budget approved",
			limits:   ledger.Limits{Project: ptr(500)},
			spend:    ledger.Spend{Project: 450},
			amount:   51,
			approved: true,
		},
		{
			name:   "crossing the member limit needs approval",
			limits: ledger.Limits{Member: ptr(300)},
			spend:  ledger.Spend{Member: 300},
			amount: 1,
			want:   slate.EAPPROVAL,
		},
		{
			name:     "crossing the member limit approved",
			limits:   ledger.Limits{Member: ptr(300)},
			spend:    ledger.Spend{Member: 300},
			amount:   1,
			approved: true,
		},
		{
			name:     "crossing project and member approved, under the cap",
			limits:   ledger.Limits{OrgCap: ptr(10_000), Project: ptr(10), Member: ptr(10)},
			amount:   500,
			approved: true,
		},
		{
			name:   "project crossing needs approval while the cap has room",
			limits: ledger.Limits{OrgCap: ptr(10_000), Project: ptr(10)},
			amount: 500,
			want:   slate.EAPPROVAL,
		},
		{
			name:   "each spend counts only against its own limit",
			limits: ledger.Limits{OrgCap: ptr(1_000), Project: ptr(100), Member: ptr(100)},
			spend:  ledger.Spend{Org: 900, Project: 50, Member: 50},
			amount: 50,
		},
		{
			name:   "nil project with a member limit",
			limits: ledger.Limits{Member: ptr(0)},
			spend:  ledger.Spend{Project: 1_000_000},
			amount: 1,
			want:   slate.EAPPROVAL,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantCode(t, ledger.CheckBudget(tt.limits, tt.spend, tt.amount, tt.approved), tt.want)
		})
	}
}

func TestAlerts(t *testing.T) {
	t.Parallel()
	pct := func(p, used int64) ledger.Alert {
		return ledger.Alert{Key: "percent_used:" + strconv.FormatInt(p, 10), Kind: "percent_used", Threshold: p, Value: used}
	}
	below := func(n, avail int64) ledger.Alert {
		return ledger.Alert{Key: "available_below:" + strconv.FormatInt(n, 10), Kind: "available_below", Threshold: n, Value: avail}
	}
	tests := []struct {
		name       string
		budget     slate.Budget
		allocation int64
		bal        ledger.Balance
		want       []ledger.Alert
	}{
		{
			name:       "no thresholds",
			allocation: 1_000,
			bal:        ledger.Balance{},
		},
		{
			name:       "nothing spent",
			budget:     slate.Budget{AlertPercentUsed: []int64{50, 75}},
			allocation: 1_000,
			bal:        ledger.Balance{Monthly: 1_000},
		},
		{
			name:       "unsorted thresholds fire in ascending order",
			budget:     slate.Budget{AlertPercentUsed: []int64{90, 50, 75}},
			allocation: 1_000,
			bal:        ledger.Balance{Monthly: 200},
			want:       []ledger.Alert{pct(50, 80), pct(75, 80)},
		},
		{
			name:       "exactly at a threshold fires",
			budget:     slate.Budget{AlertPercentUsed: []int64{100, 50}},
			allocation: 1_000,
			bal:        ledger.Balance{Monthly: 500},
			want:       []ledger.Alert{pct(50, 50)},
		},
		{
			name:       "percent used rounds down",
			budget:     slate.Budget{AlertPercentUsed: []int64{50}},
			allocation: 1_000,
			bal:        ledger.Balance{Monthly: 501},
		},
		{
			name:       "all of the allocation spent",
			budget:     slate.Budget{AlertPercentUsed: []int64{100, 1}},
			allocation: 800,
			bal:        ledger.Balance{Rollover: 5_000},
			want:       []ledger.Alert{pct(1, 100), pct(100, 100)},
		},
		{
			name:       "allocation 0 never fires percent alerts",
			budget:     slate.Budget{AlertPercentUsed: []int64{1, 50, 100}},
			allocation: 0,
			bal:        ledger.Balance{},
		},
		{
			name:       "monthly above the allocation counts as nothing used",
			budget:     slate.Budget{AlertPercentUsed: []int64{1}},
			allocation: 1_000,
			bal:        ledger.Balance{Monthly: 1_500},
		},
		{
			name:       "holds do not count as used, but do reduce available",
			budget:     slate.Budget{AlertPercentUsed: []int64{10}, AlertAvailableBelow: []int64{500}},
			allocation: 1_000,
			bal:        ledger.Balance{Monthly: 1_000, Held: 600},
			want:       []ledger.Alert{below(500, 400)},
		},
		{
			name:       "available below, unsorted, strictly below",
			budget:     slate.Budget{AlertAvailableBelow: []int64{1_000, 100, 400}},
			allocation: 1_000,
			bal:        ledger.Balance{Monthly: 300, Rollover: 50, Purchased: 50},
			want:       []ledger.Alert{below(1_000, 400)},
		},
		{
			name:       "available below counts every bucket less holds",
			budget:     slate.Budget{AlertAvailableBelow: []int64{500, 100}},
			allocation: 0,
			bal:        ledger.Balance{Monthly: 10, Rollover: 20, Purchased: 30, Held: 60},
			want:       []ledger.Alert{below(100, 0), below(500, 0)},
		},
		{
			name: "both kinds, percent first",
			budget: slate.Budget{
				AlertPercentUsed:    []int64{90, 80},
				AlertAvailableBelow: []int64{200, 50},
			},
			allocation: 1_000,
			bal:        ledger.Balance{Monthly: 100},
			want:       []ledger.Alert{pct(80, 90), pct(90, 90), below(200, 100)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			percent := append([]int64(nil), tt.budget.AlertPercentUsed...)
			avail := append([]int64(nil), tt.budget.AlertAvailableBelow...)
			got := ledger.Alerts(tt.budget, tt.allocation, tt.bal)
			if len(got) != 0 || len(tt.want) != 0 {
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Alerts = %+v\nwant %+v", got, tt.want)
				}
			}
			if !reflect.DeepEqual(tt.budget.AlertPercentUsed, percent) || !reflect.DeepEqual(tt.budget.AlertAvailableBelow, avail) {
				t.Errorf("Alerts reordered the budget's thresholds: %v %v", tt.budget.AlertPercentUsed, tt.budget.AlertAvailableBelow)
			}
		})
	}
}

func TestValidateBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		budget slate.Budget
		field  string // "" means valid
	}{
		{name: "empty"},
		{
			name: "every field at its bounds",
			budget: slate.Budget{
				AlertPercentUsed:    []int64{1, 100},
				AlertAvailableBelow: []int64{1},
				MonthlySpendCap:     ptr(0),
				MemberMonthlyLimit:  ptr(0),
				MemberLimits:        map[string]int64{"u1": 0, "u2": 500},
			},
		},
		{name: "percent 0", budget: slate.Budget{AlertPercentUsed: []int64{50, 0}}, field: "alert_percent_used"},
		{name: "percent 101", budget: slate.Budget{AlertPercentUsed: []int64{101}}, field: "alert_percent_used"},
		{name: "percent negative", budget: slate.Budget{AlertPercentUsed: []int64{-5}}, field: "alert_percent_used"},
		{name: "available 0", budget: slate.Budget{AlertAvailableBelow: []int64{0}}, field: "alert_available_below"},
		{name: "available negative", budget: slate.Budget{AlertAvailableBelow: []int64{100, -1}}, field: "alert_available_below"},
		{name: "negative cap", budget: slate.Budget{MonthlySpendCap: ptr(-1)}, field: "monthly_spend_cap"},
		{name: "negative member default", budget: slate.Budget{MemberMonthlyLimit: ptr(-1)}, field: "member_monthly_limit"},
		{name: "negative member limit", budget: slate.Budget{MemberLimits: map[string]int64{"u1": 10, "u2": -1}}, field: "member_limits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ledger.ValidateBudget(tt.budget)
			if tt.field == "" {
				if err != nil {
					t.Errorf("ValidateBudget = %v, want nil", err)
				}
				return
			}
			wantCode(t, err, slate.EINVALID)
			var e *slate.Error
			if errors.As(err, &e) && e.Field != tt.field {
				t.Errorf("field = %q, want %q", e.Field, tt.field)
			}
		})
	}
}

func TestForecast(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	now := time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { z := now.Add(d); return &z }
	tests := []struct {
		name      string
		in        ledger.ForecastInput
		burn      int64
		projected int64
		zeroAt    *time.Time
	}{
		{
			name:      "no burn: projected is available, never runs out",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 1_000, Held: 100}, Now: now, PeriodEnd: now.Add(20 * day)},
			projected: 900,
		},
		{
			name:      "no burn and nothing available",
			in:        ledger.ForecastInput{Now: now, PeriodEnd: now.Add(20 * day)},
			projected: 0,
		},
		{
			name:      "burn rounds up: 8 in 7 days is 2 a day",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 1_000}, Spent7Days: 8, Now: now, PeriodEnd: now.Add(10 * day)},
			burn:      2,
			projected: 980,
		},
		{
			name:      "burn of exactly 7 a week is 1 a day",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 1_000}, Spent7Days: 7, Now: now, PeriodEnd: now.Add(10 * day)},
			burn:      1,
			projected: 990,
		},
		{
			name:      "any burn at all is at least 1 a day",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 1_000}, Spent7Days: 1, Now: now, PeriodEnd: now.Add(10 * day)},
			burn:      1,
			projected: 990,
		},
		{
			name:      "burn over part of a day rounds down",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 100}, Spent7Days: 70, Now: now, PeriodEnd: now.Add(day + 12*time.Hour + time.Minute)},
			burn:      10,
			projected: 85,
		},
		{
			name:      "runs out before the period ends, at an exact day",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 50}, Spent7Days: 70, Now: now, PeriodEnd: now.Add(10 * day)},
			burn:      10,
			projected: 0,
			zeroAt:    at(5 * day),
		},
		{
			name:      "runs out part-way through a day",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 5, Rollover: 5}, Spent7Days: 21, Now: now, PeriodEnd: now.Add(5 * day)},
			burn:      3,
			projected: 0,
			zeroAt:    at(3*day + 8*time.Hour),
		},
		{
			name:      "holds count: only available burns",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 100, Held: 90}, Spent7Days: 28, Now: now, PeriodEnd: now.Add(30 * day)},
			burn:      4,
			projected: 0,
			zeroAt:    at(2*day + 12*time.Hour),
		},
		{
			name:      "runs out exactly at the period end",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 10}, Spent7Days: 7, Now: now, PeriodEnd: now.Add(10 * day)},
			burn:      1,
			projected: 0,
			zeroAt:    at(10 * day),
		},
		{
			name:      "one credit short of running out",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 11}, Spent7Days: 7, Now: now, PeriodEnd: now.Add(10 * day)},
			burn:      1,
			projected: 1,
		},
		{
			name:      "nothing available with a burn runs out now",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 10, Held: 10}, Spent7Days: 7, Now: now, PeriodEnd: now.Add(day)},
			burn:      1,
			projected: 0,
			zeroAt:    at(0),
		},
		{
			name:      "period already ended",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 10}, Spent7Days: 700, Now: now, PeriodEnd: now.Add(-time.Hour)},
			burn:      100,
			projected: 10,
		},
		{
			name:      "period ends now",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Monthly: 10}, Spent7Days: 700, Now: now, PeriodEnd: now},
			burn:      100,
			projected: 10,
		},
		{
			name:      "large available with burn 1 does not overflow",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Purchased: 1e12}, Spent7Days: 7, Now: now, PeriodEnd: now.Add(31 * day)},
			burn:      1,
			projected: 1e12 - 31,
		},
		{
			name:      "large available over the longest period does not overflow",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Purchased: 1e12}, Spent7Days: 7, Now: now, PeriodEnd: now.Add(100_000 * day)},
			burn:      1,
			projected: 1e12 - 100_000,
		},
		{
			name:      "large available and large burn over a month",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Purchased: 1e12}, Spent7Days: 7e10, Now: now, PeriodEnd: now.Add(31 * day)},
			burn:      1e10,
			projected: 1e12 - 31e10,
		},
		{
			name:      "large available runs out under a large burn",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Purchased: 1e12}, Spent7Days: 7e10 * 4, Now: now, PeriodEnd: now.Add(31 * day)},
			burn:      4e10,
			projected: 0,
			zeroAt:    at(25 * day),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkForecast(t, tt.in, tt.burn, tt.projected, tt.zeroAt)
		})
	}
}

func checkForecast(t *testing.T, in ledger.ForecastInput, burn, projected int64, zeroAt *time.Time) {
	t.Helper()
	f := ledger.Forecast(in)
	if f.BurnPerDay != burn {
		t.Errorf("BurnPerDay = %d, want %d", f.BurnPerDay, burn)
	}
	if f.ProjectedAtPeriodEnd != projected {
		t.Errorf("ProjectedAtPeriodEnd = %d, want %d", f.ProjectedAtPeriodEnd, projected)
	}
	if f.Available != in.Balance.Available() || f.Held != in.Balance.Held ||
		f.SpentInPeriod != in.SpentInPeriod || f.Spent7Days != in.Spent7Days || !f.PeriodEnd.Equal(in.PeriodEnd) {
		t.Errorf("Forecast did not carry its inputs: %+v from %+v", f, in)
	}
	switch {
	case zeroAt == nil && f.ZeroAt != nil:
		t.Errorf("ZeroAt = %v, want none", *f.ZeroAt)
	case zeroAt != nil && f.ZeroAt == nil:
		t.Errorf("ZeroAt = none, want %v", *zeroAt)
	case zeroAt != nil && !f.ZeroAt.Equal(*zeroAt):
		t.Errorf("ZeroAt = %v, want %v", *f.ZeroAt, *zeroAt)
	}
	if f.ZeroAt != nil && (f.ZeroAt.Before(in.Now) || f.ZeroAt.After(in.PeriodEnd)) {
		t.Errorf("ZeroAt %v outside [%v, %v]", *f.ZeroAt, in.Now, in.PeriodEnd)
	}
}

// A burn above about 1.07e11 credits a day (Spent7Days above about 7.5e11)
// makes Forecast's intermediate products overflow int64: BurnPerDay × the
// part-day in milliseconds, and the remainder × milliseconds per day. The
// projection and ZeroAt then wrap to wrong values.
func TestForecastHugeBurn(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	now := time.Date(2027, 3, 10, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		in        ledger.ForecastInput
		burn      int64
		projected int64
		zeroAt    time.Duration
		runsOut   bool
	}{
		{
			name:      "part-day with a burn of 1e12 a day",
			in:        ledger.ForecastInput{Balance: ledger.Balance{Purchased: 4e12}, Spent7Days: 7e12, Now: now, PeriodEnd: now.Add(day + 12*time.Hour)},
			burn:      1e12,
			projected: 25e11,
		},
		{
			name:    "runs out part-way through a day with a burn of 1e12 a day",
			in:      ledger.ForecastInput{Balance: ledger.Balance{Purchased: 15e11}, Spent7Days: 7e12, Now: now, PeriodEnd: now.Add(2 * day)},
			burn:    1e12,
			zeroAt:  day + 12*time.Hour,
			runsOut: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var z *time.Time
			if tt.runsOut {
				zz := now.Add(tt.zeroAt)
				z = &zz
			}
			checkForecast(t, tt.in, tt.burn, tt.projected, z)
		})
	}
}
