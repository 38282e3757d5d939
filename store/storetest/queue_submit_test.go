package storetest_test

import (
	"context"
	"fmt"
	"testing"

	"slate"
	"slate/store"
	"slate/store/storetest"
)

// Every kind of selection queues its shots once each, in tree order, each
// job held for its cost, at the default or the asked priority.
func TestQueueSubmitSelections(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k, qt := newQueueTree(t, env, "business", 4_000) // 4 credits a shot at draft, 8 at standard
		db, ctx := env.DB, k.o.Ctx
		if _, err := db.SetTags(ctx, slate.ElementRef{Kind: slate.KindScene, ID: qt.scenes[1].ID}, []string{"Exterior"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetTags(ctx, slate.ElementRef{Kind: slate.KindShot, ID: qt.shots["b2"].ID}, []string{"exterior"}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name     string
			sel      slate.Selection
			tier     string
			priority *int
			want     string
			cost     int64
			prio     int
		}{
			{"shots, out of order", slate.Selection{Shots: qt.ids("b1", "a1")}, "", nil, "a1,b1", 4, 50},
			{"scenes", slate.Selection{Scenes: []string{qt.scenes[2].ID, qt.scenes[1].ID}}, "", ptr(80), "a3,b1,b2", 4, 80},
			{"acts", slate.Selection{Acts: []string{qt.acts[1].ID}}, "standard", ptr(0), "b1,b2", 8, 0},
			{"tags, any case", slate.Selection{Tags: []string{"EXTERIOR"}}, "", ptr(100), "a3,b2", 4, 100},
			{"mixed, no duplicates", slate.Selection{Shots: qt.ids("a2", "b2"), Scenes: []string{qt.scenes[0].ID}}, "", nil, "a1,a2,b2", 4, 50},
			{"all", slate.Selection{All: true}, "standard", ptr(50), "a1,a2,a3,b1,b2", 8, 50},
		}
		var held int64
		start := k.credits()
		for _, tc := range cases {
			b, err := db.Submit(ctx, k.o.Project.ID, slate.BatchInput{Selection: &tc.sel, Tier: tc.tier, Priority: tc.priority})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := names(b.Items); got != tc.want {
				t.Fatalf("%s: shots %s, want %s", tc.name, got, tc.want)
			}
			n := int64(len(b.Items))
			if b.Jobs != int(n) || b.Estimate != n*tc.cost || b.Held != n*tc.cost || b.Spent != 0 ||
				b.States[slate.JobQueued] != int(n) || b.Priority != tc.prio || len(b.Skipped) != 0 || b.SubmittedBy != k.o.User.ID {
				t.Fatalf("%s: batch = %+v", tc.name, b)
			}
			for _, j := range b.Items {
				if j.State != slate.JobQueued || j.Cost != tc.cost || j.CostHeld != tc.cost || j.Priority != tc.prio ||
					j.BatchID != b.ID || j.Engine != "preview" || j.SubmittedBy != k.o.User.ID {
					t.Fatalf("%s: job = %+v", tc.name, j)
				}
				if got := k.jobEntries(j.ID); fmt.Sprint(got) != fmt.Sprintf("[hold %d]", tc.cost) {
					t.Fatalf("%s: entries of %s = %v", tc.name, j.ShotName, got)
				}
			}
			held += b.Held
			k.want(start.Monthly, start.Rollover, start.Purchased, held)
			got, err := db.Batch(ctx, b.ID)
			if err != nil || names(got.Items) != tc.want || got.Held != b.Held || got.Estimate != b.Estimate {
				t.Fatalf("%s: stored batch = %+v, %v", tc.name, got, err)
			}
		}
		k.audit()
	})
}

