// Package pricing holds Slate's price data and its pure arithmetic: plans,
// credit packs, the versioned price book and the cost of a shot or action.
// Defaults come from the spec; operators override them with a file.
package pricing

import "slate"

// DefaultPlans returns the spec's plan table.
func DefaultPlans() []slate.Plan {
	return []slate.Plan{
		{Name: "free", MonthlyCredits: 800, RolloverCap: 0, ConcurrentRenders: 1},
		{Name: "community", MonthlyCredits: 8_000, RolloverCap: 1_000, ConcurrentRenders: 1},
		{Name: "standard", MonthlyCredits: 33_000, RolloverCap: 100_000, ConcurrentRenders: 3},
		{Name: "business", MonthlyCredits: 180_000, RolloverCap: 500_000, ConcurrentRenders: 6, AllowPacks: true},
		{Name: "enterprise", MonthlyCredits: 1_000_000, RolloverCap: slate.NoRolloverCap, ConcurrentRenders: 10, Allow4K: true, AllowPacks: true},
	}
}

// DefaultPacks are the credit packs on sale where a plan allows packs. The
// spec names none; these are sized for a scene, an act and a film.
func DefaultPacks() []slate.CreditPack {
	return []slate.CreditPack{
		{Name: "pack-5k", Credits: 5_000, PriceCents: 5_000},
		{Name: "pack-25k", Credits: 25_000, PriceCents: 22_500},
		{Name: "pack-100k", Credits: 100_000, PriceCents: 80_000},
	}
}
