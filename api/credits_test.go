package api_test

import (
	"context"
	"net/http"
	"testing"

	"slate"
	"slate/api"
	"slate/pricing"
	"slate/store/storetest"
)

// TestCatalog: plans, packs and the price book come from the server's
// catalog, the book with the version the store gave it.
func TestCatalog(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		p := h.signup("viewer")
		var plans slate.Page[slate.Plan]
		h.must(call{method: "GET", path: "/api/v1/plans", token: p.Token}, 200, &plans)
		if len(plans.Items) != len(pricing.DefaultPlans()) || plans.Items[3].Name != "business" || !plans.Items[3].AllowPacks {
			t.Errorf("plans = %+v, want the default plans", plans.Items)
		}
		var packs slate.Page[slate.CreditPack]
		h.must(call{method: "GET", path: "/api/v1/credit-packs", token: p.Token}, 200, &packs)
		if len(packs.Items) != len(pricing.DefaultPacks()) || packs.Items[0].Name != "pack-5k" {
			t.Errorf("packs = %+v, want the default packs", packs.Items)
		}
		var book pricing.Book
		h.must(call{method: "GET", path: "/api/v1/price-book", token: p.Token}, 200, &book)
		if book.Version < 1 || book.Version != h.env.DB.Catalog().PriceBook.Version {
			t.Errorf("price book version %d, want the store's %d", book.Version, h.env.DB.Catalog().PriceBook.Version)
		}
		if e, ok := book.Engine("veo-3.1"); !ok || e.CreditsPerSecond != 8 {
			t.Errorf("veo-3.1 = %+v, want 8 credits per second", e)
		}
	})
}

// TestEstimates: work that fits is quoted with its draw; work that does not
// is still quoted (201) with the shortfall and ranked remedies, and the
// quote reads back as it was made.
func TestEstimates(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("producer")
		var org slate.Org
		h.must(call{method: "POST", path: "/api/v1/orgs", token: owner.Token,
			body: slate.OrgInput{Name: "Shoestring", Plan: "free"}}, 201, &org)
		ids := h.buildTree(owner, h.createProject(owner, org.ID).ID)
		// One minute of veo-3.1: 8 credits a second at draft.
		h.must(call{method: "PATCH", path: "/api/v1/shots/" + ids.Shot, token: owner.Token,
			body: map[string]any{"duration_ms": 60_000}}, 200, nil)
		estimate := func(tier string) *slate.Quote {
			var q slate.Quote
			h.must(call{method: "POST", path: "/api/v1/projects/" + ids.Project + "/estimates", token: owner.Token,
				body: slate.EstimateInput{Selection: slate.Selection{All: true}, Engine: "veo-3.1", Tier: tier}}, 201, &q)
			return &q
		}

		fits := estimate("draft")
		if fits.Total != 480 || fits.Shortfall != 0 || fits.BalanceBefore != 800 || fits.BalanceAfter != 320 ||
			fits.Draw != (slate.Draw{Monthly: 480}) || len(fits.Remedies) != 0 {
			t.Errorf("draft quote = %+v, want 480 drawn from monthly with no shortfall", fits)
		}
		if len(fits.Lines) != 1 || fits.Lines[0].ShotID != ids.Shot || fits.Lines[0].Cost != 480 || fits.PriceBookVersion < 1 {
			t.Errorf("draft quote lines %+v, version %d", fits.Lines, fits.PriceBookVersion)
		}

		short := estimate("high")
		if short.Total != 1920 || short.Shortfall != 1120 || short.BalanceAfter != -1120 || short.Draw != (slate.Draw{}) {
			t.Errorf("high quote = %+v, want 1920 with a shortfall of 1120 and no draw", short)
		}
		// The highest tier that fits first, then the smallest upgrade that
		// covers it; the free plan sells no packs.
		if len(short.Remedies) != 2 || short.Remedies[0] != (slate.Remedy{Kind: "tier", Tier: "draft", Cost: 480}) ||
			short.Remedies[1].Kind != "plan" || short.Remedies[1].Plan != "community" || short.Remedies[1].Credits < 1120 {
			t.Errorf("remedies = %+v, want draft, then community", short.Remedies)
		}

		var again slate.Quote
		h.must(call{method: "GET", path: "/api/v1/quotes/" + short.ID, token: owner.Token}, 200, &again)
		if again.ID != short.ID || again.Total != short.Total || again.Shortfall != short.Shortfall || len(again.Remedies) != 2 {
			t.Errorf("quote read back = %+v, want %+v", again, short)
		}
		// Quotes of other organisations are not revealed.
		h.do(call{method: "GET", path: "/api/v1/quotes/" + short.ID, token: h.signup("stranger").Token}).problem(t, 404, "not_found")
	})
}