// A quote's lines become the jobs at the quote's prices.
func TestQueueSubmitFromQuote(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k, qt := newQueueTree(t, env, "standard", 2_500)
		q, err := env.DB.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{
			Selection: slate.Selection{Acts: []string{qt.acts[0].ID}}, Engine: "comfyui", Tier: "high"})
		if err != nil {
			t.Fatal(err)
		}
		// comfyui is 2 a second, ×4 at high: 2.5 s is 20.
		b := k.submit(slate.BatchInput{QuoteID: q.ID, Priority: ptr(70)})
		if names(b.Items) != "a1,a2,a3" || b.QuoteID != q.ID || b.Estimate != q.Total || q.Total != 60 || b.Priority != 70 {
			t.Fatalf("batch = %+v", b)
		}
		for i, j := range b.Items {
			if j.Engine != "comfyui" || j.Tier != "high" || j.Cost != q.Lines[i].Cost || j.CostHeld != j.Cost || j.DurationMS != 2_500 {
				t.Fatalf("job = %+v", j)
			}
		}
		k.want(33_000, 0, 0, 60)
		// A quote is for one batch: submitting it again is refused and
		// holds nothing more.
		before := k.snap()
		_, err = env.DB.Submit(k.o.Ctx, k.o.Project.ID, slate.BatchInput{QuoteID: q.ID})
		wantCode(t, err, slate.ECONFLICT)
		k.unchanged("a second submission of the quote", before)
		k.want(33_000, 0, 0, 60)
		k.audit()
	})
}

// Work that does not fit is refused whole with the shortfall and remedies,
// and nothing at all is written; partial queues what fits, in tree order.
func TestQueueSubmitInsufficientCredits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "community", 0, 0)
		_, shots := k.scene(4_000, 8_000, 2_000, 1_000) // 4, 8, 2, 1 at draft: 15
		k.spend("earlier", 7_993)                       // 7 left
		before := k.snap()
		_, err := env.DB.Submit(k.o.Ctx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
		e := wantCode(t, err, slate.ECREDITS)
		if e.Shortfall != 8 || len(e.Remedies) == 0 {
			t.Fatalf("402 = %+v", e)
		}
		for _, r := range e.Remedies {
			if r.Kind == "pack" {
				t.Fatalf("community may not buy packs, yet a remedy is %+v", r)
			}
		}
		if e.Remedies[len(e.Remedies)-1] != (slate.Remedy{Kind: "plan", Plan: "standard", Credits: 33_000}) {
			t.Fatalf("remedies = %+v", e.Remedies)
		}
		k.unchanged("a refused submission", before)

		// The same at standard by quote: refused too.
		q, err := env.DB.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{All: true}})
		if err != nil || q.Shortfall != 8 {
			t.Fatalf("quote = %+v, %v", q, err)
		}
		before = k.snap()
		_, err = env.DB.Submit(k.o.Ctx, k.o.Project.ID, slate.BatchInput{QuoteID: q.ID})
		wantCode(t, err, slate.ECREDITS)
		k.unchanged("a refused quoted submission", before)

		// Partial: 4 fits (3 left), 8 does not, 2 fits (1 left), 1 fits.
		b := k.submit(slate.BatchInput{Partial: true})
		if names(b.Items) != "Shot A,Shot C,Shot D" || fmt.Sprint(b.Skipped) != fmt.Sprint([]string{shots[1].ID}) ||
			b.Jobs != 3 || b.Held != 7 || b.Estimate != 7 {
			t.Fatalf("partial batch = %+v", b)
		}
		k.want(7, 0, 0, 7)
		stored, err := env.DB.Batch(k.o.Ctx, b.ID)
		if err != nil || stored.Jobs != 3 || len(stored.Skipped) != 0 {
			t.Fatalf("stored partial batch = %+v, %v", stored, err)
		}
		// Nothing fits now: partial is refused like a whole batch.
		before = k.snap()
		_, err = env.DB.Submit(k.o.Ctx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{Shots: []string{shots[0].ID}}, Partial: true})
		if e := wantCode(t, err, slate.ECREDITS); e.Shortfall != 4 {
			t.Fatalf("partial with nothing fitting = %+v", e)
		}
		k.unchanged("a partial submission where nothing fits", before)
		k.audit()
	})
}

