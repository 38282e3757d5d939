package storetest_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"slate"
	"slate/store"
	"slate/store/storetest"
)

// creditKit is one organisation on a plan with a project, and helpers that
// fail the test on any unexpected error.
type creditKit struct {
	t   *testing.T
	env *storetest.Env
	o   *storetest.Owner
}

func newCreditKit(t *testing.T, env *storetest.Env, plan string) *creditKit {
	t.Helper()
	u, ctx := env.NewUser(t, "producer")
	org := env.NewOrg(t, ctx, plan)
	return &creditKit{t: t, env: env, o: &storetest.Owner{User: u, Ctx: ctx, Org: org, Project: env.NewProject(t, ctx, org.ID)}}
}

func (k *creditKit) credits() *slate.Credits {
	k.t.Helper()
	c, err := k.env.DB.Credits(k.o.Ctx, k.o.Org.ID)
	if err != nil {
		k.t.Fatalf("credits: %v", err)
	}
	return c
}

// want checks the buckets and that available follows from them.
func (k *creditKit) want(monthly, rollover, purchased, held int64) *slate.Credits {
	k.t.Helper()
	c := k.credits()
	got := [4]int64{c.Monthly, c.Rollover, c.Purchased, c.Held}
	if want := [4]int64{monthly, rollover, purchased, held}; got != want {
		k.t.Fatalf("balance (monthly, rollover, purchased, held) = %v, want %v", got, want)
	}
	if c.Available != monthly+rollover+purchased-held {
		k.t.Fatalf("available = %d, want %d", c.Available, monthly+rollover+purchased-held)
	}
	return c
}

func (k *creditKit) hold(key string, amount int64) *slate.Hold {
	k.t.Helper()
	hs, err := k.env.DB.Hold(k.o.Ctx, slate.HoldRequest{ProjectID: k.o.Project.ID,
		Items: []slate.HoldItem{{Key: key, Amount: amount, Purpose: slate.Purpose{ShotName: key, Engine: "preview", Tier: "draft", DurationMS: amount * 1000}}}})
	if err != nil {
		k.t.Fatalf("hold %s of %d: %v", key, amount, err)
	}
	return hs[0]
}

func (k *creditKit) settle(h *slate.Hold, actual int64) {
	k.t.Helper()
	if _, err := k.env.DB.Settle(context.Background(), h.ID, actual); err != nil {
		k.t.Fatalf("settle %s with %d: %v", h.Key, actual, err)
	}
}

// spend holds and charges amount at once.
func (k *creditKit) spend(key string, amount int64) {
	k.t.Helper()
	k.settle(k.hold(key, amount), amount)
}

func (k *creditKit) adjust(key string, monthly, rollover, purchased int64) {
	k.t.Helper()
	if _, err := k.env.DB.Adjust(context.Background(), store.Adjustment{OrgID: k.o.Org.ID, Key: key,
		Monthly: monthly, Rollover: rollover, Purchased: purchased, Note: "test setup"}); err != nil {
		k.t.Fatalf("adjust %s: %v", key, err)
	}
}

// entries returns the whole ledger, oldest first.
func (k *creditKit) entries(f slate.TransactionFilter) []*slate.Transaction {
	k.t.Helper()
	var all []*slate.Transaction
	for {
		p, err := k.env.DB.Transactions(k.o.Ctx, k.o.Org.ID, f)
		if err != nil {
			k.t.Fatalf("transactions: %v", err)
		}
		all = append(all, p.Items...)
		if p.NextCursor == "" {
			break
		}
		f.Page.Cursor = p.NextCursor
	}
	slices.Reverse(all)
	return all
}

// kinds lists the kinds and amounts of entries after the first skip.
func (k *creditKit) kinds(skip int) []string {
	k.t.Helper()
	var out []string
	for _, e := range k.entries(slate.TransactionFilter{})[skip:] {
		switch e.Kind {
		case slate.EntryHold, slate.EntryRelease:
			out = append(out, fmt.Sprintf("%s %d", e.Kind, e.Held))
		default:
			out = append(out, fmt.Sprintf("%s %d", e.Kind, e.Amount))
		}
	}
	return out
}

func (k *creditKit) verify() {
	k.t.Helper()
	_, bad, err := k.env.DB.VerifyLedger(context.Background())
	if err != nil || len(bad) > 0 {
		k.t.Fatalf("verify ledger: %v %+v", err, bad)
	}
}

// month is a little more than the longest month, to cross one boundary.
const month = 31 * 24 * time.Hour
