package storetest_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

func TestCreditsHoldSettleRelease(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		a := k.hold("shot-a", 100)
		b := k.hold("shot-b", 50)
		k.want(8_000, 0, 0, 150)
		k.settle(a, 60) // charged 60, the other 40 released
		k.want(7_940, 0, 0, 50)
		if _, err := env.DB.Release(context.Background(), b.ID); err != nil {
			t.Fatal(err)
		}
		k.want(7_940, 0, 0, 0)
		want := []string{"allocation 8000", "hold 100", "hold 50", "charge -60", "release -40", "release -50"}
		if got := k.kinds(0); !reflect.DeepEqual(got, want) {
			t.Fatalf("entries = %v, want %v", got, want)
		}
		// Replays change nothing; contradictions are refused.
		if h, err := env.DB.Settle(context.Background(), a.ID, 60); err != nil || h.State != slate.HoldSettled || h.Charged != 60 {
			t.Fatalf("settle again = %+v, %v", h, err)
		}
		if h, err := env.DB.Release(context.Background(), b.ID); err != nil || h.State != slate.HoldReleased {
			t.Fatalf("release again = %+v, %v", h, err)
		}
		_, err := env.DB.Settle(context.Background(), a.ID, 59)
		wantCode(t, err, slate.ECONFLICT)
		_, err = env.DB.Settle(context.Background(), b.ID, 10)
		wantCode(t, err, slate.ECONFLICT)
		_, err = env.DB.Release(context.Background(), a.ID)
		wantCode(t, err, slate.ECONFLICT)
		_, err = env.DB.Settle(context.Background(), "hold_missing", 1)
		wantCode(t, err, slate.ENOTFOUND)
		// A hold key seen before returns the same hold.
		again, err := env.DB.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, Items: []slate.HoldItem{{Key: "shot-a", Amount: 100}}})
		if err != nil || again[0].ID != a.ID {
			t.Fatalf("hold again = %+v, %v", again, err)
		}
		k.want(7_940, 0, 0, 0)
		k.verify()
	})
}

func TestCreditsHoldBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		h := k.hold("ok", 100)
		item := func(key string, n int64) []slate.HoldItem { return []slate.HoldItem{{Key: key, Amount: n}} }
		cases := []struct {
			name string
			req  slate.HoldRequest
			code slate.Code
		}{
			{"zero", slate.HoldRequest{ProjectID: k.o.Project.ID, Items: item("z", 0)}, slate.EINVALID},
			{"negative", slate.HoldRequest{ProjectID: k.o.Project.ID, Items: item("n", -5)}, slate.EINVALID},
			{"no items", slate.HoldRequest{ProjectID: k.o.Project.ID}, slate.EINVALID},
			{"no key", slate.HoldRequest{ProjectID: k.o.Project.ID, Items: item("", 5)}, slate.EINVALID},
			{"duplicate keys", slate.HoldRequest{ProjectID: k.o.Project.ID, Items: append(item("d", 5), item("d", 5)...)}, slate.EINVALID},
			{"more than available", slate.HoldRequest{ProjectID: k.o.Project.ID, Items: item("big", 8_000)}, slate.ECREDITS},
			{"all or nothing", slate.HoldRequest{ProjectID: k.o.Project.ID, Items: append(item("x", 7_000), item("y", 1_000)...)}, slate.ECREDITS},
			{"unknown project", slate.HoldRequest{ProjectID: "prj_missing", Items: item("p", 5)}, slate.ENOTFOUND},
			{"unknown quote", slate.HoldRequest{ProjectID: k.o.Project.ID, QuoteID: "quote_missing"}, slate.ENOTFOUND},
		}
		for _, tc := range cases {
			_, err := env.DB.Hold(k.o.Ctx, tc.req)
			wantCode(t, err, tc.code)
		}
		_, err := env.DB.Settle(context.Background(), h.ID, 101)
		wantCode(t, err, slate.EINVALID)
		_, err = env.DB.Settle(context.Background(), h.ID, -1)
		wantCode(t, err, slate.EINVALID)
		k.want(8_000, 0, 0, 100)
		if n := len(k.entries(slate.TransactionFilter{})); n != 2 {
			t.Fatalf("entries = %d, want 2", n)
		}
		// Partial holds what fits, in order.
		hs, err := env.DB.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, Partial: true,
			Items: append(append(item("p1", 7_000), item("p2", 1_000)...), item("p3", 900)...)})
		if err != nil || len(hs) != 2 || hs[0].Key != "p1" || hs[1].Key != "p3" {
			t.Fatalf("partial = %+v, %v", hs, err)
		}
		k.want(8_000, 0, 0, 8_000)
		k.verify()
	})
}