// Shots under a lock are refused with the lock, before anything is held,
// whoever submits.
func TestQueueSubmitLocked(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k, qt := newQueueTree(t, env, "business", 4_000)
		_, artist := k.member("artist", slate.PermRunAI)
		lock := func(kind slate.ElementKind, id, reason string) {
			if _, err := env.DB.Lock(k.o.Ctx, slate.ElementRef{Kind: kind, ID: id}, reason); err != nil {
				t.Fatal(err)
			}
		}
		lock(slate.KindShot, qt.shots["a2"].ID, "picture locked")
		lock(slate.KindScene, qt.scenes[1].ID, "scene approved")
		lock(slate.KindAct, qt.acts[1].ID, "act final")
		cases := []struct {
			name string
			sel  slate.Selection
			kind slate.ElementKind
			id   string
			why  string
		}{
			{"locked shot", slate.Selection{Shots: qt.ids("a1", "a2")}, slate.KindShot, qt.shots["a2"].ID, "picture locked"},
			{"shot under a locked scene", slate.Selection{Shots: qt.ids("a3")}, slate.KindScene, qt.scenes[1].ID, "scene approved"},
			{"shot under a locked act", slate.Selection{Scenes: []string{qt.scenes[2].ID}}, slate.KindAct, qt.acts[1].ID, "act final"},
			{"everything", slate.Selection{All: true}, slate.KindShot, qt.shots["a2"].ID, "picture locked"},
		}
		before := k.snap()
		for _, tc := range cases {
			for who, ctx := range map[string]context.Context{"owner": k.o.Ctx, "run_ai member": artist} {
				_, err := env.DB.Submit(ctx, k.o.Project.ID, slate.BatchInput{Selection: &tc.sel})
				e := wantCode(t, err, slate.ELOCKED)
				if e.Lock == nil || e.Lock.Element.Kind != tc.kind || e.Lock.Element.ID != tc.id || e.Lock.Reason != tc.why || e.Lock.By != k.o.User.ID {
					t.Fatalf("%s by %s: lock = %+v", tc.name, who, e.Lock)
				}
			}
		}
		// A quote made before the lock is refused too.
		if err := env.DB.Unlock(k.o.Ctx, slate.ElementRef{Kind: slate.KindShot, ID: qt.shots["a2"].ID}); err != nil {
			t.Fatal(err)
		}
		q, err := env.DB.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{Shots: qt.ids("a1", "a2")}})
		if err != nil {
			t.Fatal(err)
		}
		lock(slate.KindShot, qt.shots["a2"].ID, "again")
		before = k.snap()
		_, err = env.DB.Submit(k.o.Ctx, k.o.Project.ID, slate.BatchInput{QuoteID: q.ID})
		wantCode(t, err, slate.ELOCKED)
		k.unchanged("submitting locked shots", before)
		k.want(180_000, 0, 0, 0)
	})
}

