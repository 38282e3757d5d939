package storetest_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

func TestCreditsNewOrgHasItsAllocation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "standard")
		c := k.want(33_000, 0, 0, 0)
		if c.Plan != "standard" || !c.PeriodStart.Equal(storetest.Epoch) || !c.PeriodEnd.Equal(storetest.Epoch.AddDate(0, 1, 0)) {
			t.Fatalf("credits = %+v", c)
		}
		if got, want := k.kinds(0), []string{"allocation 33000"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("entries = %v, want %v", got, want)
		}
		k.verify()
	})
}

// The spec's worked example, through the store: standard plan, 5,000 of
// the monthly 33,000 unused, rollover 98,000, purchased 2,000.
func TestCreditsWorkedExample(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "standard")
		k.spend("render", 28_000)
		k.adjust("bank", 0, 98_000, 2_000)
		k.want(5_000, 98_000, 2_000, 0)
		env.Clock.Advance(month)
		k.want(33_000, 100_000, 2_000, 0)
		want := []string{"rollover 0", "expiry -3000", "allocation 33000"}
		if got := k.kinds(4); !reflect.DeepEqual(got, want) {
			t.Fatalf("close entries = %v, want %v", got, want)
		}
		k.verify()
	})
}

// A hold placed before a close stays covered: the credits it needs do not
// expire, and the charge then draws in spending order at that moment.
func TestCreditsHoldAcrossClose(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community") // 8,000 a month, cap 1,000
		h := k.hold("long render", 8_000)
		env.Clock.Advance(month)
		// 8,000 roll over; above the cap but all needed by the hold.
		k.want(8_000, 8_000, 0, 8_000)
		k.settle(h, 8_000)
		k.want(0, 8_000, 0, 0)
		env.Clock.Advance(month)
		k.want(8_000, 1_000, 0, 0)
		k.verify()
	})
}

func TestCreditsMissedBoundariesCloseInOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		env.Clock.Advance(3*month + time.Hour)
		n, err := env.DB.ClosePeriods(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("ClosePeriods = %d, %v; want 1 organisation", n, err)
		}
		if n, err := env.DB.ClosePeriods(context.Background()); err != nil || n != 0 {
			t.Fatalf("second ClosePeriods = %d, %v; want nothing to do", n, err)
		}
		c := k.want(8_000, 1_000, 0, 0)
		if want := storetest.Epoch.AddDate(0, 3, 0); !c.PeriodStart.Equal(want) {
			t.Fatalf("period start = %v, want %v", c.PeriodStart, want)
		}
		want := []string{
			"rollover 0", "expiry -7000", "allocation 8000",
			"rollover 0", "expiry -8000", "allocation 8000",
			"rollover 0", "expiry -8000", "allocation 8000",
		}
		if got := k.kinds(1); !reflect.DeepEqual(got, want) {
			t.Fatalf("entries = %v\nwant %v", got, want)
		}
		if n := len(k.entries(slate.TransactionFilter{Kind: slate.EntryAllocation})); n != 4 {
			t.Fatalf("allocations = %d, want 4", n)
		}
		k.verify()
	})
}

func TestCreditsUpgradeTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		k.spend("draft pass", 3_000)
		env.Clock.Advance(10 * 24 * time.Hour)
		now := env.Clock.Now()
		c, err := env.DB.SetPlan(k.o.Ctx, k.o.Org.ID, "standard")
		if err != nil {
			t.Fatal(err)
		}
		// 5,000 unused monthly move to rollover (under the new cap); the new
		// allocation loads; the period restarts now.
		if c.Plan != "standard" || c.Monthly != 33_000 || c.Rollover != 5_000 || !c.PeriodStart.Equal(now) || !c.PeriodEnd.Equal(now.AddDate(0, 1, 0)) {
			t.Fatalf("after upgrade = %+v", c)
		}
		org, err := env.DB.GetOrg(k.o.Ctx, k.o.Org.ID)
		if err != nil || org.Plan != "standard" {
			t.Fatalf("org plan = %v, %v", org, err)
		}
		k.verify()
	})
}

