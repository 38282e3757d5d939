package storetest_test

import (
	"context"
	"testing"
	"time"

	"slate"
	"slate/store"
	"slate/store/storetest"
)

// History older than the cutoff goes; the ledger, the takes and anything
// unfinished stay.
func TestPruneHistory(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 2, 2_000)
		old := k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: k.shotIDs()[:1]}})
		k.finish(k.claim("w"))
		env.Clock.Advance(store.DefaultHistory + time.Hour)
		waiting := k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: k.shotIDs()[1:]}})
		entries := ledgerLen(t, env, k)

		jobs, events, err := env.DB.PruneHistory(context.Background(), env.Clock.Now().Add(-store.DefaultHistory))
		if err != nil || jobs != 1 || events == 0 {
			t.Fatalf("prune = %d jobs, %d events, %v; want the one old job and its events", jobs, events, err)
		}
		if _, err := env.DB.Batch(k.o.Ctx, old.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Fatalf("old batch after prune: %v, want not found", err)
		}
		if b, err := env.DB.Batch(k.o.Ctx, waiting.ID); err != nil || b.Jobs != 1 {
			t.Fatalf("waiting batch after prune = %+v, %v", b, err)
		}
		if takes := k.takes(k.shots[0].ID); len(takes) != 1 {
			t.Fatalf("takes after prune = %+v; the film's history stays", takes)
		}
		if got := ledgerLen(t, env, k); got != entries {
			t.Fatalf("ledger has %d entries after prune, had %d", got, entries)
		}
		evs, err := env.DB.Events(k.o.Ctx, k.o.Org.ID, "", 0)
		if err != nil || len(evs) == 0 {
			t.Fatalf("recent events after prune = %d, %v", len(evs), err)
		}
		for _, e := range evs {
			if e.At.Before(env.Clock.Now().Add(-store.DefaultHistory)) {
				t.Fatalf("event %+v survived the prune", e)
			}
		}
		if n, bad, err := env.DB.VerifyLedger(context.Background()); err != nil || len(bad) != 0 || n == 0 {
			t.Fatalf("verify after prune: %d, %+v, %v", n, bad, err)
		}
	})
}

func ledgerLen(t *testing.T, env *storetest.Env, k *queueKit) int {
	t.Helper()
	page, err := env.DB.Transactions(k.o.Ctx, k.o.Org.ID, slate.TransactionFilter{Page: slate.PageRequest{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}