// TestCreditsLifecycle drives the balance through the API: a purchase,
// paged history, an upgrade, a downgrade, a cancel, budgets and a forecast.
func TestCreditsLifecycle(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner)
		base := "/api/v1/orgs/" + org.ID
		credits := func() *slate.Credits {
			var c slate.Credits
			h.must(call{method: "GET", path: base + "/credits", token: owner.Token}, 200, &c)
			return &c
		}
		if c := credits(); c.Plan != "business" || c.Monthly != 180_000 || c.Available != 180_000 || !c.PeriodEnd.After(c.PeriodStart) {
			t.Fatalf("new business org = %+v, want 180,000 monthly", c)
		}

		// The Idempotency-Key is the purchase's key in the store: another
		// billing member replaying it gets past the per-user idempotency
		// layer, and still buys nothing more.
		buyer := h.signup("accounts")
		h.join(owner, org.ID, buyer, slate.PermBilling)
		var first, second slate.Purchase
		for _, b := range []struct {
			who *person
			out *slate.Purchase
		}{{owner, &first}, {owner, &second}, {buyer, &second}} {
			h.must(call{method: "POST", path: base + "/credits/purchases", token: b.who.Token,
				body: slate.PurchaseInput{Pack: "pack-5k"}, header: map[string]string{"Idempotency-Key": "order-17"}}, 201, b.out)
		}
		if first.ID == "" || second.ID != first.ID || first.Credits != 5_000 || first.Provider != "grant" {
			t.Errorf("purchases %+v and %+v, want one grant of 5,000", first, second)
		}
		if c := credits(); c.Purchased != 5_000 || c.Available != 185_000 {
			t.Errorf("after buying = %+v, want 5,000 purchased once", c)
		}

		var page slate.Page[*slate.Transaction]
		h.must(call{method: "GET", path: base + "/credits/transactions?limit=1", token: owner.Token}, 200, &page)
		if len(page.Items) != 1 || page.Items[0].Kind != slate.EntryPurchase || page.Items[0].Amount != 5_000 ||
			page.Items[0].BalanceAfter != 185_000 || page.NextCursor == "" {
			t.Fatalf("first page = %+v, want the purchase and a cursor", page)
		}
		var rest slate.Page[*slate.Transaction]
		h.must(call{method: "GET", path: base + "/credits/transactions?limit=10&cursor=" + page.NextCursor, token: owner.Token}, 200, &rest)
		if len(rest.Items) != 1 || rest.Items[0].Kind != slate.EntryAllocation || rest.NextCursor != "" {
			t.Errorf("second page = %+v, want the allocation and no cursor", rest)
		}
		h.must(call{method: "GET", path: base + "/credits/transactions?kind=purchase&member=" + owner.User.ID, token: owner.Token}, 200, &page)
		if len(page.Items) != 1 {
			t.Errorf("owner's purchases = %d, want 1", len(page.Items))
		}
		h.must(call{method: "GET", path: base + "/credits/transactions?from=2030-01-01T00:00:00Z", token: owner.Token}, 200, &page)
		if len(page.Items) != 0 || page.Items == nil {
			t.Errorf("entries from 2030 = %+v, want an empty list", page.Items)
		}

		var c slate.Credits
		h.must(call{method: "PUT", path: base + "/plan", token: owner.Token, body: map[string]any{"plan": "enterprise"}}, 200, &c)
		if c.Plan != "enterprise" || c.Monthly != 1_000_000 || c.Purchased != 5_000 {
			t.Errorf("after upgrade = %+v, want enterprise at once", c)
		}
		h.must(call{method: "PUT", path: base + "/plan", token: owner.Token, body: map[string]any{"plan": "standard"}}, 200, &c)
		if c.Plan != "enterprise" || c.PendingPlan != "standard" {
			t.Errorf("after downgrade = %+v, want standard pending", c)
		}
		// A fresh value: pending_plan is omitted when empty.
		c = slate.Credits{}
		h.must(call{method: "DELETE", path: base + "/plan", token: owner.Token}, 200, &c)
		if !c.CancelAtPeriodEnd || c.PendingPlan != "" || c.Cancelled {
			t.Errorf("after cancel = %+v, want cancel at period end", c)
		}

		var f slate.Forecast
		h.must(call{method: "GET", path: base + "/credits/forecast", token: owner.Token}, 200, &f)
		if f.Available != c.Available || f.Held != 0 || f.SpentInPeriod != 0 {
			t.Errorf("forecast = %+v, want available %d and nothing spent", f, c.Available)
		}

		limit := int64(2_000)
		var b slate.Budget
		h.must(call{method: "PUT", path: base + "/budget", token: owner.Token, body: slate.Budget{
			AlertPercentUsed: []int64{50, 80}, AlertAvailableBelow: []int64{10_000},
			MemberLimits: map[string]int64{buyer.User.ID: limit}}}, 200, &b)
		var got slate.Budget
		h.must(call{method: "GET", path: base + "/budget", token: buyer.Token}, 200, &got)
		if len(got.AlertPercentUsed) != 2 || got.MemberLimits[buyer.User.ID] != limit || got.MonthlySpendCap != nil {
			t.Errorf("budget read back = %+v, want what was set", got)
		}

		project := h.createProject(owner, org.ID)
		var pb slate.ProjectBudget
		h.must(call{method: "PUT", path: "/api/v1/projects/" + project.ID + "/budget", token: owner.Token,
			body: map[string]any{"budget": 750}}, 200, &pb)
		if pb.Budget == nil || *pb.Budget != 750 || pb.Spent != 0 {
			t.Errorf("project budget = %+v, want 750", pb)
		}
		h.must(call{method: "PUT", path: "/api/v1/projects/" + project.ID + "/budget", token: owner.Token,
			body: map[string]any{"budget": nil}}, 200, &pb)
		h.must(call{method: "GET", path: "/api/v1/projects/" + project.ID + "/budget", token: owner.Token}, 200, &pb)
		if pb.Budget != nil {
			t.Errorf("cleared project budget = %+v, want none", pb)
		}
	})
}

// shortService refuses every estimate as the render queue's holds do when
// credits run out, to see a 402 leave the API with its extras; everything
// else is the real store.
type shortService struct{ slate.CreditService }

var shortRemedies = []slate.Remedy{{Kind: "tier", Tier: "draft", Cost: 300}, {Kind: "pack", Pack: "pack-5k", Credits: 5_000}}

func (shortService) Estimate(context.Context, string, slate.EstimateInput) (*slate.Quote, error) {
	return nil, slate.Insufficient(1_120, shortRemedies)
}

func TestPaymentRequiredCarriesRemedies(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, b, func(s *api.Server) { s.Credits = shortService{s.Credits} })
			owner := h.signup("owner")
			project := h.createProject(owner, h.createOrg(owner).ID)
			res := h.do(call{method: "POST", path: "/api/v1/projects/" + project.ID + "/estimates", token: owner.Token,
				body: slate.EstimateInput{Selection: slate.Selection{All: true}}})
			p := res.problem(t, http.StatusPaymentRequired, "insufficient_credits")
			if p.Shortfall != 1_120 || len(p.Remedies) != 2 || p.Remedies[1] != shortRemedies[1] {
				t.Errorf("402 problem = %+v, want the shortfall and both remedies", p)
			}
		})
	}
}
