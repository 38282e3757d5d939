package ledger_test

import (
	"reflect"
	"testing"

	"slate"
	"slate/ledger"
	"slate/pricing"
)

func plan(t *testing.T, name string) slate.Plan {
	t.Helper()
	for _, p := range pricing.DefaultPlans() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no plan %q", name)
	return slate.Plan{}
}

func TestClose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		plan    string
		before  ledger.Balance
		after   ledger.Balance
		expired int64
	}{
		{
			// The spec's worked example.
			name:    "standard: unused monthly rolls over, bank capped at 100,000",
			plan:    "standard",
			before:  ledger.Balance{Monthly: 5_000, Rollover: 98_000, Purchased: 2_000},
			after:   ledger.Balance{Monthly: 33_000, Rollover: 100_000, Purchased: 2_000},
			expired: 3_000,
		},
		{
			name:   "under the cap nothing expires",
			plan:   "standard",
			before: ledger.Balance{Monthly: 1_000, Rollover: 10_000},
			after:  ledger.Balance{Monthly: 33_000, Rollover: 11_000},
		},
		{
			name:    "free plan keeps no rollover",
			plan:    "free",
			before:  ledger.Balance{Monthly: 300},
			after:   ledger.Balance{Monthly: 800},
			expired: 300,
		},
		{
			name:   "purchased credits never expire nor count against the cap",
			plan:   "community",
			before: ledger.Balance{Monthly: 0, Rollover: 1_000, Purchased: 50_000},
			after:  ledger.Balance{Monthly: 8_000, Rollover: 1_000, Purchased: 50_000},
		},
		{
			name:   "enterprise has no cap",
			plan:   "enterprise",
			before: ledger.Balance{Monthly: 400_000, Rollover: 9_000_000},
			after:  ledger.Balance{Monthly: 1_000_000, Rollover: 9_400_000},
		},
		{
			// Holds placed in the old period stay covered by old credits.
			name:    "expiry keeps just enough to cover open holds",
			plan:    "free",
			before:  ledger.Balance{Monthly: 500, Held: 200},
			after:   ledger.Balance{Monthly: 800, Rollover: 200, Held: 200},
			expired: 300,
		},
		{
			name:    "purchased credits count towards hold coverage first",
			plan:    "community",
			before:  ledger.Balance{Monthly: 2_000, Rollover: 1_000, Purchased: 500, Held: 1_200},
			after:   ledger.Balance{Monthly: 8_000, Rollover: 1_000, Purchased: 500, Held: 1_200},
			expired: 2_000,
		},
		{
			name:    "holds above the cap keep rollover above the cap",
			plan:    "community",
			before:  ledger.Balance{Monthly: 3_000, Rollover: 1_000, Held: 2_500},
			after:   ledger.Balance{Monthly: 8_000, Rollover: 2_500, Held: 2_500},
			expired: 1_500,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entries := ledger.Close(tt.before, plan(t, tt.plan))
			got := ledger.After(tt.before, entries)
			if got != tt.after {
				t.Errorf("after close = %+v, want %+v", got, tt.after)
			}
			var expired int64
			for _, e := range entries {
				if e.Kind == ledger.KindExpiry {
					expired -= e.Rollover
				}
			}
			if expired != tt.expired {
				t.Errorf("expired %d, want %d", expired, tt.expired)
			}
			if !got.Valid() {
				t.Errorf("close left an invalid balance %+v", got)
			}
		})
	}
}

func TestCloseIsOrderedRolloverExpiryAllocation(t *testing.T) {
	t.Parallel()
	got := ledger.Close(ledger.Balance{Monthly: 5_000, Rollover: 98_000}, plan(t, "standard"))
	want := []ledger.Entry{
		{Kind: ledger.KindRollover, Monthly: -5_000, Rollover: 5_000},
		{Kind: ledger.KindExpiry, Rollover: -3_000},
		{Kind: ledger.KindAllocation, Monthly: 33_000},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %+v\nwant %+v", got, want)
	}
}

func TestDrawFor(t *testing.T) {
	t.Parallel()
	b := ledger.Balance{Monthly: 100, Rollover: 50, Purchased: 25}
	tests := []struct {
		amount int64
		want   slate.Draw
		code   slate.Code
	}{
		{0, slate.Draw{}, ""},
		{60, slate.Draw{Monthly: 60}, ""},
		{100, slate.Draw{Monthly: 100}, ""},
		{120, slate.Draw{Monthly: 100, Rollover: 20}, ""},
		{175, slate.Draw{Monthly: 100, Rollover: 50, Purchased: 25}, ""},
		{176, slate.Draw{}, slate.ECREDITS},
		{-1, slate.Draw{}, slate.EINVALID},
	}
	for _, tt := range tests {
		got, err := ledger.DrawFor(b, tt.amount)
		if slate.ErrorCode(err) != tt.code {
			t.Errorf("DrawFor(%d) error = %v, want %q", tt.amount, err, tt.code)
		}
		if err == nil && got != tt.want {
			t.Errorf("DrawFor(%d) = %+v, want %+v", tt.amount, got, tt.want)
		}
	}
}

