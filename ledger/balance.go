// Package ledger holds Slate's credit rules as pure functions: the three
// buckets, spending order, holds, charges and releases, the period close with
// its rollover cap and hold coverage, and purchases. It does no I/O: the store
// applies the entries these functions return, in the same transaction as the
// balance they produce, so the stored balance always equals the sum of its
// entries.
package ledger

import (
	"fmt"

	"slate"
)

// Balance is an organisation's credits. The rollover bank shown to users is
// Rollover + Purchased.
type Balance struct {
	Monthly   int64 `json:"monthly"`
	Rollover  int64 `json:"rollover"`
	Purchased int64 `json:"purchased"`
	Held      int64 `json:"held"`
}

// Total is every credit in the buckets, held or not.
func (b Balance) Total() int64 { return b.Monthly + b.Rollover + b.Purchased }

// Available is what new work may still hold.
func (b Balance) Available() int64 { return b.Total() - b.Held }

// Valid reports whether no bucket is negative and holds are covered.
func (b Balance) Valid() bool {
	return b.Monthly >= 0 && b.Rollover >= 0 && b.Purchased >= 0 && b.Held >= 0 && b.Held <= b.Total()
}

// Kind is the kind of a ledger entry.
type Kind string

const (
	KindAllocation Kind = "allocation"
	KindRollover   Kind = "rollover"
	KindExpiry     Kind = "expiry"
	KindPurchase   Kind = "purchase"
	KindHold       Kind = "hold"
	KindRelease    Kind = "release"
	KindCharge     Kind = "charge"
	KindAdjustment Kind = "adjustment"
)

// Entry is one change to a balance, as signed amounts per bucket. Entries
// are append-only; a balance is the sum of its entries.
type Entry struct {
	Kind      Kind  `json:"kind"`
	Monthly   int64 `json:"monthly"`
	Rollover  int64 `json:"rollover"`
	Purchased int64 `json:"purchased"`
	Held      int64 `json:"held"`
}

// Apply returns b changed by e.
func (b Balance) Apply(e Entry) Balance {
	return Balance{
		Monthly:   b.Monthly + e.Monthly,
		Rollover:  b.Rollover + e.Rollover,
		Purchased: b.Purchased + e.Purchased,
		Held:      b.Held + e.Held,
	}
}

// Sum replays entries from zero: what `slate ledger verify` compares with the
// stored balance.
func Sum(entries []Entry) Balance {
	var b Balance
	for _, e := range entries {
		b = b.Apply(e)
	}
	return b
}

// DrawFor splits amount across the buckets in spending order: monthly, then
// rollover, then purchased. It does not look at holds: a charge settles its
// own hold, and an estimate shows where new work would draw from.
func DrawFor(b Balance, amount int64) (slate.Draw, error) {
	if amount < 0 {
		return slate.Draw{}, slate.Invalidf("amount", "amount must not be negative, got %d", amount)
	}
	if amount > b.Total() {
		return slate.Draw{}, Shortfall(amount - b.Total())
	}
	var d slate.Draw
	d.Monthly = min(amount, b.Monthly)
	amount -= d.Monthly
	d.Rollover = min(amount, b.Rollover)
	amount -= d.Rollover
	d.Purchased = amount
	return d, nil
}

// Shortfall is the error for work that needs n more credits than are
// available.
func Shortfall(n int64) *slate.Error {
	return slate.Insufficient(n, nil)
}

// DrawNew is where new work of amount would draw from: open holds come first
// in spending order, since they will be charged first.
func DrawNew(b Balance, amount int64) (slate.Draw, error) {
	if amount < 0 {
		return slate.Draw{}, slate.Invalidf("amount", "amount must not be negative, got %d", amount)
	}
	if amount > b.Available() {
		return slate.Draw{}, Shortfall(amount - b.Available())
	}
	held, err := DrawFor(b, b.Held)
	if err != nil {
		return slate.Draw{}, err
	}
	all, err := DrawFor(b, b.Held+amount)
	if err != nil {
		return slate.Draw{}, err
	}
	return slate.Draw{Monthly: all.Monthly - held.Monthly, Rollover: all.Rollover - held.Rollover,
		Purchased: all.Purchased - held.Purchased}, nil
}

func positive(field string, n int64) error {
	if n <= 0 {
		return slate.Invalidf(field, "%s must be a positive number of credits, got %d", field, n)
	}
	return nil
}

// Hold reserves amount for work about to run: available drops at once, so
// concurrent submissions can never spend the same credits.
func Hold(b Balance, amount int64) (Entry, error) {
	if err := positive("amount", amount); err != nil {
		return Entry{}, err
	}
	if amount > b.Available() {
		return Entry{}, Shortfall(amount - b.Available())
	}
	return Entry{Kind: KindHold, Held: amount}, nil
}

// Release frees a hold whose work failed, was rejected or cancelled.
func Release(b Balance, held int64) (Entry, error) {
	if err := positive("held", held); err != nil {
		return Entry{}, err
	}
	if held > b.Held {
		return Entry{}, fmt.Errorf("ledger: release %d of %d held", held, b.Held)
	}
	return Entry{Kind: KindRelease, Held: -held}, nil
}

// Settle charges actual (never more than held) for finished work, drawing
// buckets in spending order at this moment, and releases the rest of the
// hold. It returns the charge and, when actual < held, the release.
func Settle(b Balance, held, actual int64) ([]Entry, error) {
	if err := positive("held", held); err != nil {
		return nil, err
	}
	if actual < 0 || actual > held {
		return nil, slate.Invalidf("actual", "actual cost %d must be between 0 and the hold of %d", actual, held)
	}
	if held > b.Held {
		return nil, fmt.Errorf("ledger: settle %d of %d held", held, b.Held)
	}
	var out []Entry
	if actual > 0 {
		d, err := DrawFor(b, actual)
		if err != nil {
			// Held credits are always in the buckets: this means corruption.
			return nil, fmt.Errorf("ledger: held credits not covered: %w", err)
		}
		out = append(out, Entry{Kind: KindCharge, Monthly: -d.Monthly, Rollover: -d.Rollover, Purchased: -d.Purchased, Held: -actual})
	}
	if rest := held - actual; rest > 0 {
		out = append(out, Entry{Kind: KindRelease, Held: -rest})
	}
	return out, nil
}

// Purchase adds a credit pack's credits; they never expire.
func Purchase(credits int64) (Entry, error) {
	if err := positive("credits", credits); err != nil {
		return Entry{}, err
	}
	return Entry{Kind: KindPurchase, Purchased: credits}, nil
}
