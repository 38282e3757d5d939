package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"slate"
	"slate/ledger"
)

// balance is an organisation's balances row: the buckets, the billing period
// and the budget. It changes only through post, which writes the ledger
// entry beside it, and reaches the database through save.
type balance struct {
	orgID string
	plan  string
	ledger.Balance
	entries     int64
	period      int64
	anchor      time.Time
	periodIndex int64
	start, end  time.Time
	allocation  int64
	pendingPlan string
	cancelAtEnd bool
	cancelled   bool
	budget      storedBudget
}

// storedBudget is the budget column: the organisation's budget and every
// project's, so a hold reads all its limits with the balance row it locks.
type storedBudget struct {
	slate.Budget
	Projects map[string]int64 `json:"projects,omitempty"`
}

const balanceColumns = `org_id, plan, monthly, rollover, purchased, held, entries, period, anchor_at,
	period_index, period_start, period_end, allocation, pending_plan, cancel_at_end, cancelled, budget`

func scanBalance(row scanner) (*balance, error) {
	b := &balance{}
	var anchor, start, end int64
	var pending sql.NullString
	var budget string
	err := row.Scan(&b.orgID, &b.plan, &b.Monthly, &b.Rollover, &b.Purchased, &b.Held, &b.entries, &b.period,
		&anchor, &b.periodIndex, &start, &end, &b.allocation, &pending, &b.cancelAtEnd, &b.cancelled, &budget)
	if err != nil {
		return nil, err
	}
	b.anchor, b.start, b.end, b.pendingPlan = fromMS(anchor), fromMS(start), fromMS(end), pending.String
	if err := json.Unmarshal([]byte(budget), &b.budget); err != nil {
		return nil, fmt.Errorf("store: budget of %s: %w", b.orgID, err)
	}
	return b, nil
}

// due reports whether the period has ended and must be closed before the
// balance is used.
func (b *balance) due(now time.Time) bool { return !b.cancelled && !now.Before(b.end) }

// credits is the balance as clients see it.
func (b *balance) credits() *slate.Credits {
	return &slate.Credits{
		OrgID: b.orgID, Plan: b.plan, PeriodStart: b.start, PeriodEnd: b.end,
		Monthly: b.Monthly, Rollover: b.Rollover, Purchased: b.Purchased, Held: b.Held,
		Available: b.Available(), PendingPlan: b.pendingPlan, CancelAtPeriodEnd: b.cancelAtEnd, Cancelled: b.cancelled,
	}
}

