package slate

// Plan is a subscription plan: its monthly credits, rollover cap and limits.
// The defaults come from the spec; operators override them with a plans file.
type Plan struct {
	Name           string `json:"name"`
	MonthlyCredits int64  `json:"monthly_credits"`
	// RolloverCap is the most rollover credits the bank keeps; -1 means no cap.
	RolloverCap       int64 `json:"rollover_cap"`
	ConcurrentRenders int   `json:"concurrent_renders"`
	Allow4K           bool  `json:"allow_4k"`
	AllowPacks        bool  `json:"allow_packs"`
}

// NoRolloverCap is a plan's RolloverCap when the bank has no cap.
const NoRolloverCap = -1

// CreditPack is a one-off purchase of credits that never expire.
type CreditPack struct {
	Name       string `json:"name"`
	Credits    int64  `json:"credits"`
	PriceCents int64  `json:"price_cents"`
}
