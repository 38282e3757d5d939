package ledger

import (
	"sort"

	"slate"
)

// Shortage describes work that does not fit.
type Shortage struct {
	Balance Balance
	Plan    slate.Plan
	// Tier is the requested tier; TierCosts the work's cost at each tier.
	Tier      string
	TierCosts map[string]int64
	// TierOrder lists tiers cheapest first.
	TierOrder []string
	Plans     []slate.Plan
	Packs     []slate.CreditPack
}

// Remedies ranks what would make the work fit, least disruptive first: the
// best cheaper tier that fits (the highest that does), the smallest credit
// pack that covers the shortfall (if the plan sells packs), and the smallest
// upgrade whose immediate allocation covers it.
func Remedies(s Shortage) []slate.Remedy {
	avail := s.Balance.Available()
	need := s.TierCosts[s.Tier]
	out := []slate.Remedy{}
	if r, ok := cheaperTier(s, avail); ok {
		out = append(out, r)
	}
	short := need - avail
	if short <= 0 {
		return out
	}
	if s.Plan.AllowPacks {
		packs := append([]slate.CreditPack(nil), s.Packs...)
		sort.Slice(packs, func(i, j int) bool { return packs[i].Credits < packs[j].Credits })
		for _, p := range packs {
			if p.Credits >= short {
				out = append(out, slate.Remedy{Kind: "pack", Pack: p.Name, Credits: p.Credits})
				break
			}
		}
	}
	plans := append([]slate.Plan(nil), s.Plans...)
	sort.Slice(plans, func(i, j int) bool { return plans[i].MonthlyCredits < plans[j].MonthlyCredits })
	for _, p := range plans {
		if p.MonthlyCredits <= s.Plan.MonthlyCredits {
			continue
		}
		// An upgrade closes the period at once on the new plan.
		after := After(s.Balance, Close(s.Balance, p))
		if after.Available() >= need {
			out = append(out, slate.Remedy{Kind: "plan", Plan: p.Name, Credits: after.Available() - avail})
			break
		}
	}
	return out
}

func cheaperTier(s Shortage, avail int64) (slate.Remedy, bool) {
	requested := -1
	for i, t := range s.TierOrder {
		if t == s.Tier {
			requested = i
		}
	}
	for i := requested - 1; i >= 0; i-- {
		t := s.TierOrder[i]
		if c, ok := s.TierCosts[t]; ok && c <= avail {
			return slate.Remedy{Kind: "tier", Tier: t, Cost: c}, true
		}
	}
	return slate.Remedy{}, false
}