// lockBalance reads an organisation's balance for writing: on PostgreSQL the
// row stays locked until the transaction ends, so two writers can never
// spend the same credit; SQLite has one writer already. Every period that
// ended since the last write is closed first, in order.
func (tx *Tx) lockBalance(ctx context.Context, orgID string) (*balance, error) {
	b, err := scanBalance(tx.QueryRowContext(ctx,
		`SELECT `+balanceColumns+` FROM balances WHERE org_id = $1`+tx.db.dialect.forUpdate(), orgID))
	if errors.Is(err, sql.ErrNoRows) {
		b, err = tx.openBalance(ctx, orgID)
	}
	if err != nil {
		return nil, err
	}
	for b.due(tx.now) {
		if err := tx.closePeriod(ctx, b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readBalance reads a balance without locking it. A balance whose period is
// due is closed in a write transaction first, so readers never see a period
// that has ended.
func (s *DB) readBalance(ctx context.Context, tx *Tx, orgID string) (*balance, error) {
	b, err := scanBalance(tx.QueryRowContext(ctx, `SELECT `+balanceColumns+` FROM balances WHERE org_id = $1`, orgID))
	if err == nil && !b.due(tx.now) {
		return b, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if tx.write {
		return tx.lockBalance(ctx, orgID)
	}
	err = s.withTx(ctx, func(wtx *Tx) error {
		b, err = wtx.lockBalance(ctx, orgID)
		return err
	})
	return b, err
}

// openBalance starts an organisation's first period on its plan with the
// plan's allocation.
func (tx *Tx) openBalance(ctx context.Context, orgID string) (*balance, error) {
	var plan string
	err := tx.QueryRowContext(ctx, `SELECT plan FROM orgs WHERE id = $1`, orgID).Scan(&plan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, slate.NotFound("organisation", orgID)
	}
	if err != nil {
		return nil, err
	}
	p, err := tx.db.plan(plan)
	if err != nil {
		return nil, err
	}
	start, end := ledger.PeriodBounds(tx.now, 0)
	b := &balance{orgID: orgID, plan: plan, anchor: tx.now, start: start, end: end, allocation: p.MonthlyCredits}
	if _, err := tx.ExecContext(ctx, `INSERT INTO balances (`+balanceColumns+`)
		VALUES ($1, $2, 0, 0, 0, 0, 0, 0, $3, 0, $4, $5, $6, NULL, FALSE, FALSE, '{}')`,
		orgID, plan, ms(b.anchor), ms(start), ms(end), p.MonthlyCredits); err != nil {
		return nil, err
	}
	if p.MonthlyCredits > 0 {
		e := ledger.Entry{Kind: ledger.KindAllocation, Monthly: p.MonthlyCredits}
		if err := tx.post(ctx, b, e, periodKey(e.Kind, orgID, 0), entryMeta{}); err != nil {
			return nil, err
		}
	}
	return b, tx.saveBalance(ctx, b)
}

func (s *DB) plan(name string) (slate.Plan, error) {
	p, ok := s.plans[name]
	if !ok {
		return slate.Plan{}, fmt.Errorf("store: plan %q is not in the pricing catalog; restore it in the pricing file", name)
	}
	return p, nil
}

// periodKey is the idempotency key of a period's entry of kind: one
// allocation, one rollover, one expiry per period.
func periodKey(kind ledger.Kind, orgID string, period int64) string {
	name := string(kind)
	if kind == ledger.KindAllocation {
		name = "alloc"
	}
	return fmt.Sprintf("%s:%s:%d", name, orgID, period)
}

// entryMeta is what an entry was for and who caused it.
type entryMeta struct {
	actorID string
	holdID  string
	note    string
	slate.Purpose
}

// post applies e to b and appends its ledger entry with the balance after it.
// The caller saves b in the same transaction. A change that would leave a
// bucket negative or holds uncovered is refused: that is a bug, never a
// client's doing.
func (tx *Tx) post(ctx context.Context, b *balance, e ledger.Entry, key string, m entryMeta) error {
	after := b.Apply(e)
	if !after.Valid() {
		return fmt.Errorf("store: entry %s %+v would leave %s invalid: %+v", key, e, b.orgID, after)
	}
	b.Balance = after
	b.entries++
	_, err := tx.ExecContext(ctx, `INSERT INTO ledger_entries (id, org_id, seq, idem_key, kind, period,
		monthly, rollover, purchased, held, monthly_after, rollover_after, purchased_after, held_after,
		actor_id, hold_id, project_id, scene_id, shot_id, shot_name, job_id, engine, tier, duration_ms, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
		tx.db.newID("txn"), b.orgID, b.entries, key, string(e.Kind), b.period,
		e.Monthly, e.Rollover, e.Purchased, e.Held, after.Monthly, after.Rollover, after.Purchased, after.Held,
		null(m.actorID), null(m.holdID), null(m.ProjectID), null(m.SceneID), null(m.ShotID), null(m.ShotName),
		null(m.JobID), null(m.Engine), null(m.Tier), nullInt(m.DurationMS), null(m.note), ms(tx.now))
	return err
}

// saveBalance writes b back and tells the live feed the new balance.
func (tx *Tx) saveBalance(ctx context.Context, b *balance) error {
	budget, err := json.Marshal(b.budget)
	if err != nil {
		return err
	}
	if err := tx.event(ctx, b.orgID, "", eventBalance, "", b.credits()); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE balances SET plan = $2, monthly = $3, rollover = $4, purchased = $5,
		held = $6, entries = $7, period = $8, anchor_at = $9, period_index = $10, period_start = $11,
		period_end = $12, allocation = $13, pending_plan = $14, cancel_at_end = $15, cancelled = $16, budget = $17
		WHERE org_id = $1`,
		b.orgID, b.plan, b.Monthly, b.Rollover, b.Purchased, b.Held, b.entries, b.period, ms(b.anchor),
		b.periodIndex, ms(b.start), ms(b.end), b.allocation, null(b.pendingPlan), b.cancelAtEnd, b.cancelled, string(budget))
	return err
}

// closePeriod ends b's period at its end and opens the next: on the pending
// plan if a downgrade waits, or, for a cancelled plan, forfeits what holds do
// not need and opens nothing.
func (tx *Tx) closePeriod(ctx context.Context, b *balance) error {
	next := b.period + 1
	if b.cancelAtEnd {
		b.period, b.cancelAtEnd, b.cancelled, b.allocation = next, false, true, 0
		for _, e := range ledger.Forfeit(b.Balance) {
			if err := tx.post(ctx, b, e, fmt.Sprintf("forfeit:%s:%d", b.orgID, next), entryMeta{note: "plan cancelled"}); err != nil {
				return err
			}
		}
		return tx.saveBalance(ctx, b)
	}
	plan := b.plan
	if b.pendingPlan != "" {
		plan = b.pendingPlan
	}
	b.periodIndex++
	b.start, b.end = ledger.PeriodBounds(b.anchor, int(b.periodIndex))
	return tx.startPeriod(ctx, b, plan, "period closed")
}

// startPeriod closes the current period into a new one on plan, whose
// bounds the caller has set: rollover, expiry above the plan's cap, and the
// plan's allocation, each keyed by organisation and period.
func (tx *Tx) startPeriod(ctx context.Context, b *balance, plan, note string) error {
	p, err := tx.db.plan(plan)
	if err != nil {
		return err
	}
	b.period++
	for _, e := range ledger.Close(b.Balance, p) {
		if err := tx.post(ctx, b, e, periodKey(e.Kind, b.orgID, b.period), entryMeta{note: note}); err != nil {
			return err
		}
	}
	if plan != b.plan {
		if _, err := tx.ExecContext(ctx, `UPDATE orgs SET plan = $2 WHERE id = $1`, b.orgID, plan); err != nil {
			return err
		}
	}
	b.plan, b.pendingPlan, b.allocation, b.cancelAtEnd, b.cancelled = plan, "", p.MonthlyCredits, false, false
	return tx.saveBalance(ctx, b)
}

func null(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullInt(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: n != 0} }
