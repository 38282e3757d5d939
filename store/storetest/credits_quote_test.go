package storetest_test

import (
	"context"
	"testing"
	"time"

	"slate"
	"slate/pricing"
	"slate/store"
	"slate/store/storetest"
)

// scene adds a scene of shots with the given durations to the kit's
// project, at the project's default engine and tier (preview, draft).
func (k *creditKit) scene(durations ...int64) (*slate.Scene, []*slate.Shot) {
	k.t.Helper()
	db, ctx := k.env.DB, k.o.Ctx
	act, err := db.CreateAct(ctx, k.o.Project.ID, slate.ActInput{Name: "Act"})
	if err != nil {
		k.t.Fatal(err)
	}
	sc, err := db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Scene"})
	if err != nil {
		k.t.Fatal(err)
	}
	var shots []*slate.Shot
	for i, d := range durations {
		sh, err := db.CreateShot(ctx, sc.ID, slate.ShotInput{Name: "Shot " + string(rune('A'+i)), DurationMS: d})
		if err != nil {
			k.t.Fatal(err)
		}
		shots = append(shots, sh)
	}
	return sc, shots
}

func TestCreditsEstimate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		sc, shots := k.scene(4_000, 2_500, 8_000)
		k.spend("earlier", 7_990) // 10 monthly left
		k.adjust("bank", 0, 100, 0)
		q, err := env.DB.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{
			Selection: slate.Selection{Scenes: []string{sc.ID}}, Tier: "standard"})
		if err != nil {
			t.Fatal(err)
		}
		// preview is 1 credit a second at draft, ×2 at standard; 2.5 s is 5.
		if len(q.Lines) != 3 || q.Lines[0].Cost != 8 || q.Lines[1].Cost != 5 || q.Lines[2].Cost != 16 || q.Lines[1].ShotName != "Shot B" {
			t.Fatalf("lines = %+v", q.Lines)
		}
		if q.Total != 29 || q.BalanceBefore != 110 || q.BalanceAfter != 81 || q.Shortfall != 0 {
			t.Fatalf("quote = %+v", q)
		}
		if q.Draw != (slate.Draw{Monthly: 10, Rollover: 19}) {
			t.Fatalf("draw = %+v", q.Draw)
		}
		if q.PriceBookVersion != env.DB.Catalog().PriceBook.Version || !q.ExpiresAt.Equal(env.Clock.Now().Add(15*time.Minute)) {
			t.Fatalf("quote = %+v", q)
		}
		stored, err := env.DB.Quote(k.o.Ctx, q.ID)
		if err != nil || stored.Total != q.Total || len(stored.Lines) != 3 {
			t.Fatalf("stored quote = %+v, %v", stored, err)
		}
		// A quote holds at its own prices, one hold per line.
		hs, err := env.DB.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, QuoteID: q.ID})
		if err != nil || len(hs) != 3 || hs[2].Amount != 16 || hs[2].ShotID != shots[2].ID || hs[2].QuoteID != q.ID {
			t.Fatalf("quoted holds = %+v, %v", hs, err)
		}
		k.want(10, 100, 0, 29)
		// Estimating does not hold; an estimate that does not fit is still
		// a quote, with its shortfall and remedies (at veo-3.1 no cheaper tier fits).
		q, err = env.DB.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{All: true}, Engine: "veo-3.1", Tier: "high"})
		if err != nil {
			t.Fatal(err)
		}
		if q.Total != 464 || q.Shortfall != 464-81 || len(q.Remedies) != 1 || q.Remedies[0].Plan != "standard" {
			t.Fatalf("short quote = %+v", q)
		}
		k.want(10, 100, 0, 29)
	})
}

func TestCreditsEstimateRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "business")
		sc, _ := k.scene(4_000)
		sel := slate.Selection{Scenes: []string{sc.ID}}
		cases := []struct {
			name string
			in   slate.EstimateInput
			code slate.Code
		}{
			{"4k without the plan", slate.EstimateInput{Selection: sel, Tier: "4k"}, slate.EPLAN},
			{"unknown engine", slate.EstimateInput{Selection: sel, Engine: "dall-e"}, slate.EINVALID},
			{"unknown tier", slate.EstimateInput{Selection: sel, Tier: "8k"}, slate.EINVALID},
			{"empty selection", slate.EstimateInput{}, slate.EINVALID},
			{"unknown scene", slate.EstimateInput{Selection: slate.Selection{Scenes: []string{"scn_missing"}}}, slate.ENOTFOUND},
		}
		for _, tc := range cases {
			_, err := env.DB.Estimate(k.o.Ctx, k.o.Project.ID, tc.in)
			if slate.ErrorCode(err) != tc.code {
				t.Errorf("%s: err = %v, want %s", tc.name, err, tc.code)
			}
		}
		// Enterprise includes 4K.
		u, ctx := env.NewUser(t, "studio")
		org := env.NewOrg(t, ctx, "enterprise")
		e := &creditKit{t: t, env: env, o: &storetest.Owner{User: u, Ctx: ctx, Org: org, Project: env.NewProject(t, ctx, org.ID)}}
		esc, _ := e.scene(4_000)
		q, err := env.DB.Estimate(ctx, e.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{Scenes: []string{esc.ID}}, Tier: "4k"})
		if err != nil || q.Total != 32 {
			t.Fatalf("enterprise 4k = %+v, %v", q, err)
		}
	})
}

func TestCreditsQuoteRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		sc, shots := k.scene(4_000)
		q, err := env.DB.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{Scenes: []string{sc.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		other := newCreditKit(t, env, "community")
		_, err = env.DB.Hold(other.o.Ctx, slate.HoldRequest{ProjectID: other.o.Project.ID, QuoteID: q.ID})
		wantCode(t, err, slate.ENOTFOUND)
		_, err = env.DB.Quote(other.o.Ctx, q.ID)
		wantCode(t, err, slate.ENOTFOUND)
		_, err = env.DB.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, QuoteID: q.ID,
			Items: []slate.HoldItem{{Key: "x", Purpose: slate.Purpose{ShotID: "sh_missing"}}}})
		wantCode(t, err, slate.EINVALID)
		_, err = env.DB.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, QuoteID: q.ID,
			Items: []slate.HoldItem{{Key: "x", Amount: 1, Purpose: slate.Purpose{ShotID: shots[0].ID}}}})
		wantCode(t, err, slate.EINVALID)
		env.Clock.Advance(15 * time.Minute)
		_, err = env.DB.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, QuoteID: q.ID})
		wantCode(t, err, slate.EEXPIRED)
		k.want(8_000, 0, 0, 0)
		other.want(8_000, 0, 0, 0)
	})
}

// A price-book change makes a new version; a quote made before it keeps
// its prices.
func TestCreditsPriceBookVersions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newCreditKit(t, env, "community")
		sc, _ := k.scene(10_000)
		sel := slate.Selection{Scenes: []string{sc.ID}}
		old, err := env.DB.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{Selection: sel})
		if err != nil || old.Total != 10 {
			t.Fatalf("quote = %+v, %v", old, err)
		}
		cat := pricing.Default()
		cat.PriceBook.Engines[0].CreditsPerSecond = 3 // preview
		db2, err := store.Open(context.Background(), env.DSN, store.Options{Clock: env.Clock, Catalog: cat, PasswordParams: storetest.FastPasswords})
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		if v1, v2 := env.DB.Catalog().PriceBook.Version, db2.Catalog().PriceBook.Version; v2 != v1+1 {
			t.Fatalf("versions %d then %d", v1, v2)
		}
		q, err := db2.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{Selection: sel})
		if err != nil || q.Total != 30 || q.PriceBookVersion != db2.Catalog().PriceBook.Version {
			t.Fatalf("new quote = %+v, %v", q, err)
		}
		hs, err := db2.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID, QuoteID: old.ID})
		if err != nil || hs[0].Amount != 10 {
			t.Fatalf("hold at the old quote = %+v, %v", hs, err)
		}
		// Opening with the first book again finds its version.
		db3, err := store.Open(context.Background(), env.DSN, store.Options{Clock: env.Clock, PasswordParams: storetest.FastPasswords})
		if err != nil {
			t.Fatal(err)
		}
		defer db3.Close()
		if db3.Catalog().PriceBook.Version != env.DB.Catalog().PriceBook.Version {
			t.Fatalf("default book version = %d, want %d", db3.Catalog().PriceBook.Version, env.DB.Catalog().PriceBook.Version)
		}
	})
}
