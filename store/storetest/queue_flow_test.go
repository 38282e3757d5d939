package storetest_test

import (
	"testing"

	"slate"
	"slate/store/storetest"
)

// A batch is held in full, claimed, rendered and charged exactly its quote.
func TestQueueSubmitClaimFinish(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 3, 4_000)
		q, err := env.DB.Estimate(k.o.Ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{All: true}, Tier: "standard"})
		if err != nil {
			t.Fatal(err)
		}
		before := k.credits()
		b := k.submit(slate.BatchInput{QuoteID: q.ID})
		if b.Jobs != 3 || b.Estimate != q.Total || b.Held != q.Total || b.States[slate.JobQueued] != 3 {
			t.Fatalf("batch = %+v, want 3 queued jobs holding %d", b, q.Total)
		}
		k.want(before.Monthly, before.Rollover, before.Purchased, q.Total)
		for i := range 3 {
			c := k.claim("w1")
			if c == nil || c.Job.ShotID != k.shots[i].ID || c.Spec.Width != 1280 || c.Spec.Height != 720 || c.Spec.FrameRate != 24 {
				t.Fatalf("claim %d = %+v", i, c)
			}
			j := k.finish(c)
			if j.State != slate.JobSucceeded || j.CostCharged != j.Cost || j.TakeID == "" {
				t.Fatalf("finished job = %+v", j)
			}
		}
		if c := k.claim("w1"); c != nil {
			t.Fatalf("claim on an empty queue = %+v", c)
		}
		k.want(before.Monthly-q.Total, before.Rollover, before.Purchased, 0)
		got, err := env.DB.Batch(k.o.Ctx, b.ID)
		if err != nil || got.Spent != q.Total || got.Progress != 100 || got.States[slate.JobSucceeded] != 3 {
			t.Fatalf("batch after = %+v, %v", got, err)
		}
		takes := k.takes(k.shots[0].ID)
		if len(takes) != 1 || !takes[0].Selected || takes[0].Cost != q.Lines[0].Cost {
			t.Fatalf("takes = %+v", takes)
		}
	})
}
