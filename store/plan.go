package store

import (
	"context"
	"fmt"

	"slate"
	"slate/ledger"
)

// SetPlan changes an organisation's plan. An upgrade (more monthly credits)
// takes effect at once: the period closes into a new one on the new plan,
// anchored now. A downgrade waits for the end of the period. Choosing the
// current plan undoes a pending downgrade or cancel, and choosing any plan
// after a cancelled plan has ended starts it again.
func (s *DB) SetPlan(ctx context.Context, orgID, plan string) (*slate.Credits, error) {
	next, ok := s.plans[plan]
	if !ok {
		return nil, slate.Invalidf("plan", "unknown plan %q", plan)
	}
	var out *slate.Credits
	err := s.withTx(ctx, func(tx *Tx) error {
		u, _, err := tx.requireOrg(ctx, orgID, slate.PermBilling)
		if err != nil {
			return err
		}
		b, err := tx.lockBalance(ctx, orgID)
		if err != nil {
			return err
		}
		cur, err := s.plan(b.plan)
		if err != nil {
			return err
		}
		var detail string
		switch {
		case b.cancelled || next.MonthlyCredits > cur.MonthlyCredits:
			detail = fmt.Sprintf("plan changed from %s to %s", b.plan, plan)
			b.anchor, b.periodIndex = tx.now, 0
			b.start, b.end = ledger.PeriodBounds(b.anchor, 0)
			if err := tx.startPeriod(ctx, b, plan, detail); err != nil {
				return err
			}
		case plan == b.plan:
			detail = fmt.Sprintf("plan stays %s", plan)
			b.pendingPlan, b.cancelAtEnd = "", false
		default:
			detail = fmt.Sprintf("plan changes from %s to %s at the end of the period", b.plan, plan)
			b.pendingPlan, b.cancelAtEnd = plan, false
		}
		if err := tx.saveBalance(ctx, b); err != nil {
			return err
		}
		out = b.credits()
		return tx.audit(ctx, orgID, "", u.ID, "plan.change", nil, detail)
	})
	return out, err
}

// CancelPlan cancels at the end of the period: the account stays usable
// until then, and rollover and purchased credits are forfeited then.
func (s *DB) CancelPlan(ctx context.Context, orgID string) (*slate.Credits, error) {
	var out *slate.Credits
	err := s.withTx(ctx, func(tx *Tx) error {
		u, _, err := tx.requireOrg(ctx, orgID, slate.PermBilling)
		if err != nil {
			return err
		}
		b, err := tx.lockBalance(ctx, orgID)
		if err != nil {
			return err
		}
		if b.cancelled {
			return slate.Errorf(slate.ECONFLICT, "the plan is already cancelled")
		}
		b.pendingPlan, b.cancelAtEnd = "", true
		if err := tx.saveBalance(ctx, b); err != nil {
			return err
		}
		out = b.credits()
		return tx.audit(ctx, orgID, "", u.ID, "plan.cancel", nil, "plan cancelled at the end of the period")
	})
	return out, err
}

// ClosePeriods closes every period that has ended, each organisation in its
// own transaction and every missed boundary in order. It is safe to run
// from several servers at once: the balance row lock and the entries'
// idempotency keys let each boundary close once.
func (s *DB) ClosePeriods(ctx context.Context) (int, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT org_id FROM balances WHERE period_end <= $1 AND NOT cancelled`, ms(s.clock.Now()))
	if err != nil {
		return 0, err
	}
	var due []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		due = append(due, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	closed := 0
	for _, id := range due {
		err := s.withTx(ctx, func(tx *Tx) error {
			_, err := tx.lockBalance(ctx, id)
			return err
		})
		if err != nil {
			return closed, fmt.Errorf("store: close periods of %s: %w", id, err)
		}
		closed++
	}
	return closed, nil
}
