package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"slate"
	"slate/pricing"
)

// ListPlans lists the subscription plans on offer.
func (c *Client) ListPlans(ctx context.Context) ([]slate.Plan, error) {
	return all[slate.Plan](ctx, c, "/api/v1/plans")
}

// ListCreditPacks lists the credit packs on sale to plans that allow packs.
func (c *Client) ListCreditPacks(ctx context.Context) ([]slate.CreditPack, error) {
	return all[slate.CreditPack](ctx, c, "/api/v1/credit-packs")
}

// PriceBook reads the price book in force, with its version.
func (c *Client) PriceBook(ctx context.Context) (*pricing.Book, error) {
	return send[pricing.Book](ctx, c, http.MethodGet, "/api/v1/price-book", nil)
}

// Credits reads an organisation's balance.
func (c *Client) Credits(ctx context.Context, orgID string) (*slate.Credits, error) {
	return send[slate.Credits](ctx, c, http.MethodGet, pathf("/api/v1/orgs/%s/credits", orgID), nil)
}

// Transactions reads one page of an organisation's ledger, newest first,
// narrowed by f; f.Page.Cursor continues from an earlier page.
func (c *Client) Transactions(ctx context.Context, orgID string, f slate.TransactionFilter) (*slate.Page[*slate.Transaction], error) {
	q := url.Values{"project": {f.ProjectID}, "member": {f.MemberID}, "kind": {string(f.Kind)}, "cursor": {f.Page.Cursor}}
	if f.From != nil {
		q.Set("from", f.From.Format(time.RFC3339Nano))
	}
	if f.To != nil {
		q.Set("to", f.To.Format(time.RFC3339Nano))
	}
	if f.Page.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Page.Limit))
	}
	return send[slate.Page[*slate.Transaction]](ctx, c, http.MethodGet,
		withQuery(pathf("/api/v1/orgs/%s/credits/transactions", orgID), q), nil)
}

// Forecast projects an organisation's balance to the end of its period.
func (c *Client) Forecast(ctx context.Context, orgID string) (*slate.Forecast, error) {
	return send[slate.Forecast](ctx, c, http.MethodGet, pathf("/api/v1/orgs/%s/credits/forecast", orgID), nil)
}

// BuyCredits buys a credit pack. in.Key, when set, goes as the request's
// Idempotency-Key, which the server also makes the purchase's key: buying
// again with the same key returns the first purchase and pays nothing.
func (c *Client) BuyCredits(ctx context.Context, orgID string, in slate.PurchaseInput) (*slate.Purchase, error) {
	if in.Key != "" {
		ctx = WithIdempotencyKey(ctx, in.Key)
	}
	return send[slate.Purchase](ctx, c, http.MethodPost, pathf("/api/v1/orgs/%s/credits/purchases", orgID), in)
}

// SetPlan moves an organisation to another plan: an upgrade at once, a
// downgrade at the end of the period. It answers the balance after.
func (c *Client) SetPlan(ctx context.Context, orgID, plan string) (*slate.Credits, error) {
	in := struct {
		Plan string `json:"plan"`
	}{plan}
	return send[slate.Credits](ctx, c, http.MethodPut, pathf("/api/v1/orgs/%s/plan", orgID), in)
}

// CancelPlan cancels an organisation's plan at the end of the period.
func (c *Client) CancelPlan(ctx context.Context, orgID string) (*slate.Credits, error) {
	return send[slate.Credits](ctx, c, http.MethodDelete, pathf("/api/v1/orgs/%s/plan", orgID), nil)
}

// Budget reads an organisation's spend cap, member limits and alerts.
func (c *Client) Budget(ctx context.Context, orgID string) (*slate.Budget, error) {
	return send[slate.Budget](ctx, c, http.MethodGet, pathf("/api/v1/orgs/%s/budget", orgID), nil)
}

// SetBudget replaces an organisation's spend cap, member limits and alerts.
func (c *Client) SetBudget(ctx context.Context, orgID string, b slate.Budget) (*slate.Budget, error) {
	// The API wants the alert lists, empty or not.
	if b.AlertPercentUsed == nil {
		b.AlertPercentUsed = []int64{}
	}
	if b.AlertAvailableBelow == nil {
		b.AlertAvailableBelow = []int64{}
	}
	return send[slate.Budget](ctx, c, http.MethodPut, pathf("/api/v1/orgs/%s/budget", orgID), b)
}

// ProjectBudget reads a project's budget and what it has spent.
func (c *Client) ProjectBudget(ctx context.Context, projectID string) (*slate.ProjectBudget, error) {
	return send[slate.ProjectBudget](ctx, c, http.MethodGet, pathf("/api/v1/projects/%s/budget", projectID), nil)
}

// SetProjectBudget sets a project's budget, or removes it with nil.
func (c *Client) SetProjectBudget(ctx context.Context, projectID string, budget *int64) (*slate.ProjectBudget, error) {
	in := struct {
		Budget *int64 `json:"budget"`
	}{budget}
	return send[slate.ProjectBudget](ctx, c, http.MethodPut, pathf("/api/v1/projects/%s/budget", projectID), in)
}

// Estimate prices a selection of a project's shots and keeps it as a quote.
// Work that does not fit is still quoted, with its shortfall and remedies.
func (c *Client) Estimate(ctx context.Context, projectID string, in slate.EstimateInput) (*slate.Quote, error) {
	return send[slate.Quote](ctx, c, http.MethodPost, pathf("/api/v1/projects/%s/estimates", projectID), in)
}

// Quote reads a stored estimate.
func (c *Client) Quote(ctx context.Context, quoteID string) (*slate.Quote, error) {
	return send[slate.Quote](ctx, c, http.MethodGet, pathf("/api/v1/quotes/%s", quoteID), nil)
}
