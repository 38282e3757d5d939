package client_test

import (
	"errors"
	"testing"
	"time"

	"context"
	"slate"
	"slate/client"
	"slate/store/storetest"
)

// must hands back v, failing the test on err: must(c.Call(ctx))(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestCredits: every credits method reaches its operation and answers the
// domain type.
func TestCredits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		_, c, p, shot := serve(t, env)
		ctx := context.Background()
		org := p.OrgID

		if plans := must(c.ListPlans(ctx))(t); len(plans) != 5 || plans[0].Name != "free" {
			t.Errorf("plans = %+v", plans)
		}
		if packs := must(c.ListCreditPacks(ctx))(t); len(packs) != 3 {
			t.Errorf("packs = %+v", packs)
		}
		if book := must(c.PriceBook(ctx))(t); book.Version < 1 || len(book.Tiers) != 4 {
			t.Errorf("price book = %+v", book)
		}
		if cr := must(c.Credits(ctx, org))(t); cr.Plan != "business" || cr.Available != 180_000 {
			t.Errorf("credits = %+v", cr)
		}

		// The key goes as the Idempotency-Key: buying again with it buys once.
		first := must(c.BuyCredits(ctx, org, slate.PurchaseInput{Pack: "pack-5k", Key: "po-1"}))(t)
		again := must(c.BuyCredits(ctx, org, slate.PurchaseInput{Pack: "pack-5k", Key: "po-1"}))(t)
		if again.ID != first.ID || first.Credits != 5_000 {
			t.Errorf("purchases %+v, %+v; want one", first, again)
		}
		from := storetest.Epoch.Add(-time.Hour)
		page := must(c.Transactions(ctx, org, slate.TransactionFilter{Kind: slate.EntryPurchase, From: &from, Page: slate.PageRequest{Limit: 10}}))(t)
		if len(page.Items) != 1 || page.Items[0].Amount != 5_000 {
			t.Errorf("purchase history = %+v, want the one purchase", page.Items)
		}
		if f := must(c.Forecast(ctx, org))(t); f.Available != 185_000 {
			t.Errorf("forecast = %+v", f)
		}

		q := must(c.Estimate(ctx, p.ID, slate.EstimateInput{Selection: slate.Selection{Shots: []string{shot.ID}}, Tier: "standard"}))(t)
		if q.Total != 8 || len(q.Lines) != 1 || q.Draw.Monthly != 8 {
			t.Errorf("quote = %+v, want 4 s of preview at standard: 8", q)
		}
		if got := must(c.Quote(ctx, q.ID))(t); got.ID != q.ID || got.Total != q.Total {
			t.Errorf("quote read back = %+v", got)
		}

		// Nil alert lists are sent as empty ones.
		b := must(c.SetBudget(ctx, org, slate.Budget{MemberMonthlyLimit: new(int64(500))}))(t)
		if b.MemberMonthlyLimit == nil || *b.MemberMonthlyLimit != 500 {
			t.Errorf("budget = %+v", b)
		}
		if b := must(c.Budget(ctx, org))(t); b.MemberMonthlyLimit == nil || len(b.AlertPercentUsed) != 0 {
			t.Errorf("budget read back = %+v", b)
		}
		if pb := must(c.SetProjectBudget(ctx, p.ID, new(int64(900))))(t); pb.Budget == nil || *pb.Budget != 900 {
			t.Errorf("project budget = %+v", pb)
		}
		must(c.SetProjectBudget(ctx, p.ID, nil))(t)
		if pb := must(c.ProjectBudget(ctx, p.ID))(t); pb.Budget != nil {
			t.Errorf("cleared project budget = %+v", pb)
		}

		if cr := must(c.SetPlan(ctx, org, "enterprise"))(t); cr.Plan != "enterprise" || cr.Monthly != 1_000_000 {
			t.Errorf("after upgrade = %+v", cr)
		}
		if cr := must(c.CancelPlan(ctx, org))(t); !cr.CancelAtPeriodEnd {
			t.Errorf("after cancel = %+v", cr)
		}
	})
}

// short refuses estimates for want of credits, as holds do, so the client
// meets a real 402 from the real API.
type short struct{ slate.CreditService }

func (short) Estimate(context.Context, string, slate.EstimateInput) (*slate.Quote, error) {
	return nil, slate.Insufficient(640, []slate.Remedy{{Kind: "tier", Tier: "draft", Cost: 200}, {Kind: "plan", Plan: "standard", Credits: 25_000}})
}

// TestCreditErrors: the credit codes and a 402's extras survive the trip to
// *client.Error and on to *slate.Error.
func TestCreditErrors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		_, c, p, _ := serveWith(t, env, short{env.DB})
		ctx := context.Background()
		small := must(c.CreateOrg(ctx, slate.OrgInput{Name: "Small", Plan: "standard"}))(t)
		for _, tc := range []struct {
			name   string
			call   func() error
			status int
			code   slate.Code
		}{
			{"short of credits", func() error {
				_, err := c.Estimate(ctx, p.ID, slate.EstimateInput{Selection: slate.Selection{All: true}})
				return err
			}, 402, slate.ECREDITS},
			{"no packs on the plan", func() error {
				_, err := c.BuyCredits(ctx, small.ID, slate.PurchaseInput{Pack: "pack-5k"})
				return err
			}, 403, slate.EPLAN},
			{"unknown plan", func() error { _, err := c.SetPlan(ctx, small.ID, "platinum"); return err }, 400, slate.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				var ce *client.Error
				if !errors.As(err, &ce) || ce.Status != tc.status || ce.Code != tc.code {
					t.Fatalf("err = %v, want a %d %s problem", err, tc.status, tc.code)
				}
				var se *slate.Error
				if !errors.As(err, &se) || se.Code != tc.code {
					t.Fatalf("as *slate.Error: %v, want code %s", se, tc.code)
				}
				if tc.status != 402 {
					return
				}
				if se.Shortfall != 640 || len(se.Remedies) != 2 || se.Remedies[1].Plan != "standard" || ce.Shortfall != 640 {
					t.Errorf("402 carried shortfall %d, remedies %+v; want 640 and both remedies", se.Shortfall, se.Remedies)
				}
			})
		}
	})
}
