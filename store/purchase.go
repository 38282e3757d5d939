package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"slate"
	"slate/ledger"
)

// Purchase buys a credit pack where the plan sells packs. Payment happens
// between two transactions, so no database lock waits on a payment
// provider: the first checks the pack may be bought, the provider takes
// payment under the purchase's key, the second records the credits. A key
// already recorded returns its purchase and changes nothing.
func (s *DB) Purchase(ctx context.Context, orgID string, in slate.PurchaseInput) (*slate.Purchase, error) {
	if s.payments == nil {
		return nil, slate.Errorf(slate.ECONFLICT, "this server takes no payments")
	}
	pack, ok := s.catalog.Pack(in.Pack)
	if !ok {
		return nil, slate.Invalidf("pack", "unknown credit pack %q", in.Pack)
	}
	key := in.Key
	if key == "" {
		key = s.newID("pay")
	}
	key = orgID + ":" + key
	var user *slate.User
	var done *slate.Purchase
	err := s.withReadTx(ctx, func(tx *Tx) error {
		var err error
		if user, _, err = tx.requireOrg(ctx, orgID, slate.PermBilling); err != nil {
			return err
		}
		if done, err = tx.purchaseByKey(ctx, key); done != nil || err != nil {
			return err
		}
		b, err := s.readBalance(ctx, tx, orgID)
		if err != nil {
			return err
		}
		return s.allowPacks(b)
	})
	if err != nil || done != nil {
		return done, err
	}
	receipt, err := s.payments.Pay(ctx, slate.PaymentRequest{OrgID: orgID, UserID: user.ID, Pack: pack, Key: key, PriceCents: pack.PriceCents})
	if err != nil {
		return nil, fmt.Errorf("store: payment for %s: %w", pack.Name, err)
	}
	var out *slate.Purchase
	err = s.withTx(ctx, func(tx *Tx) error {
		var err error
		if out, err = tx.purchaseByKey(ctx, key); out != nil || err != nil {
			return err
		}
		b, err := tx.lockBalance(ctx, orgID)
		if err != nil {
			return err
		}
		// Paid for: the plan may have changed since, but the credits are
		// the buyer's now.
		e, err := ledger.Purchase(pack.Credits)
		if err != nil {
			return err
		}
		out = &slate.Purchase{ID: s.newID("buy"), OrgID: orgID, Pack: pack.Name, Credits: pack.Credits,
			PriceCents: pack.PriceCents, Provider: receipt.Provider, Reference: receipt.Reference, BoughtBy: user.ID, At: tx.now}
		if err := tx.post(ctx, b, e, "purchase:"+key, entryMeta{actorID: user.ID, note: "credit pack " + pack.Name}); err != nil {
			return err
		}
		if err := tx.saveBalance(ctx, b); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO purchases (id, org_id, purchase_key, pack, credits, price_cents,
			provider, reference, bought_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			out.ID, orgID, key, out.Pack, out.Credits, out.PriceCents, out.Provider, out.Reference, out.BoughtBy, ms(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *DB) allowPacks(b *balance) error {
	p, err := s.plan(b.plan)
	if err != nil {
		return err
	}
	if !p.AllowPacks || b.cancelled {
		return slate.Errorf(slate.EPLAN, "the %s plan does not sell credit packs", b.plan)
	}
	return nil
}

func (tx *Tx) purchaseByKey(ctx context.Context, key string) (*slate.Purchase, error) {
	p := &slate.Purchase{}
	var at int64
	err := tx.QueryRowContext(ctx, `SELECT id, org_id, pack, credits, price_cents, provider, reference, bought_by, at
		FROM purchases WHERE purchase_key = $1`, key).
		Scan(&p.ID, &p.OrgID, &p.Pack, &p.Credits, &p.PriceCents, &p.Provider, &p.Reference, &p.BoughtBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p.At = fromMS(at)
	return p, nil
}
