package slate

import (
	"context"
	"time"
)

// QuoteTTL is how long a quote's prices are guaranteed.
const QuoteTTL = 15 * time.Minute

// Draw is how much a charge takes, or an estimate would take, from each
// bucket.
type Draw struct {
	Monthly   int64 `json:"monthly"`
	Rollover  int64 `json:"rollover"`
	Purchased int64 `json:"purchased"`
}

// Total is the whole draw.
func (d Draw) Total() int64 { return d.Monthly + d.Rollover + d.Purchased }

// Remedy is one way to make work fit that does not: a cheaper tier, a credit
// pack, or a plan upgrade.
type Remedy struct {
	Kind string `json:"kind" enum:"tier,pack,plan"`
	Tier string `json:"tier,omitempty"`
	Pack string `json:"pack,omitempty"`
	Plan string `json:"plan,omitempty"`
	// Cost is the work's cost with a tier remedy; Credits what a pack or an
	// upgrade adds to what is available.
	Cost    int64 `json:"cost,omitempty"`
	Credits int64 `json:"credits,omitempty"`
}

// EstimateInput prices a selection. Engine and Tier override every shot's
// own; empty means each shot's.
type EstimateInput struct {
	Selection Selection `json:"selection"`
	Engine    string    `json:"engine,omitempty" maxLength:"40"`
	Tier      string    `json:"tier,omitempty" maxLength:"40"`
}

// QuoteLine is one shot of a quote.
type QuoteLine struct {
	ShotID   string `json:"shot_id"`
	ShotName string `json:"shot_name"`
	SceneID  string `json:"scene_id"`
	Engine   string `json:"engine"`
	Tier     string `json:"tier"`
	// DurationMS is the length rendered and billed: the shot's, unless
	// the engine renders only some lengths; then ShotDurationMS is the
	// shot's and DurationNote says why they differ.
	DurationMS     int64  `json:"duration_ms"`
	ShotDurationMS int64  `json:"shot_duration_ms,omitempty"`
	DurationNote   string `json:"duration_note,omitempty"`
	// ImageNote says when the shot's start frame is not used: its engine
	// renders from the prompt alone.
	ImageNote string `json:"image_note,omitempty"`
	Cost      int64  `json:"cost"`
}

// Quote is a stored estimate: submitting with its id guarantees its prices
// until ExpiresAt, whatever the price book says by then.
type Quote struct {
	ID               string      `json:"id"`
	OrgID            string      `json:"org_id"`
	ProjectID        string      `json:"project_id"`
	PriceBookVersion int64       `json:"price_book_version"`
	CreatedBy        string      `json:"created_by"`
	CreatedAt        time.Time   `json:"created_at"`
	ExpiresAt        time.Time   `json:"expires_at"`
	Engine           string      `json:"engine,omitempty"`
	Tier             string      `json:"tier,omitempty"`
	Lines            []QuoteLine `json:"lines"`
	Total            int64       `json:"total"`
	BalanceBefore    int64       `json:"balance_before"`
	BalanceAfter     int64       `json:"balance_after"`
	Draw             Draw        `json:"draw"`
	Shortfall        int64       `json:"shortfall"`
	Remedies         []Remedy    `json:"remedies"`
}

// HoldState is where a hold is in its life: open until its work settles or
// releases it.
type HoldState string

// Hold states.
const (
	HoldOpen     HoldState = "open"
	HoldSettled  HoldState = "settled"
	HoldReleased HoldState = "released"
)

// HoldItem is one piece of work to hold credits for. Key identifies it
// across retries ("hold:{job}"): placing a hold whose key exists returns the
// existing hold and changes nothing. With a quote, Amount is taken from the
// quote's line for ShotID.
type HoldItem struct {
	Key    string `json:"key"`
	Amount int64  `json:"amount"`
	Purpose
}

// HoldRequest holds credits for work in one project, all or nothing unless
// Partial, which holds as many items as fit, in order.
type HoldRequest struct {
	ProjectID string
	QuoteID   string
	Items     []HoldItem
	Partial   bool
	// Approved is set when a member with use_credits approved work that
	// crosses a project budget or a member's monthly limit.
	Approved bool
	// MemberID is whose monthly limit the work counts against; empty means
	// the acting user.
	MemberID string
}

// Hold is credits reserved for one piece of work.
type Hold struct {
	ID        string     `json:"id"`
	OrgID     string     `json:"org_id"`
	Key       string     `json:"key"`
	QuoteID   string     `json:"quote_id,omitempty"`
	MemberID  string     `json:"member_id"`
	Amount    int64      `json:"amount"`
	Charged   int64      `json:"charged"`
	State     HoldState  `json:"state"`
	CreatedAt time.Time  `json:"created_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	Purpose
}

// CreditService is the organisation's credits: balance, history, quotes, the
// two-phase holds the render queue uses, plans, packs and budgets.
type CreditService interface {
	Credits(ctx context.Context, orgID string) (*Credits, error)
	Transactions(ctx context.Context, orgID string, f TransactionFilter) (*Page[*Transaction], error)
	Forecast(ctx context.Context, orgID string) (*Forecast, error)
	Estimate(ctx context.Context, projectID string, in EstimateInput) (*Quote, error)
	Quote(ctx context.Context, quoteID string) (*Quote, error)
	// Hold, Settle and Release are the render queue's: there is no public
	// endpoint that spends credits outside a job.
	Hold(ctx context.Context, req HoldRequest) ([]*Hold, error)
	Settle(ctx context.Context, holdID string, actual int64) (*Hold, error)
	Release(ctx context.Context, holdID string) (*Hold, error)
	Purchase(ctx context.Context, orgID string, in PurchaseInput) (*Purchase, error)
	// SetPlan upgrades at once or downgrades at the end of the period;
	// choosing the current plan undoes a pending downgrade or cancel.
	SetPlan(ctx context.Context, orgID, plan string) (*Credits, error)
	// CancelPlan ends the plan at the end of the period.
	CancelPlan(ctx context.Context, orgID string) (*Credits, error)
	Budget(ctx context.Context, orgID string) (*Budget, error)
	SetBudget(ctx context.Context, orgID string, b Budget) (*Budget, error)
	ProjectBudget(ctx context.Context, projectID string) (*ProjectBudget, error)
	SetProjectBudget(ctx context.Context, projectID string, budget *int64) (*ProjectBudget, error)
	Events(ctx context.Context, orgID, after string, limit int) ([]*Event, error)
}