func TestCreditsShortfallNamesRemedies(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		k.spend("earlier", 7_500) // 500 left
		// 4 shots of 10 s on veo-3.1 at high: 320 each, 1,280 in all.
		items := make([]slate.HoldItem, 4)
		for i := range items {
			items[i] = slate.HoldItem{Key: "veo-" + string(rune('a'+i)), Amount: 320,
				Purpose: slate.Purpose{Engine: "veo-3.1", Tier: "high", DurationMS: 10_000}}
		}
		_, err := env.DB.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, Items: items})
		e := wantCode(t, err, slate.ECREDITS)
		want := []slate.Remedy{
			{Kind: "tier", Tier: "draft", Cost: 320},
			{Kind: "plan", Plan: "standard", Credits: 33_000},
		}
		if e.Shortfall != 780 || !reflect.DeepEqual(e.Remedies, want) {
			t.Fatalf("shortfall %d remedies %+v; want 780 %+v", e.Shortfall, e.Remedies, want)
		}
	})
}

func TestCreditsMemberNeedsUseCredits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		_, ctx := inviteAndJoin(t, env, k.o, "artist", slate.PermRunAI)
		_, err := env.DB.Hold(ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, Items: []slate.HoldItem{{Key: "a", Amount: 5}}})
		e := wantCode(t, err, slate.EFORBIDDEN)
		if e.MissingPermission != slate.PermUseCredits {
			t.Fatalf("missing = %s", e.MissingPermission)
		}
		_, err = env.DB.Purchase(ctx, k.o.Org.ID, slate.PurchaseInput{Pack: "pack-5k"})
		wantCode(t, err, slate.EFORBIDDEN)
		_, err = env.DB.SetPlan(ctx, k.o.Org.ID, "standard")
		wantCode(t, err, slate.EFORBIDDEN)
		k.want(8_000, 0, 0, 0)
	})
}

func TestCreditsBudgets(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "standard")
		artist, actx := inviteAndJoin(t, env, k.o, "artist", slate.PermRunAI, slate.PermUseCredits)
		req := func(key string, n int64, approved bool) slate.HoldRequest {
			return slate.HoldRequest{ProjectID: k.o.Project.ID, Approved: approved, Items: []slate.HoldItem{{Key: key, Amount: n}}}
		}
		if _, err := env.DB.SetBudget(k.o.Ctx, k.o.Org.ID, slate.Budget{
			MonthlySpendCap: ptr(int64(2_000)), MemberLimits: map[string]int64{artist.ID: 300},
		}); err != nil {
			t.Fatal(err)
		}
		// The member limit asks for approval; approved work passes it.
		_, err := env.DB.Hold(actx, req("a1", 400, false))
		wantCode(t, err, slate.EAPPROVAL)
		if _, err := env.DB.Hold(actx, req("a1", 400, true)); err != nil {
			t.Fatal(err)
		}
		// The project budget asks for approval too.
		if _, err := env.DB.SetProjectBudget(k.o.Ctx, k.o.Project.ID, ptr(int64(1_000))); err != nil {
			t.Fatal(err)
		}
		_, err = env.DB.Hold(k.o.Ctx, req("o1", 700, false))
		wantCode(t, err, slate.EAPPROVAL)
		if _, err := env.DB.Hold(k.o.Ctx, req("o1", 700, true)); err != nil {
			t.Fatal(err)
		}
		pb, err := env.DB.ProjectBudget(k.o.Ctx, k.o.Project.ID)
		if err != nil || pb.Spent != 1_100 || *pb.Budget != 1_000 {
			t.Fatalf("project budget = %+v, %v", pb, err)
		}
		// The org cap refuses, approved or not.
		_, err = env.DB.Hold(k.o.Ctx, req("o2", 901, true))
		wantCode(t, err, slate.ESPENDCAP)
		if _, err := env.DB.Hold(k.o.Ctx, req("o2", 900, true)); err != nil {
			t.Fatal(err)
		}
		// A new period resets the cap and member limits.
		if _, err := env.DB.SetProjectBudget(k.o.Ctx, k.o.Project.ID, nil); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(month)
		if _, err := env.DB.Hold(actx, req("a2", 300, false)); err != nil {
			t.Fatal(err)
		}
		// Bad budgets are refused and change nothing.
		for _, b := range []slate.Budget{
			{AlertPercentUsed: []int64{0}}, {AlertPercentUsed: []int64{101}}, {AlertAvailableBelow: []int64{-1}},
			{MonthlySpendCap: ptr(int64(-1))}, {MemberLimits: map[string]int64{"usr_stranger": 5}},
		} {
			_, err := env.DB.SetBudget(k.o.Ctx, k.o.Org.ID, b)
			wantCode(t, err, slate.EINVALID)
		}
		_, err = env.DB.SetProjectBudget(k.o.Ctx, k.o.Project.ID, ptr(int64(-5)))
		wantCode(t, err, slate.EINVALID)
		got, err := env.DB.Budget(k.o.Ctx, k.o.Org.ID)
		if err != nil || *got.MonthlySpendCap != 2_000 || got.MemberLimits[artist.ID] != 300 {
			t.Fatalf("budget = %+v, %v", got, err)
		}
		k.verify()
	})
}