// Bad submissions are refused with the right code and write nothing.
func TestQueueSubmitRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 2, 4_000)
		db, ctx := env.DB, k.o.Ctx
		all := &slate.Selection{All: true}
		q, err := db.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: *all})
		if err != nil {
			t.Fatal(err)
		}
		other := env.NewProject(t, ctx, k.o.Org.ID)
		stranger := newQueueKit(t, env, "business", 1, 4_000)
		sq, err := db.Estimate(stranger.o.Ctx, stranger.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		_, reader := k.member("reader")
		_, artist := k.member("artist", slate.PermRunAI)
		cases := []struct {
			name    string
			ctx     context.Context
			project string
			in      slate.BatchInput
			code    slate.Code
		}{
			{"both quote and selection", ctx, k.o.Project.ID, slate.BatchInput{QuoteID: q.ID, Selection: all}, slate.EINVALID},
			{"quote with a tier", ctx, k.o.Project.ID, slate.BatchInput{QuoteID: q.ID, Tier: "high"}, slate.EINVALID},
			{"neither", ctx, k.o.Project.ID, slate.BatchInput{}, slate.EINVALID},
			{"empty selection", ctx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{}}, slate.EINVALID},
			{"priority below 0", ctx, k.o.Project.ID, slate.BatchInput{Selection: all, Priority: ptr(-1)}, slate.EINVALID},
			{"priority above 100", ctx, k.o.Project.ID, slate.BatchInput{Selection: all, Priority: ptr(101)}, slate.EINVALID},
			{"unknown tier", ctx, k.o.Project.ID, slate.BatchInput{Selection: all, Tier: "8k"}, slate.EINVALID},
			{"unknown engine", ctx, k.o.Project.ID, slate.BatchInput{Selection: all, Engine: "dall-e"}, slate.EINVALID},
			{"4k on business", ctx, k.o.Project.ID, slate.BatchInput{Selection: all, Tier: "4k"}, slate.EPLAN},
			{"4k on business by a run_ai member", artist, k.o.Project.ID, slate.BatchInput{Selection: all, Tier: "4k"}, slate.EPLAN},
			{"quote of another project", ctx, other.ID, slate.BatchInput{QuoteID: q.ID}, slate.ENOTFOUND},
			{"quote of another org", ctx, k.o.Project.ID, slate.BatchInput{QuoteID: sq.ID}, slate.ENOTFOUND},
			{"unknown quote", ctx, k.o.Project.ID, slate.BatchInput{QuoteID: "quote_missing"}, slate.ENOTFOUND},
			{"shot of another org", ctx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{Shots: []string{stranger.shots[0].ID}}}, slate.ENOTFOUND},
			{"another org's project", ctx, stranger.o.Project.ID, slate.BatchInput{Selection: all}, slate.ENOTFOUND},
			{"member without run_ai", reader, k.o.Project.ID, slate.BatchInput{Selection: all}, slate.EFORBIDDEN},
		}
		before, sBefore := k.snap(), stranger.snap()
		for _, tc := range cases {
			_, err := db.Submit(tc.ctx, tc.project, tc.in)
			if slate.ErrorCode(err) != tc.code {
				t.Errorf("%s: err = %v, want %s", tc.name, err, tc.code)
			}
			if tc.code == slate.EFORBIDDEN && slate.ErrorCode(err) == slate.EFORBIDDEN {
				if e := err.(*slate.Error); e.MissingPermission != slate.PermRunAI {
					t.Errorf("%s: missing %s", tc.name, e.MissingPermission)
				}
			}
		}
		k.unchanged("refused submissions", before)
		stranger.unchanged("refused submissions", sBefore)
		// An expired quote: 410.
		env.Clock.Advance(slate.QuoteTTL)
		_, err = db.Submit(ctx, k.o.Project.ID, slate.BatchInput{QuoteID: q.ID})
		wantCode(t, err, slate.EEXPIRED)
		k.unchanged("an expired quote", before)
		// A fresh one works.
		q, err = db.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: *all})
		if err != nil {
			t.Fatal(err)
		}
		if b := k.submit(slate.BatchInput{QuoteID: q.ID}); b.Jobs != 2 {
			t.Fatalf("batch = %+v", b)
		}
	})
}

// Enterprise renders 4K.
func TestQueueSubmit4KOnEnterprise(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "enterprise", 1, 4_000)
		b := k.submit(slate.BatchInput{Tier: "4k"})
		if b.Jobs != 1 || b.Held != 32 {
			t.Fatalf("batch = %+v", b)
		}
		c := k.mustClaim("w")
		if c.Spec.Width != 3840 || c.Spec.Height != 2160 {
			t.Fatalf("spec = %+v", c.Spec)
		}
	})
}

// An engine the server does not run is refused when estimating and when
// submitting, whether asked for or set on a shot.
func TestQueueSubmitUnconfiguredEngine(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := storetest.OpenWith(t, b, func(o *store.Options) { o.Engines = []string{"preview"} })
			k := newQueueKit(t, env, "business", 2, 4_000)
			db, ctx := env.DB, k.o.Ctx
			all := slate.Selection{All: true}
			_, err := db.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: all, Engine: "comfyui"})
			wantCode(t, err, slate.EINVALID)
			before := k.snap()
			_, err = db.Submit(ctx, k.o.Project.ID, slate.BatchInput{Selection: &all, Engine: "comfyui"})
			wantCode(t, err, slate.EINVALID)
			// A shot's own engine override counts too.
			if _, err := db.UpdateShot(ctx, k.shots[1].ID, slate.ShotPatch{Engine: ptr("veo-3.1")}); err != nil {
				t.Fatal(err)
			}
			before = k.snap()
			_, err = db.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: all})
			wantCode(t, err, slate.EINVALID)
			_, err = db.Submit(ctx, k.o.Project.ID, slate.BatchInput{Selection: &all})
			wantCode(t, err, slate.EINVALID)
			k.unchanged("an unconfigured engine", before)
			// Asking for preview overrides the shot's engine.
			if b := k.submit(slate.BatchInput{Engine: "preview"}); b.Jobs != 2 || b.Items[1].Engine != "preview" {
				t.Fatalf("batch = %+v", b)
			}
		})
	}
}
