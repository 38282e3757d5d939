package slate

import (
	"context"
	"time"
)

// Credits is an organisation's balance as every client shows it. The
// rollover bank shown to users is Rollover + Purchased; Available is
// Monthly + Rollover + Purchased − Held.
type Credits struct {
	OrgID       string    `json:"org_id"`
	Plan        string    `json:"plan"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	Monthly     int64     `json:"monthly"`
	Rollover    int64     `json:"rollover"`
	Purchased   int64     `json:"purchased"`
	Held        int64     `json:"held"`
	Available   int64     `json:"available"`
	// PendingPlan is a downgrade that takes effect at PeriodEnd.
	PendingPlan string `json:"pending_plan,omitempty"`
	// CancelAtPeriodEnd is set once the plan is cancelled: the account stays
	// usable until PeriodEnd, when rollover and purchased credits go.
	CancelAtPeriodEnd bool `json:"cancel_at_period_end"`
	// Cancelled is set once a cancelled plan's last period has ended; choosing
	// a plan again starts a new period.
	Cancelled bool `json:"cancelled"`
}

// EntryKind is the kind of a ledger entry.
type EntryKind string

// The ledger's entry kinds, from the spec.
const (
	EntryAllocation EntryKind = "allocation"
	EntryRollover   EntryKind = "rollover"
	EntryExpiry     EntryKind = "expiry"
	EntryPurchase   EntryKind = "purchase"
	EntryHold       EntryKind = "hold"
	EntryRelease    EntryKind = "release"
	EntryCharge     EntryKind = "charge"
	EntryAdjustment EntryKind = "adjustment"
)

// EntryKinds lists every kind, for validating filters.
var EntryKinds = []EntryKind{EntryAllocation, EntryRollover, EntryExpiry, EntryPurchase,
	EntryHold, EntryRelease, EntryCharge, EntryAdjustment}

// Purpose says what a ledger entry or a hold was for. Every field is
// optional: an allocation is for nothing but the period.
type Purpose struct {
	ProjectID  string `json:"project_id,omitempty"`
	SceneID    string `json:"scene_id,omitempty"`
	ShotID     string `json:"shot_id,omitempty"`
	ShotName   string `json:"shot_name,omitempty"`
	JobID      string `json:"job_id,omitempty"`
	Engine     string `json:"engine,omitempty"`
	Tier       string `json:"tier,omitempty"`
	DurationMS int64  `json:"duration_ms,omitempty"`
}

// Transaction is one ledger entry as the history shows it: the signed change
// to each bucket and to held credits, and the balance after it.
type Transaction struct {
	ID    string    `json:"id"`
	Seq   int64     `json:"seq"`
	OrgID string    `json:"org_id"`
	Kind  EntryKind `json:"kind"`
	At    time.Time `json:"at"`
	// Amount is the change to monthly + rollover + purchased; Cost is what a
	// charge took (−Amount), zero for every other kind.
	Amount    int64 `json:"amount"`
	Cost      int64 `json:"cost"`
	Monthly   int64 `json:"monthly"`
	Rollover  int64 `json:"rollover"`
	Purchased int64 `json:"purchased"`
	Held      int64 `json:"held"`
	// The balance after this entry.
	MonthlyAfter   int64  `json:"monthly_after"`
	RolloverAfter  int64  `json:"rollover_after"`
	PurchasedAfter int64  `json:"purchased_after"`
	HeldAfter      int64  `json:"held_after"`
	BalanceAfter   int64  `json:"balance_after"`
	ActorID        string `json:"actor_id,omitempty"`
	HoldID         string `json:"hold_id,omitempty"`
	Note           string `json:"note,omitempty"`
	Purpose
}

// TransactionFilter narrows the history. Zero fields do not filter.
type TransactionFilter struct {
	ProjectID string
	MemberID  string
	Kind      EntryKind
	From, To  *time.Time
	Page      PageRequest
}

// Forecast projects an organisation's balance to the end of its period.
type Forecast struct {
	Held          int64     `json:"held"`
	SpentInPeriod int64     `json:"spent_in_period"`
	Spent7Days    int64     `json:"spent_7_days"`
	BurnPerDay    int64     `json:"burn_per_day"`
	Available     int64     `json:"available"`
	PeriodEnd     time.Time `json:"period_end"`
	// ProjectedAtPeriodEnd is what would be available at PeriodEnd at the
	// current burn rate, never below zero.
	ProjectedAtPeriodEnd int64 `json:"projected_at_period_end"`
	// ZeroAt is when the balance would run out before PeriodEnd, if it would.
	ZeroAt *time.Time `json:"zero_at,omitempty"`
}

// Budget is an organisation's spending limits and alert thresholds. Limits
// are nil when not set.
type Budget struct {
	// AlertPercentUsed fire when that percent of the monthly allocation has
	// been spent; AlertAvailableBelow when available credits drop below the
	// amount. Each fires once per period.
	AlertPercentUsed    []int64 `json:"alert_percent_used" maxItems:"10"`
	AlertAvailableBelow []int64 `json:"alert_available_below" maxItems:"10"`
	// MonthlySpendCap refuses work that would take the period's spend (held
	// and charged) over it.
	MonthlySpendCap *int64 `json:"monthly_spend_cap,omitempty"`
	// MemberMonthlyLimit applies to every member without their own entry in
	// MemberLimits; work over it waits for approval.
	MemberMonthlyLimit *int64           `json:"member_monthly_limit,omitempty"`
	MemberLimits       map[string]int64 `json:"member_limits,omitempty"`
}

// MemberLimit returns the monthly limit for userID, if any.
func (b Budget) MemberLimit(userID string) (int64, bool) {
	if n, ok := b.MemberLimits[userID]; ok {
		return n, true
	}
	if b.MemberMonthlyLimit != nil {
		return *b.MemberMonthlyLimit, true
	}
	return 0, false
}

// ProjectBudget caps what a project may spend over its life; work that would
// cross it waits for approval. Spent counts charges and open holds.
type ProjectBudget struct {
	ProjectID string `json:"project_id"`
	Budget    *int64 `json:"budget"`
	Spent     int64  `json:"spent"`
}

// PurchaseInput buys a credit pack. Key makes the purchase idempotent; an
// empty key buys once per call.
type PurchaseInput struct {
	Pack string `json:"pack" maxLength:"80"`
	Key  string `json:"-"`
}

// Purchase is a bought credit pack.
type Purchase struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"org_id"`
	Pack       string    `json:"pack"`
	Credits    int64     `json:"credits"`
	PriceCents int64     `json:"price_cents"`
	Provider   string    `json:"provider"`
	Reference  string    `json:"reference"`
	BoughtBy   string    `json:"bought_by"`
	At         time.Time `json:"at"`
}

