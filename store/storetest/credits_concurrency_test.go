package storetest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"slate"
	"slate/store/storetest"
)

// creditsOrg is a fresh organisation on plan with a project, for the
// credit tests.
type creditsOrg struct {
	ctx     context.Context
	orgID   string
	project string
}

func newCreditsOrg(t *testing.T, env *storetest.Env, plan string) *creditsOrg {
	t.Helper()
	_, ctx := env.NewUser(t, "owner")
	o := env.NewOrg(t, ctx, plan)
	return &creditsOrg{ctx: ctx, orgID: o.ID, project: env.NewProject(t, ctx, o.ID).ID}
}

func (c *creditsOrg) hold(env *storetest.Env, key string, amount int64) (*slate.Hold, error) {
	hs, err := env.DB.Hold(c.ctx, slate.HoldRequest{ProjectID: c.project, Items: []slate.HoldItem{{Key: key, Amount: amount}}})
	if err != nil {
		return nil, err
	}
	if len(hs) != 1 {
		return nil, fmt.Errorf("hold returned %d holds", len(hs))
	}
	return hs[0], nil
}

func (c *creditsOrg) credits(t *testing.T, env *storetest.Env) *slate.Credits {
	t.Helper()
	cr, err := env.DB.Credits(c.ctx, c.orgID)
	if err != nil {
		t.Fatalf("credits: %v", err)
	}
	return cr
}

// entries counts the organisation's ledger entries of kind.
func (c *creditsOrg) entries(t *testing.T, env *storetest.Env, kind slate.EntryKind) int {
	t.Helper()
	n := 0
	f := slate.TransactionFilter{Kind: kind, Page: slate.PageRequest{Limit: 100}}
	for {
		page, err := env.DB.Transactions(c.ctx, c.orgID, f)
		if err != nil {
			t.Fatalf("transactions: %v", err)
		}
		n += len(page.Items)
		if page.NextCursor == "" {
			return n
		}
		f.Page.Cursor = page.NextCursor
	}
}

func verifyLedger(t *testing.T, env *storetest.Env) {
	t.Helper()
	_, ms, err := env.DB.VerifyLedger(context.Background())
	if err != nil {
		t.Fatalf("verify ledger: %v", err)
	}
	for _, m := range ms {
		t.Errorf("ledger mismatch: %+v", m)
	}
}

// run starts n goroutines at once and waits for them.
func runTogether(n int, fn func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// 200 holds of 10 race for exactly 1,000 available credits: exactly 100
// fit, the rest are refused for credits, and nothing is spent twice.
func TestCreditsConcurrentHolds(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		c := newCreditsOrg(t, env, "community")
		// Community loads 8,000: charge 7,000 to leave exactly 1,000.
		h, err := c.hold(env, "setup:"+c.orgID, 7_000)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.Settle(c.ctx, h.ID, 7_000); err != nil {
			t.Fatal(err)
		}
		if cr := c.credits(t, env); cr.Available != 1_000 || cr.Monthly != 1_000 || cr.Held != 0 {
			t.Fatalf("before the race: %+v, want 1,000 available", cr)
		}

		const n, amount = 200, 10
		holds := make([]*slate.Hold, n)
		errs := make([]error, n)
		runTogether(n, func(i int) {
			holds[i], errs[i] = c.hold(env, fmt.Sprintf("race:%s:%d", c.orgID, i), amount)
		})
		var ok, refused int
		ids := map[string]bool{}
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
				ids[holds[i].ID] = true
				if holds[i].Amount != amount || holds[i].State != slate.HoldOpen {
					t.Errorf("hold %d: %+v", i, holds[i])
				}
			case slate.ErrorCode(err) == slate.ECREDITS:
				refused++
			default:
				t.Errorf("hold %d: %v, want success or %s", i, err, slate.ECREDITS)
			}
		}
		if ok != 100 || refused != 100 || len(ids) != 100 {
			t.Fatalf("%d holds placed (%d distinct), %d refused; want 100 and 100", ok, len(ids), refused)
		}
		if cr := c.credits(t, env); cr.Available != 0 || cr.Held != 1_000 || cr.Monthly != 1_000 {
			t.Fatalf("after the race: %+v, want 1,000 held and 0 available", cr)
		}
		if got := c.entries(t, env, slate.EntryHold); got != 101 {
			t.Errorf("%d hold entries, want 101", got)
		}
		verifyLedger(t, env)

		// Settling all of them at once charges each once.
		runTogether(n, func(i int) {
			if errs[i] != nil {
				return
			}
			if _, err := env.DB.Settle(c.ctx, holds[i].ID, amount); err != nil {
				t.Errorf("settle %d: %v", i, err)
			}
		})
		if cr := c.credits(t, env); cr.Available != 0 || cr.Held != 0 || cr.Monthly != 0 || cr.Rollover != 0 {
			t.Fatalf("after settling: %+v, want everything spent", cr)
		}
		if got := c.entries(t, env, slate.EntryCharge); got != 101 {
			t.Errorf("%d charge entries, want 101", got)
		}
		verifyLedger(t, env)
	})
}

