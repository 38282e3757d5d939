package storetest_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/store"
	"slate/store/storetest"
)

// veoOffer is Veo's offer as its adapter makes it: 4, 6 or 8 s, no 4K,
// and at most two jobs running at once across every worker.
var veoOffer = slate.EngineOffer{Name: "veo-3.1", Adapter: "veo", Model: "veo-3.1-generate-preview", MaxConcurrent: 2,
	Tiers: []string{"draft", "standard", "high"}, DurationsMS: []int64{4000, 6000, 8000},
	TierDurationsMS: map[string][]int64{"high": {8000}}}

// eachWithOffers runs fn on a fresh store of every backend whose engines
// have offers.
func eachWithOffers(t *testing.T, offers []slate.EngineOffer, fn func(t *testing.T, env *storetest.Env)) {
	t.Helper()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, storetest.OpenWith(t, b, func(o *store.Options) { o.Offers = offers }))
		})
	}
}

// An estimate prices what the engine renders: the length its model takes,
// with the reason, and never a tier it lacks.
func TestEstimateFollowsEngineOffer(t *testing.T) {
	t.Parallel()
	eachWithOffers(t, []slate.EngineOffer{veoOffer}, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "enterprise", 3, 5_000)
		ctx := k.o.Ctx
		_, err := env.DB.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{All: true}, Engine: "veo-3.1", Tier: "4k"})
		wantCode(t, err, slate.EINVALID)
		if !strings.Contains(err.Error(), "draft, standard, high") {
			t.Errorf("refusal %q does not name the tiers offered", err)
		}
		q, err := env.DB.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{All: true}, Engine: "veo-3.1", Tier: "high"})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range q.Lines {
			// Veo renders 1080p only at 8 s: 8 credits a second × 4 (high) × 8 s.
			if l.DurationMS != 8000 || l.ShotDurationMS != 5000 || l.Cost != 256 || !strings.Contains(l.DurationNote, "8 s") {
				t.Errorf("line %+v; want 8 s billed for a 5 s shot at 256 credits, with the reason", l)
			}
		}
		q = mustEstimate(t, env, ctx, k.o.Project.ID, "veo-3.1", "standard")
		for _, l := range q.Lines {
			// 8 credits a second × 2 (standard) × 6 s billed.
			if l.DurationMS != 6000 || l.ShotDurationMS != 5000 || l.Cost != 96 || !strings.Contains(l.DurationNote, "4, 6 or 8 s") {
				t.Errorf("line %+v; want 6 s billed for a 5 s shot at 96 credits, with the reason", l)
			}
		}
		// A length the model takes is billed as it is, with no note.
		q, err = env.DB.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{All: true}, Engine: "preview", Tier: "high"})
		if err != nil {
			t.Fatal(err)
		}
		if l := q.Lines[0]; l.DurationMS != 5000 || l.ShotDurationMS != 0 || l.DurationNote != "" {
			t.Errorf("preview line %+v; want the shot's own length", l)
		}
		// The submitted job renders the billed length.
		b := k.submit(slate.BatchInput{QuoteID: mustEstimate(t, env, ctx, k.o.Project.ID, "veo-3.1", "standard").ID})
		if j := b.Items[0]; j.DurationMS != 6000 || j.Cost != 96 {
			t.Errorf("job %+v; want 6 s at 96 credits", j)
		}
	})
}

