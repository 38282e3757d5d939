package store

import (
	"context"
	"database/sql"
	"errors"

	"slate"
	"slate/ledger"
)

// Adjustment is an operator's correction to a balance, such as a goodwill
// grant or a refund of a failed render outside the queue.
type Adjustment struct {
	OrgID string
	// Key makes the adjustment happen once however often it is sent.
	Key                          string
	Monthly, Rollover, Purchased int64
	Note                         string
}

// Adjust applies an operator's adjustment as a ledger entry. It is not a
// member's operation and is not exposed over HTTP: operators run it from
// the command line against the database. An adjustment may not leave a
// bucket negative or open holds uncovered.
func (s *DB) Adjust(ctx context.Context, a Adjustment) (*slate.Credits, error) {
	if a.Key == "" {
		return nil, slate.Invalidf("key", "an adjustment needs a key")
	}
	if a.Monthly == 0 && a.Rollover == 0 && a.Purchased == 0 {
		return nil, slate.Invalidf("amount", "an adjustment must change something")
	}
	var out *slate.Credits
	err := s.withTx(ctx, func(tx *Tx) error {
		b, err := tx.lockBalance(ctx, a.OrgID)
		if err != nil {
			return err
		}
		key := "adjust:" + a.OrgID + ":" + a.Key
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM ledger_entries WHERE idem_key = $1`, key).Scan(&one)
		if err == nil {
			out = b.credits()
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		e := ledger.Entry{Kind: ledger.KindAdjustment, Monthly: a.Monthly, Rollover: a.Rollover, Purchased: a.Purchased}
		if !b.Apply(e).Valid() {
			return slate.Invalidf("amount", "the adjustment would leave a bucket negative or holds uncovered")
		}
		if err := tx.post(ctx, b, e, key, entryMeta{note: a.Note}); err != nil {
			return err
		}
		out = b.credits()
		return tx.saveBalance(ctx, b)
	})
	return out, err
}
