package ledger

import (
	"time"

	"slate"
)

// Close ends a billing period and opens the next on plan, in the spec's
// order: unused monthly credits move to rollover; rollover above the plan's
// cap expires; the new allocation loads. Expiry never leaves open holds
// uncovered: holds placed in the old period stay backed by the old period's
// credits (rollover + purchased) without borrowing from the new allocation,
// so just enough expiring credits are kept.
//
// Entries with zero amounts are left out; the caller keys each entry by org,
// period and kind, so running a close twice changes nothing.
func Close(b Balance, plan slate.Plan) []Entry {
	var out []Entry
	if b.Monthly > 0 {
		out = append(out, Entry{Kind: KindRollover, Monthly: -b.Monthly, Rollover: b.Monthly})
	}
	rollover := b.Rollover + b.Monthly
	if expire := expiring(rollover, b.Purchased, b.Held, plan.RolloverCap); expire > 0 {
		out = append(out, Entry{Kind: KindExpiry, Rollover: -expire})
	}
	if plan.MonthlyCredits > 0 {
		out = append(out, Entry{Kind: KindAllocation, Monthly: plan.MonthlyCredits})
	}
	return out
}

// expiring is how much rollover above cap can go while rollover + purchased
// still cover held.
func expiring(rollover, purchased, held, cap int64) int64 {
	if cap == slate.NoRolloverCap || rollover <= cap {
		return 0
	}
	coverable := max(0, rollover+purchased-held)
	return min(rollover-cap, coverable)
}

// Forfeit ends a cancelled account's last paid period: every credit goes
// except what open holds still need, and no new allocation loads. Monthly
// and rollover go before purchased, so holds keep the credits bought last.
func Forfeit(b Balance) []Entry {
	keep := b.Held
	keepPurchased := min(keep, b.Purchased)
	keep -= keepPurchased
	keepRollover := min(keep, b.Rollover+b.Monthly)
	e := Entry{
		Kind:      KindExpiry,
		Monthly:   -b.Monthly,
		Rollover:  keepRollover - b.Rollover,
		Purchased: keepPurchased - b.Purchased,
	}
	if e.Monthly == 0 && e.Rollover == 0 && e.Purchased == 0 {
		return nil
	}
	return []Entry{e}
}

// After returns b with entries applied.
func After(b Balance, entries []Entry) Balance {
	for _, e := range entries {
		b = b.Apply(e)
	}
	return b
}

// PeriodBounds returns billing period n counted from anchor: it starts n
// months after the anchor and ends a month later. A day the month lacks
// becomes its last day, so an anchor on 31 January bills on 28 or 29
// February and again on 31 March.
func PeriodBounds(anchor time.Time, n int) (start, end time.Time) {
	return addMonths(anchor, n), addMonths(anchor, n+1)
}

func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}