func mustEstimate(t *testing.T, env *storetest.Env, ctx context.Context, projectID, engine, tier string) *slate.Quote {
	t.Helper()
	q, err := env.DB.Estimate(ctx, projectID, slate.EstimateInput{Selection: slate.Selection{All: true}, Engine: engine, Tier: tier})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// A provider's receipt is saved once per attempt, survives a lapsed lease
// so the next worker resumes it, reaches the take, and is forgotten when a
// member retries.
func TestQueueProviderRequest(t *testing.T) {
	t.Parallel()
	eachWithOffers(t, []slate.EngineOffer{veoOffer}, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "enterprise", 2, 8_000)
		db, ctx := env.DB, context.Background()
		b := k.submit(slate.BatchInput{Engine: "veo-3.1", Tier: "draft"})
		c := k.mustClaim("w1", "veo-3.1")
		if c.Request != nil || c.Spec.AspectRatio != "16:9" {
			t.Fatalf("a fresh claim: request %+v, aspect %q; want none and 16:9", c.Request, c.Spec.AspectRatio)
		}
		id := c.Job.ID
		for _, bad := range []slate.ProviderRequest{{}, {ID: strings.Repeat("x", 513)}, {ID: "op", Data: strings.Repeat("d", 4097)}} {
			before := k.snap()
			wantCode(t, db.Submitted(ctx, id, "w1", bad), slate.EINVALID)
			k.unchanged("a malformed receipt", before)
		}
		wantCode(t, db.Submitted(ctx, id, "w2", slate.ProviderRequest{ID: "op-1"}), slate.ECONFLICT)
		receipt := slate.ProviderRequest{ID: "models/veo/operations/op-1", Data: `{"v":1}`}
		if err := db.Submitted(ctx, id, "w1", receipt); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.Submitted(ctx, id, "w1", slate.ProviderRequest{ID: "op-2"}), slate.ECONFLICT)
		j := k.job(id)
		if j.ProviderRequestID != receipt.ID || j.SubmittedAt == nil || !j.SubmittedAt.Equal(env.Clock.Now()) {
			t.Fatalf("job after submission: request %q at %v", j.ProviderRequestID, j.SubmittedAt)
		}

		// The worker dies; its lease lapses; the next worker resumes.
		env.Clock.Advance(31 * time.Second)
		if n, err := db.ReapLeases(ctx); err != nil || n != 1 {
			t.Fatalf("reap = %d, %v", n, err)
		}
		if j := k.job(id); j.State != slate.JobQueued || j.ProviderRequestID != receipt.ID {
			t.Fatalf("after the lapse: %s, request %q; want queued with the request kept", j.State, j.ProviderRequestID)
		}
		c2 := k.mustClaim("w2", "veo-3.1")
		if c2.Job.ID != id || c2.Request == nil || *c2.Request != receipt {
			t.Fatalf("the next claim: job %s, request %+v; want %s resumed with %+v", c2.Job.ID, c2.Request, id, receipt)
		}
		seed := int64(42)
		done, err := db.Finish(ctx, id, "w2", slate.RenderResult{MediaKey: "takes/x.mp4", MediaType: "video/mp4", Width: 1280,
			Height: 720, FrameRate: 24, DurationMS: 8000, Provider: slate.TakeProvider{Model: "veo-3.1-generate-preview",
				Seed: &seed, BilledMS: 8000, Amount: 3_200_000, Unit: "USD", Cost: 3_200_000, Currency: "USD"}})
		if err != nil {
			t.Fatal(err)
		}
		take, err := db.Take(k.o.Ctx, done.TakeID)
		if err != nil {
			t.Fatal(err)
		}
		if p := take.Provider; p.RequestID != receipt.ID || p.Model != "veo-3.1-generate-preview" || p.Seed == nil || *p.Seed != 42 ||
			p.Cost != 3_200_000 || p.BilledMS != 8000 {
			t.Errorf("take's provider %+v", p)
		}

		// A failed job retried by a member is a new render: a new request.
		other := b.Items[1].ID
		c3 := k.mustClaim("w3", "veo-3.1")
		if c3.Job.ID != other {
			t.Fatalf("claimed %s, want %s", c3.Job.ID, other)
		}
		if err := db.Submitted(ctx, other, "w3", slate.ProviderRequest{ID: "op-3"}); err != nil {
			t.Fatal(err)
		}
		k.fail(c3, slate.JobErrPromptRejected)
		if j := k.action(k.o.Ctx, other, slate.ActionRetry); j.ProviderRequestID != "" || j.SubmittedAt != nil {
			t.Fatalf("retried job keeps request %q", j.ProviderRequestID)
		}
		if c4 := k.mustClaim("w4", "veo-3.1"); c4.Request != nil {
			t.Fatalf("a retried job's claim resumes %+v; want a new submission", c4.Request)
		}

		// The margin report sums the take: billing sees it, read does not.
		r, err := db.Margin(k.o.Ctx, k.o.Org.ID, slate.MarginFilter{From: env.Clock.Now(), To: env.Clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		want := slate.MarginRow{Month: env.Clock.Now().UTC().Format("2006-01"), Engine: "veo-3.1", Takes: 1,
			Credits: done.Cost, ProviderCost: 3_200_000, Currency: "USD"}
		if len(r.Rows) != 1 || r.Rows[0] != want {
			t.Errorf("margin rows %+v; want [%+v]", r.Rows, want)
		}
		_, readerCtx := k.member("reader")
		_, err = db.Margin(readerCtx, k.o.Org.ID, slate.MarginFilter{From: env.Clock.Now(), To: env.Clock.Now()})
		wantCode(t, err, slate.EFORBIDDEN)
		_, err = db.Margin(k.o.Ctx, k.o.Org.ID, slate.MarginFilter{From: env.Clock.Now(), To: env.Clock.Now().AddDate(3, 0, 0)})
		wantCode(t, err, slate.EINVALID)
	})
}

