package storetest_test

import (
	"context"
	"testing"
	"time"

	"slate"
	"slate/store"
	"slate/store/storetest"
)

func TestCreditsTransactionsFilterAndPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "business")
		artist, actx := inviteAndJoin(t, env, k.o, "artist", slate.PermRunAI, slate.PermUseCredits)
		second := env.NewProject(t, k.o.Ctx, k.o.Org.ID)
		for i := range 5 {
			k.spend("owner-"+string(rune('a'+i)), 10)
		}
		env.Clock.Advance(24 * time.Hour)
		day2 := env.Clock.Now()
		hs, err := env.DB.Hold(actx, slate.HoldRequest{ProjectID: second.ID, Items: []slate.HoldItem{{Key: "artist-a", Amount: 40,
			Purpose: slate.Purpose{ShotName: "Storm", Engine: "comfyui", Tier: "high", DurationMS: 5_000}}}})
		if err != nil {
			t.Fatal(err)
		}
		k.settle(hs[0], 40)
		count := func(f slate.TransactionFilter) int { return len(k.entries(f)) }
		tests := []struct {
			name string
			f    slate.TransactionFilter
			want int
		}{
			{"everything", slate.TransactionFilter{}, 1 + 12},
			{"charges", slate.TransactionFilter{Kind: slate.EntryCharge}, 6},
			{"member", slate.TransactionFilter{MemberID: artist.ID}, 2},
			{"project", slate.TransactionFilter{ProjectID: second.ID}, 2},
			{"from day two", slate.TransactionFilter{From: &day2}, 2},
			{"before day two", slate.TransactionFilter{To: &day2}, 11},
			{"small pages", slate.TransactionFilter{Page: slate.PageRequest{Limit: 2}}, 13},
		}
		for _, tt := range tests {
			if got := count(tt.f); got != tt.want {
				t.Errorf("%s: %d entries, want %d", tt.name, got, tt.want)
			}
		}
		charge := k.entries(slate.TransactionFilter{MemberID: artist.ID, Kind: slate.EntryCharge})[0]
		if charge.ShotName != "Storm" || charge.Engine != "comfyui" || charge.Tier != "high" || charge.DurationMS != 5_000 ||
			charge.Cost != 40 || charge.ProjectID != second.ID || charge.BalanceAfter != 180_000-90 {
			t.Fatalf("charge = %+v", charge)
		}
		for _, f := range []slate.TransactionFilter{
			{Kind: "bonus"}, {Page: slate.PageRequest{Cursor: "nope"}}, {Page: slate.PageRequest{Limit: -1}},
			{From: &day2, To: &storetest.Epoch},
		} {
			_, err := env.DB.Transactions(k.o.Ctx, k.o.Org.ID, f)
			wantCode(t, err, slate.EINVALID)
		}
	})
}

func TestCreditsPurchaseIsIdempotent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "business")
		p1, err := env.DB.Purchase(k.o.Ctx, k.o.Org.ID, slate.PurchaseInput{Pack: "pack-25k", Key: "order-1"})
		if err != nil {
			t.Fatal(err)
		}
		p2, err := env.DB.Purchase(k.o.Ctx, k.o.Org.ID, slate.PurchaseInput{Pack: "pack-25k", Key: "order-1"})
		if err != nil || p2.ID != p1.ID {
			t.Fatalf("replay = %+v, %v", p2, err)
		}
		k.want(180_000, 0, 25_000, 0)
		_, err = env.DB.Purchase(k.o.Ctx, k.o.Org.ID, slate.PurchaseInput{Pack: "pack-1m"})
		wantCode(t, err, slate.EINVALID)
		std := newCreditKit(t, env, "standard")
		_, err = env.DB.Purchase(std.o.Ctx, std.o.Org.ID, slate.PurchaseInput{Pack: "pack-5k"})
		wantCode(t, err, slate.EPLAN)
		std.want(33_000, 0, 0, 0)
		_, err = env.DB.SetPlan(k.o.Ctx, k.o.Org.ID, "platinum")
		wantCode(t, err, slate.EINVALID)
		k.want(180_000, 0, 25_000, 0)
		k.verify()
	})
}

func TestCreditsAdjustment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "free")
		k.adjust("goodwill", 0, 200, 0)
		k.adjust("goodwill", 0, 200, 0) // the same key: once
		k.want(800, 200, 0, 0)
		k.hold("render", 900)
		_, err := env.DB.Adjust(context.Background(), adjustment(k, "claw back", -800, -200))
		wantCode(t, err, slate.EINVALID) // would uncover the hold
		k.want(800, 200, 0, 900)
	})
}

// VerifyLedger notices a balance that no longer equals its entries.
func TestCreditsVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		newCreditKit(t, env, "free") // a clean org is not reported
		k.spend("a", 100)
		k.verify()
		if _, err := rawDB(t, env).Exec(`UPDATE balances SET rollover = rollover + 5 WHERE org_id = $1`, k.o.Org.ID); err != nil {
			t.Fatal(err)
		}
		_, bad, err := env.DB.VerifyLedger(context.Background())
		if err != nil || len(bad) != 1 || bad[0].OrgID != k.o.Org.ID || bad[0].Stored.Rollover != 5 || bad[0].Summed.Rollover != 0 {
			t.Fatalf("verify = %+v, %v", bad, err)
		}
	})
}

func adjustment(k *creditKit, key string, monthly, rollover int64) store.Adjustment {
	return store.Adjustment{OrgID: k.o.Org.ID, Key: key, Monthly: monthly, Rollover: rollover}
}