func TestCreditsDowngradeAtPeriodEnd(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "standard")
		k.spend("act one", 30_000)
		c, err := env.DB.SetPlan(k.o.Ctx, k.o.Org.ID, "community")
		if err != nil {
			t.Fatal(err)
		}
		if c.Plan != "standard" || c.PendingPlan != "community" || c.Monthly != 3_000 {
			t.Fatalf("after downgrade = %+v", c)
		}
		env.Clock.Advance(month)
		// 3,000 unused roll over into community's 1,000 cap.
		c = k.want(8_000, 1_000, 0, 0)
		if c.Plan != "community" || c.PendingPlan != "" {
			t.Fatalf("after the period = %+v", c)
		}
		k.verify()
	})
}

func TestCreditsChoosingTheCurrentPlanUndoesADowngrade(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "standard")
		if _, err := env.DB.SetPlan(k.o.Ctx, k.o.Org.ID, "free"); err != nil {
			t.Fatal(err)
		}
		if c, err := env.DB.SetPlan(k.o.Ctx, k.o.Org.ID, "standard"); err != nil || c.PendingPlan != "" {
			t.Fatalf("keep standard = %+v, %v", c, err)
		}
		env.Clock.Advance(month)
		if c := k.want(33_000, 33_000, 0, 0); c.Plan != "standard" {
			t.Fatalf("plan = %s", c.Plan)
		}
	})
}

func TestCreditsCancel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "business")
		if _, err := env.DB.Purchase(k.o.Ctx, k.o.Org.ID, slate.PurchaseInput{Pack: "pack-5k"}); err != nil {
			t.Fatal(err)
		}
		c, err := env.DB.CancelPlan(k.o.Ctx, k.o.Org.ID)
		if err != nil || !c.CancelAtPeriodEnd {
			t.Fatalf("cancel = %+v, %v", c, err)
		}
		// Usable to the end of the paid period.
		k.spend("last scene", 1_000)
		h := k.hold("still rendering", 500)
		env.Clock.Advance(month)
		// Everything goes but what the open hold needs, kept from purchased.
		c = k.want(0, 0, 500, 500)
		if !c.Cancelled || c.CancelAtPeriodEnd {
			t.Fatalf("after the period = %+v", c)
		}
		k.settle(h, 500)
		k.want(0, 0, 0, 0)
		_, err = env.DB.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, Items: []slate.HoldItem{{Key: "more", Amount: 1}}})
		wantCode(t, err, slate.ECREDITS)
		_, err = env.DB.CancelPlan(k.o.Ctx, k.o.Org.ID)
		wantCode(t, err, slate.ECONFLICT)
		// No periods close while cancelled; choosing a plan starts again.
		env.Clock.Advance(3 * month)
		c, err = env.DB.SetPlan(k.o.Ctx, k.o.Org.ID, "community")
		if err != nil || c.Cancelled || c.Monthly != 8_000 || !c.PeriodStart.Equal(env.Clock.Now()) {
			t.Fatalf("resubscribe = %+v, %v", c, err)
		}
		k.verify()
	})
}

// Purchased credits never expire and do not count against the cap.
func TestCreditsPackThenRolloverThenCap(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "business") // 180,000 a month, cap 500,000
		p, err := env.DB.Purchase(k.o.Ctx, k.o.Org.ID, slate.PurchaseInput{Pack: "pack-100k"})
		if err != nil || p.Credits != 100_000 || p.Provider != "grant" {
			t.Fatalf("purchase = %+v, %v", p, err)
		}
		k.adjust("bank", 0, 499_000, 0)
		env.Clock.Advance(month)
		k.want(180_000, 500_000, 100_000, 0)
		env.Clock.Advance(month)
		k.want(180_000, 500_000, 100_000, 0)
		exp := k.entries(slate.TransactionFilter{Kind: slate.EntryExpiry})
		if len(exp) != 2 || exp[0].Amount != -179_000 || exp[1].Amount != -180_000 {
			t.Fatalf("expiries = %+v", exp)
		}
		k.verify()
	})
}