func TestHoldSettleRelease(t *testing.T) {
	t.Parallel()
	b := ledger.Balance{Monthly: 30, Rollover: 50}
	h, err := ledger.Hold(b, 60)
	if err != nil {
		t.Fatal(err)
	}
	b = b.Apply(h)
	if b.Available() != 20 {
		t.Fatalf("available after hold = %d, want 20", b.Available())
	}
	if _, err := ledger.Hold(b, 21); slate.ErrorCode(err) != slate.ECREDITS {
		t.Errorf("hold beyond available: got %v, want insufficient_credits", err)
	}
	for _, bad := range []int64{0, -5} {
		if _, err := ledger.Hold(b, bad); slate.ErrorCode(err) != slate.EINVALID {
			t.Errorf("hold %d: got %v, want invalid", bad, err)
		}
	}
	if _, err := ledger.Settle(b, 60, 61); slate.ErrorCode(err) != slate.EINVALID {
		t.Errorf("charge above hold: got %v, want invalid", err)
	}
	entries, err := ledger.Settle(b, 60, 45)
	if err != nil {
		t.Fatal(err)
	}
	b = ledger.After(b, entries)
	want := ledger.Balance{Monthly: 0, Rollover: 35}
	if b != want {
		t.Errorf("after settle = %+v, want %+v (monthly first, rest of hold released)", b, want)
	}
	if len(entries) != 2 || entries[0].Kind != ledger.KindCharge || entries[1].Kind != ledger.KindRelease || entries[1].Held != -15 {
		t.Errorf("settle entries = %+v, want a charge of 45 and a release of 15", entries)
	}
	h, _ = ledger.Hold(b, 10)
	b = b.Apply(h)
	r, err := ledger.Release(b, 10)
	if err != nil {
		t.Fatal(err)
	}
	if b = b.Apply(r); b != want {
		t.Errorf("release did not restore the balance: %+v", b)
	}
}

func TestHoldPlacedThenPeriodClosesThenSettles(t *testing.T) {
	t.Parallel()
	b := ledger.Balance{Monthly: 800}
	h, _ := ledger.Hold(b, 700)
	b = b.Apply(h)
	b = ledger.After(b, ledger.Close(b, plan(t, "free")))
	if b.Rollover != 700 || b.Monthly != 800 {
		t.Fatalf("after close = %+v: the hold's credits must stay", b)
	}
	entries, err := ledger.Settle(b, 700, 700)
	if err != nil {
		t.Fatal(err)
	}
	b = ledger.After(b, entries)
	// The charge draws in spending order at that moment: the new month first.
	if want := (ledger.Balance{Monthly: 100, Rollover: 700}); b != want {
		t.Errorf("after settle = %+v, want %+v", b, want)
	}
	if !b.Valid() {
		t.Errorf("invalid balance %+v", b)
	}
}

func TestForfeit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		before, after ledger.Balance
	}{
		{ledger.Balance{Monthly: 10, Rollover: 20, Purchased: 30}, ledger.Balance{}},
		{ledger.Balance{Monthly: 10, Rollover: 20, Purchased: 30, Held: 40}, ledger.Balance{Rollover: 10, Purchased: 30, Held: 40}},
		{ledger.Balance{Monthly: 50, Held: 20}, ledger.Balance{Rollover: 20, Held: 20}},
		{ledger.Balance{}, ledger.Balance{}},
	}
	for _, tt := range tests {
		if got := ledger.After(tt.before, ledger.Forfeit(tt.before)); got != tt.after {
			t.Errorf("Forfeit(%+v) = %+v, want %+v", tt.before, got, tt.after)
		}
	}
}

func TestPurchase(t *testing.T) {
	t.Parallel()
	if _, err := ledger.Purchase(0); slate.ErrorCode(err) != slate.EINVALID {
		t.Errorf("purchase 0: got %v", err)
	}
	e, err := ledger.Purchase(5_000)
	if err != nil || e.Purchased != 5_000 || e.Kind != ledger.KindPurchase {
		t.Errorf("purchase: %+v %v", e, err)
	}
}
