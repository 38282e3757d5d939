package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"slate"
	"slate/pricing"
)

// transactionsIn filters an organisation's ledger history. Zero values do
// not filter.
type transactionsIn struct {
	OrgPath
	Project string    `query:"project" maxLength:"100" doc:"Only entries for this project"`
	Member  string    `query:"member" maxLength:"100" doc:"Only entries this member (user id) caused"`
	Kind    string    `query:"kind" maxLength:"40" doc:"Only entries of this kind: allocation, rollover, expiry, purchase, hold, release, charge or adjustment"`
	From    time.Time `query:"from" doc:"Only entries at or after this time (RFC 3339)"`
	To      time.Time `query:"to" doc:"Only entries before this time (RFC 3339)"`
	PageQuery
}

func (in *transactionsIn) filter() slate.TransactionFilter {
	f := slate.TransactionFilter{ProjectID: in.Project, MemberID: in.Member, Kind: slate.EntryKind(in.Kind),
		Page: in.Page()}
	// huma leaves an absent time parameter at the zero time.
	if !in.From.IsZero() {
		f.From = &in.From
	}
	if !in.To.IsZero() {
		f.To = &in.To
	}
	return f
}

// purchaseIn buys a pack. The Idempotency-Key is also the purchase's key in
// the store, so a retry that gets past the idempotency layer (whose record
// a 5xx frees) still cannot pay twice.
type purchaseIn struct {
	OrgPath
	Key  string `header:"Idempotency-Key" maxLength:"200" doc:"Makes the purchase happen at most once"`
	Body slate.PurchaseInput
}

// PlanChoice names the plan to move an organisation to.
type PlanChoice struct {
	Plan string `json:"plan" maxLength:"80" doc:"Plan name, as GET /api/v1/plans lists them"`
}

// catalog is what the server sells; without a Catalog (a server built only
// to render its document) the spec's defaults.
func (s *Server) catalog() pricing.Catalog {
	if s.Catalog != nil {
		return s.Catalog()
	}
	return pricing.Default()
}

func (s *Server) registerCredits() {
	tags := []string{"credits"}
	register(s, huma.Operation{
		OperationID: "listPlans", Method: http.MethodGet, Path: "/api/v1/plans", Tags: tags,
		Summary:     "The subscription plans on offer",
		Description: "Any signed-in user: each plan's monthly credits, rollover cap, concurrent renders, and whether it allows 4K and credit packs. The operator's catalogue, so one page: next_cursor is always empty.",
	}, opts{}, func(ctx context.Context, _ *struct{}) (*out[*slate.Page[slate.Plan]], error) {
		return list(s.catalog().Plans), nil
	})
	register(s, huma.Operation{
		OperationID: "listCreditPacks", Method: http.MethodGet, Path: "/api/v1/credit-packs", Tags: tags,
		Summary:     "The credit packs on sale to plans that allow packs",
		Description: "Any signed-in user. Only organisations whose plan allows packs can buy them (buyCredits). The operator's catalogue, so one page: next_cursor is always empty.",
	}, opts{}, func(ctx context.Context, _ *struct{}) (*out[*slate.Page[slate.CreditPack]], error) {
		return list(s.catalog().CreditPacks), nil
	})
	register(s, huma.Operation{
		OperationID: "getPriceBook", Method: http.MethodGet, Path: "/api/v1/price-book", Tags: tags,
		Summary:     "The price book in force",
		Description: "Tiers, engine rates and action prices, with the version estimates name.",
	}, opts{}, func(ctx context.Context, _ *struct{}) (*out[pricing.Book], error) {
		return reply(s.catalog().PriceBook), nil
	})

	register(s, huma.Operation{
		OperationID: "getCredits", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/credits", Tags: tags,
		Summary:     "The organisation's balance: plan, period, buckets, held and available",
		Description: "Members with read.",
	}, errsRead, func(ctx context.Context, in *OrgPath) (*out[*slate.Credits], error) {
		return replyOr(s.Credits.Credits(ctx, in.Org))
	})
	register(s, huma.Operation{
		OperationID: "listTransactions", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/credits/transactions", Tags: tags,
		Summary:     "The organisation's ledger, newest first",
		Description: "Members with read. Pages by cursor; filters by kind and time. Entries of restricted projects the caller is not named on show only their engine, tier and duration.",
	}, errsRead, func(ctx context.Context, in *transactionsIn) (*out[*slate.Page[*slate.Transaction]], error) {
		p, err := s.Credits.Transactions(ctx, in.Org, in.filter())
		if err != nil {
			return nil, err
		}
		if p.Items == nil {
			p.Items = []*slate.Transaction{}
		}
		return reply(p), nil
	})
	register(s, huma.Operation{
		OperationID: "getForecast", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/credits/forecast", Tags: tags,
		Summary:     "Held credits, spend this period, burn rate and the balance projected to the period's end",
		Description: "Members with read. The projection assumes the last 7 days' burn rate goes on, rounded so that it errs low.",
	}, errsRead, func(ctx context.Context, in *OrgPath) (*out[*slate.Forecast], error) {
		return replyOr(s.Credits.Forecast(ctx, in.Org))
	})
	register(s, huma.Operation{
		OperationID: "buyCredits", Method: http.MethodPost, Path: "/api/v1/orgs/{org}/credits/purchases", Tags: tags,
		Summary:       "Buy a credit pack",
		Description:   "Needs billing, and a plan that sells packs (403 plan_limit otherwise). Purchased credits never expire.",
		DefaultStatus: http.StatusCreated,
	}, errsWrite, func(ctx context.Context, in *purchaseIn) (*out[*slate.Purchase], error) {
		in.Body.Key = in.Key
		return replyOr(s.Credits.Purchase(ctx, in.Org, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "setPlan", Method: http.MethodPut, Path: "/api/v1/orgs/{org}/plan", Tags: tags,
		Summary: "Change the organisation's plan",
		Description: "Needs billing. An upgrade takes effect at once and starts a new period; a downgrade waits " +
			"for the end of the period; choosing the current plan undoes a pending downgrade or cancel.",
	}, errsWrite, func(ctx context.Context, in *struct {
		OrgPath
		Body PlanChoice
	}) (*out[*slate.Credits], error) {
		return replyOr(s.Credits.SetPlan(ctx, in.Org, in.Body.Plan))
	})
	register(s, huma.Operation{
		OperationID: "cancelPlan", Method: http.MethodDelete, Path: "/api/v1/orgs/{org}/plan", Tags: tags,
		Summary: "Cancel the plan at the end of the period",
		Description: "Needs billing. The account stays usable until the period ends; rollover and purchased " +
			"credits are forfeited then.",
		DefaultStatus: http.StatusOK,
	}, errsWrite, func(ctx context.Context, in *OrgPath) (*out[*slate.Credits], error) {
		return replyOr(s.Credits.CancelPlan(ctx, in.Org))
	})
	s.registerBudgets()
	s.registerEstimates()
}
