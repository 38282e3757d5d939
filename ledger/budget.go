package ledger

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"

	"slate"
)

// Spend is what work already counts against each limit: charges plus open
// holds, for the organisation and the member this period and for the
// project over its life.
type Spend struct {
	Org, Project, Member int64
}

// Limits are the limits that apply to one piece of work; nil means none.
type Limits struct {
	OrgCap, Project, Member *int64
}

// CheckBudget decides whether work costing amount may hold credits: over
// the organisation's monthly cap it is refused; over a project budget or the
// member's monthly limit it waits for approval unless approved.
func CheckBudget(l Limits, s Spend, amount int64, approved bool) error {
	if l.OrgCap != nil && s.Org+amount > *l.OrgCap {
		return slate.Errorf(slate.ESPENDCAP, "this would take the month's spend to %d, over the organisation's cap of %d",
			s.Org+amount, *l.OrgCap)
	}
	if approved {
		return nil
	}
	if l.Project != nil && s.Project+amount > *l.Project {
		return slate.Errorf(slate.EAPPROVAL, "this would take the project's spend to %d, over its budget of %d; a member with use_credits must approve it",
			s.Project+amount, *l.Project)
	}
	if l.Member != nil && s.Member+amount > *l.Member {
		return slate.Errorf(slate.EAPPROVAL, "this would take your spend this month to %d, over your limit of %d; a member with use_credits must approve it",
			s.Member+amount, *l.Member)
	}
	return nil
}

// Alert is a budget threshold that has been crossed.
type Alert struct {
	// Key names the threshold; with the period it makes the alert fire once.
	Key       string `json:"key"`
	Kind      string `json:"kind"`
	Threshold int64  `json:"threshold"`
	Value     int64  `json:"value"`
}

// Alerts lists every threshold of b that the balance has crossed:
// percent of the period's allocation spent, and available credits below an
// amount. The caller records each once per period.
func Alerts(b slate.Budget, allocation int64, bal Balance) []Alert {
	var out []Alert
	if allocation > 0 {
		used := max(0, allocation-bal.Monthly) * 100 / allocation
		for _, p := range sorted(b.AlertPercentUsed) {
			if used >= p {
				out = append(out, Alert{Key: fmt.Sprintf("percent_used:%d", p), Kind: "percent_used", Threshold: p, Value: used})
			}
		}
	}
	avail := bal.Available()
	for _, n := range sorted(b.AlertAvailableBelow) {
		if avail < n {
			out = append(out, Alert{Key: fmt.Sprintf("available_below:%d", n), Kind: "available_below", Threshold: n, Value: avail})
		}
	}
	return out
}

// mulDiv is a*b/c rounded down, without overflowing on the way; a result
// too large for int64 saturates.
func mulDiv(a, b, c int64) int64 {
	var r big.Int
	r.Mul(big.NewInt(a), big.NewInt(b)).Quo(&r, big.NewInt(c))
	if !r.IsInt64() {
		return math.MaxInt64
	}
	return r.Int64()
}

func sorted(xs []int64) []int64 {
	out := append([]int64(nil), xs...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// ValidateBudget refuses thresholds and limits that make no sense.
func ValidateBudget(b slate.Budget) error {
	for _, p := range b.AlertPercentUsed {
		if p < 1 || p > 100 {
			return slate.Invalidf("alert_percent_used", "percent thresholds must be between 1 and 100, got %d", p)
		}
	}
	for _, n := range b.AlertAvailableBelow {
		if n <= 0 {
			return slate.Invalidf("alert_available_below", "available thresholds must be positive, got %d", n)
		}
	}
	for field, v := range map[string]*int64{"monthly_spend_cap": b.MonthlySpendCap, "member_monthly_limit": b.MemberMonthlyLimit} {
		if v != nil && *v < 0 {
			return slate.Invalidf(field, "%s must not be negative, got %d", field, *v)
		}
	}
	for user, n := range b.MemberLimits {
		if n < 0 {
			return slate.Invalidf("member_limits", "the limit for %s must not be negative, got %d", user, n)
		}
	}
	return nil
}

// ForecastInput is what a forecast is made from.
type ForecastInput struct {
	Balance       Balance
	SpentInPeriod int64
	Spent7Days    int64
	Now           time.Time
	PeriodEnd     time.Time
}

// Forecast projects the balance at the current 7-day burn rate, in whole
// credits: the burn per day rounds up, so the projection errs low.
func Forecast(in ForecastInput) slate.Forecast {
	const day = 24 * time.Hour
	f := slate.Forecast{
		Held:          in.Balance.Held,
		SpentInPeriod: in.SpentInPeriod,
		Spent7Days:    in.Spent7Days,
		BurnPerDay:    (in.Spent7Days + 6) / 7,
		Available:     in.Balance.Available(),
		PeriodEnd:     in.PeriodEnd,
	}
	f.ProjectedAtPeriodEnd = f.Available
	left := in.PeriodEnd.Sub(in.Now)
	if f.BurnPerDay == 0 || left <= 0 {
		return f
	}
	const dayMS = int64(day / time.Millisecond)
	leftMS := int64(left / time.Millisecond)
	burn := mulDiv(f.BurnPerDay, leftMS, dayMS)
	f.ProjectedAtPeriodEnd = max(0, f.Available-burn)
	if burn >= f.Available {
		zero := in.Now.Add(time.Duration(mulDiv(f.Available, dayMS, f.BurnPerDay)) * time.Millisecond)
		f.ZeroAt = &zero
	}
	return f
}