// PaymentRequest asks a payment provider to take payment for a pack. Key is
// stable across retries of one purchase, so a card processor charges once.
type PaymentRequest struct {
	OrgID      string
	UserID     string
	Pack       CreditPack
	Key        string
	PriceCents int64
}

// PaymentReceipt is a provider's proof of payment.
type PaymentReceipt struct {
	Provider  string
	Reference string
}

// PaymentProvider takes payment for credit packs. Self-hosted Slate ships one
// that records the grant; a card processor implements the same method.
type PaymentProvider interface {
	Pay(ctx context.Context, req PaymentRequest) (PaymentReceipt, error)
}

// Event is something members may want to hear about live (an alert, and with
// the render queue, job and balance changes), stored so feeds and webhooks
// can deliver it.
type Event struct {
	ID    string `json:"id"`
	OrgID string `json:"org_id"`
	// ProjectID is set on events about one project, which members who may
	// not see the project are not told of.
	ProjectID string         `json:"project_id,omitempty"`
	Kind      string         `json:"kind"`
	At        time.Time      `json:"at"`
	Payload   map[string]any `json:"payload"`
}

// LedgerMismatch is an organisation whose stored balance differs from the
// sum of its entries.
type LedgerMismatch struct {
	OrgID  string  `json:"org_id"`
	Stored Credits `json:"stored"`
	Summed Credits `json:"summed"`
	Detail string  `json:"detail"`
}
