package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"slate"
	"slate/ledger"
)

var _ slate.CreditService = (*DB)(nil)

// Credits reads an organisation's balance, closing any period that has ended.
func (s *DB) Credits(ctx context.Context, orgID string) (*slate.Credits, error) {
	var out *slate.Credits
	err := s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermRead); err != nil {
			return err
		}
		b, err := s.readBalance(ctx, tx, orgID)
		if err != nil {
			return err
		}
		out = b.credits()
		return nil
	})
	return out, err
}

const transactionColumns = `id, org_id, seq, kind, monthly, rollover, purchased, held,
	monthly_after, rollover_after, purchased_after, held_after, COALESCE(actor_id, ''), COALESCE(hold_id, ''),
	COALESCE(project_id, ''), COALESCE(scene_id, ''), COALESCE(shot_id, ''), COALESCE(shot_name, ''),
	COALESCE(job_id, ''), COALESCE(engine, ''), COALESCE(tier, ''), COALESCE(duration_ms, 0), COALESCE(note, ''), at`

func scanTransaction(r scanner) (*slate.Transaction, error) {
	t := &slate.Transaction{}
	var at int64
	err := r.Scan(&t.ID, &t.OrgID, &t.Seq, &t.Kind, &t.Monthly, &t.Rollover, &t.Purchased, &t.Held,
		&t.MonthlyAfter, &t.RolloverAfter, &t.PurchasedAfter, &t.HeldAfter, &t.ActorID, &t.HoldID,
		&t.ProjectID, &t.SceneID, &t.ShotID, &t.ShotName, &t.JobID, &t.Engine, &t.Tier, &t.DurationMS, &t.Note, &at)
	if err != nil {
		return nil, err
	}
	t.At = fromMS(at)
	t.Amount = t.Monthly + t.Rollover + t.Purchased
	if t.Kind == slate.EntryCharge {
		t.Cost = -t.Amount
	}
	t.BalanceAfter = t.MonthlyAfter + t.RolloverAfter + t.PurchasedAfter - t.HeldAfter
	return t, nil
}

// Transactions lists an organisation's ledger, newest first. Every member
// sees every entry of the pooled balance; what an entry was for is blanked
// where it names a restricted project the member is not on.
func (s *DB) Transactions(ctx context.Context, orgID string, f slate.TransactionFilter) (*slate.Page[*slate.Transaction], error) {
	limit, err := pageLimit(f.Page.Limit)
	if err != nil {
		return nil, err
	}
	before, err := decodeSeqCursor(f.Page.Cursor)
	if err != nil {
		return nil, err
	}
	if f.Kind != "" && !slices.Contains(slate.EntryKinds, f.Kind) {
		return nil, slate.Invalidf("kind", "unknown entry kind %q", f.Kind)
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return nil, slate.Invalidf("to", "the date range ends before it starts")
	}
	var items []*slate.Transaction
	err = s.withReadTx(ctx, func(tx *Tx) error {
		u, perms, err := tx.requireOrg(ctx, orgID, slate.PermRead)
		if err != nil {
			return err
		}
		q := `SELECT ` + transactionColumns + ` FROM ledger_entries WHERE org_id = $1`
		args := []any{orgID}
		arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
		if f.ProjectID != "" {
			p, _, _, err := tx.projectAccess(ctx, f.ProjectID)
			if err != nil {
				return err
			}
			if p.OrgID != orgID {
				return slate.NotFound("project", f.ProjectID)
			}
			q += ` AND project_id = ` + arg(f.ProjectID)
		}
		if f.MemberID != "" {
			q += ` AND actor_id = ` + arg(f.MemberID)
		}
		if f.Kind != "" {
			q += ` AND kind = ` + arg(string(f.Kind))
		}
		if f.From != nil {
			q += ` AND at >= ` + arg(ms(*f.From))
		}
		if f.To != nil {
			q += ` AND at < ` + arg(ms(*f.To))
		}
		if before > 0 {
			q += ` AND seq < ` + arg(before)
		}
		q += ` ORDER BY seq DESC LIMIT ` + arg(limit+1)
		hidden, err := tx.hiddenProjects(ctx, orgID, u.ID, perms)
		if err != nil {
			return err
		}
		items, err = queryAll(ctx, tx, q, scanTransaction, args...)
		for _, t := range items {
			if hidden[t.ProjectID] {
				t.Purpose = slate.Purpose{Engine: t.Engine, Tier: t.Tier, DurationMS: t.DurationMS}
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(t *slate.Transaction) string { return encodeSeqCursor(t.Seq) }), nil
}

// hiddenProjects are the restricted projects of org that userID is not named
// on; owners see every project.
func (tx *Tx) hiddenProjects(ctx context.Context, orgID, userID string, perms slate.Permissions) (map[string]bool, error) {
	hidden := map[string]bool{}
	if perms.Has(slate.PermOwner) {
		return hidden, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT p.id FROM projects p WHERE p.org_id = $1 AND p.restricted
		AND NOT EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = $2)`, orgID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		hidden[id] = true
	}
	return hidden, rows.Err()
}

// Forecast projects the balance to the end of the period from what was
// charged this period and in the last seven days.
func (s *DB) Forecast(ctx context.Context, orgID string) (*slate.Forecast, error) {
	var out slate.Forecast
	err := s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermRead); err != nil {
			return err
		}
		b, err := s.readBalance(ctx, tx, orgID)
		if err != nil {
			return err
		}
		in := ledger.ForecastInput{Balance: b.Balance, Now: tx.now, PeriodEnd: b.end}
		if in.SpentInPeriod, err = tx.charged(ctx, orgID, b.start); err != nil {
			return err
		}
		if in.Spent7Days, err = tx.charged(ctx, orgID, tx.now.Add(-7*24*time.Hour)); err != nil {
			return err
		}
		if b.cancelled {
			// Nothing loads again, so there is no period end to project to.
			in.PeriodEnd = tx.now
		}
		out = ledger.Forecast(in)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// charged sums the charges of org since from.
func (tx *Tx) charged(ctx context.Context, orgID string, from time.Time) (int64, error) {
	var n sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT -SUM(monthly + rollover + purchased) FROM ledger_entries
		WHERE org_id = $1 AND kind = $2 AND at >= $3`, orgID, string(slate.EntryCharge), ms(from)).Scan(&n)
	return n.Int64, err
}