// max_concurrent holds whichever worker asks: with two Veo jobs running,
// a worker serving Veo and preview is handed preview work, then nothing,
// until a Veo job ends.
func TestQueueEngineLimit(t *testing.T) {
	t.Parallel()
	eachWithOffers(t, []slate.EngineOffer{veoOffer}, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "enterprise", 4, 4_000)
		k.submit(slate.BatchInput{Engine: "veo-3.1", Tier: "draft", Selection: &slate.Selection{Shots: k.shotIDs()[:3]}})
		k.submit(slate.BatchInput{Engine: "preview", Tier: "draft", Selection: &slate.Selection{Shots: k.shotIDs()[3:]}})
		var veo []*slate.Claim
		for i := range 2 {
			c := k.mustClaim("w", "veo-3.1", "preview")
			if c.Job.Engine != "veo-3.1" {
				t.Fatalf("claim %d: %s; want veo-3.1 (submitted first)", i, c.Job.Engine)
			}
			veo = append(veo, c)
		}
		if c := k.mustClaim("w", "veo-3.1", "preview"); c.Job.Engine != "preview" {
			t.Fatalf("with Veo full: %s; want preview", c.Job.Engine)
		}
		if c := k.claimFor("w", "veo-3.1", "preview"); c != nil {
			t.Fatalf("with Veo full and preview done: claimed %s %s", c.Job.Engine, c.Job.ID)
		}
		k.finish(veo[0])
		if c := k.mustClaim("w", "veo-3.1"); c.Job.Engine != "veo-3.1" {
			t.Fatalf("after a Veo job ended: %s", c.Job.Engine)
		}
	})
}

// Workers claiming at once never run more of an engine than its limit.
// Each worker takes jobs until it is refused, so claims pile up against
// the limit, and after every claim the database's count of running jobs is
// read: a job runs from its claim's commit to its finish's, so that count
// is exactly what a provider would see in flight.
func TestQueueEngineLimitConcurrent(t *testing.T) {
	t.Parallel()
	limited := veoOffer
	limited.MaxConcurrent = 3
	eachWithOffers(t, []slate.EngineOffer{limited}, func(t *testing.T, env *storetest.Env) {
		const jobs, workers = 24, 8
		k := newQueueKit(t, env, "enterprise", jobs, 4_000)
		k.submit(slate.BatchInput{Engine: "veo-3.1", Tier: "draft"})
		raw := queueDB(t, env)
		var peak, finished atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				ctx := context.Background()
				id := "w" + string(rune('a'+w))
				for finished.Load() < jobs {
					var held []*slate.Claim
					for {
						c, err := env.DB.Claim(ctx, slate.ClaimRequest{WorkerID: id, Engines: []string{"veo-3.1"}, Lease: time.Hour})
						if err != nil {
							errs <- err
							return
						}
						if c == nil {
							break
						}
						held = append(held, c)
						var n int64
						if err := raw.QueryRow(`SELECT COUNT(*) FROM jobs WHERE engine = 'veo-3.1' AND state = 'running'`).Scan(&n); err != nil {
							errs <- err
							return
						}
						for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
						}
					}
					for _, c := range held {
						if _, err := env.DB.Finish(ctx, c.Job.ID, id, slate.RenderResult{MediaKey: "k/" + c.Job.ID, MediaType: "video/mp4",
							Width: 640, Height: 360, FrameRate: 24, DurationMS: 4000}); err != nil {
							errs <- err
							return
						}
						finished.Add(1)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if p := peak.Load(); p > 3 || p < 1 {
			t.Errorf("peak of Veo jobs running = %d; want 1..3", p)
		}
		var left int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM jobs WHERE state <> 'succeeded'`).Scan(&left); err != nil || left != 0 {
			t.Errorf("jobs not succeeded: %d, %v", left, err)
		}
	})
}