// Many settles of one hold at once charge it once; every one of them sees
// the settled hold.
func TestCreditsConcurrentSettle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		c := newCreditsOrg(t, env, "community")
		h, err := c.hold(env, "job:"+c.orgID, 500)
		if err != nil {
			t.Fatal(err)
		}
		const n = 50
		got := make([]*slate.Hold, n)
		errs := make([]error, n)
		runTogether(n, func(i int) { got[i], errs[i] = env.DB.Settle(c.ctx, h.ID, 300) })
		for i, err := range errs {
			if err != nil {
				t.Errorf("settle %d: %v", i, err)
			} else if got[i].ID != h.ID || got[i].State != slate.HoldSettled || got[i].Charged != 300 {
				t.Errorf("settle %d returned %+v", i, got[i])
			}
		}
		if cr := c.credits(t, env); cr.Monthly != 7_700 || cr.Held != 0 || cr.Available != 7_700 {
			t.Fatalf("after settling: %+v, want 300 charged once", cr)
		}
		if n := c.entries(t, env, slate.EntryCharge); n != 1 {
			t.Errorf("%d charge entries, want 1", n)
		}
		if n := c.entries(t, env, slate.EntryRelease); n != 1 {
			t.Errorf("%d release entries, want 1 (the 200 left of the hold)", n)
		}
		verifyLedger(t, env)
	})
}

// Settles and releases of one hold race: exactly one way wins, the others
// conflict (or repeat the winner), and the balance shows only the winner.
func TestCreditsConcurrentSettleOrRelease(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		c := newCreditsOrg(t, env, "community")
		for round := range 5 {
			before := c.credits(t, env)
			h, err := c.hold(env, fmt.Sprintf("job:%s:%d", c.orgID, round), 400)
			if err != nil {
				t.Fatal(err)
			}
			const n = 20
			errs := make([]error, n)
			runTogether(n, func(i int) {
				if i%2 == 0 {
					_, errs[i] = env.DB.Settle(c.ctx, h.ID, 400)
				} else {
					_, errs[i] = env.DB.Release(c.ctx, h.ID)
				}
			})
			var settled, released int
			for i, err := range errs {
				switch {
				case err == nil && i%2 == 0:
					settled++
				case err == nil:
					released++
				case slate.ErrorCode(err) != slate.ECONFLICT:
					t.Errorf("round %d, call %d: %v, want success or conflict", round, i, err)
				}
			}
			after := c.credits(t, env)
			switch {
			case settled == n/2 && released == 0:
				if after.Available != before.Available-400 || after.Held != 0 {
					t.Errorf("round %d: settled, but %+v after %+v", round, after, before)
				}
			case released == n/2 && settled == 0:
				if after.Available != before.Available || after.Held != 0 {
					t.Errorf("round %d: released, but %+v after %+v", round, after, before)
				}
			default:
				t.Errorf("round %d: %d settles and %d releases succeeded; want all of one kind and none of the other", round, settled, released)
			}
		}
		verifyLedger(t, env)
	})
}

// Holds with one key placed at once are one hold: a retried submission
// never holds twice.
func TestCreditsConcurrentSameKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		c := newCreditsOrg(t, env, "community")
		const n = 50
		holds := make([]*slate.Hold, n)
		errs := make([]error, n)
		key := "job:" + c.orgID
		runTogether(n, func(i int) { holds[i], errs[i] = c.hold(env, key, 10) })
		ids := map[string]int{}
		for i, err := range errs {
			if err != nil {
				t.Errorf("hold %d: %v", i, err)
				continue
			}
			ids[holds[i].ID]++
		}
		if len(ids) != 1 {
			t.Errorf("holds with one key: %v, want one id", ids)
		}
		if cr := c.credits(t, env); cr.Held != 10 || cr.Available != 8_000-10 {
			t.Errorf("after the race: %+v, want 10 held", cr)
		}
		if got := c.entries(t, env, slate.EntryHold); got != 1 {
			t.Errorf("%d hold entries, want 1", got)
		}
		verifyLedger(t, env)
	})
}