func TestCreditsAlertsFireOncePerPeriod(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community") // 8,000 a month
		if _, err := env.DB.SetBudget(k.o.Ctx, k.o.Org.ID, slate.Budget{
			AlertPercentUsed: []int64{50, 90}, AlertAvailableBelow: []int64{1_000},
		}); err != nil {
			t.Fatal(err)
		}
		alerts := func() []string {
			t.Helper()
			evs, err := env.DB.Events(k.o.Ctx, k.o.Org.ID, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range evs {
				if e.Kind == slate.EventAlert {
					out = append(out, e.Payload["key"].(string))
				}
			}
			return out
		}
		k.spend("a", 3_000)
		if got := alerts(); len(got) != 0 {
			t.Fatalf("alerts at 37%% = %v", got)
		}
		k.spend("b", 1_500) // 56%
		k.spend("c", 100)   // still over 50%: no second alert
		if got, want := alerts(), []string{"percent_used:50"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("alerts = %v, want %v", got, want)
		}
		k.spend("d", 2_800) // 92%, 600 available
		// Available drops when the hold is placed; percent used when it is
		// charged.
		want := []string{"percent_used:50", "available_below:1000", "percent_used:90"}
		if got := alerts(); !reflect.DeepEqual(got, want) {
			t.Fatalf("alerts = %v, want %v", got, want)
		}
		env.Clock.Advance(month)
		k.spend("e", 4_500) // a new period: 56% again
		if got := alerts(); len(got) != 4 || got[3] != "percent_used:50" {
			t.Fatalf("alerts in the new period = %v", got)
		}
	})
}

func TestCreditsForecast(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "standard") // 33,000; period of 31 days
		for i := range 10 {
			k.spend("day"+string(rune('a'+i)), 700)
			env.Clock.Advance(24 * time.Hour)
		}
		h := k.hold("queued", 1_000)
		f, err := env.DB.Forecast(k.o.Ctx, k.o.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 7 charges of 700 in the last 7 days: 700 a day; 21 days left.
		if f.Held != 1_000 || f.SpentInPeriod != 7_000 || f.Spent7Days != 4_900 || f.BurnPerDay != 700 {
			t.Fatalf("forecast = %+v", f)
		}
		if f.Available != 25_000 || f.ProjectedAtPeriodEnd != 25_000-21*700 || f.ZeroAt != nil {
			t.Fatalf("projection = %+v", f)
		}
		k.settle(h, 1_000)
		k.spend("binge", 18_000) // 6,000 left, 18,000+ a week
		f, err = env.DB.Forecast(k.o.Ctx, k.o.Org.ID)
		if err != nil || f.ZeroAt == nil || !f.ZeroAt.After(env.Clock.Now()) || !f.ZeroAt.Before(f.PeriodEnd) {
			t.Fatalf("forecast = %+v, %v", f, err)
		}
	})
}
