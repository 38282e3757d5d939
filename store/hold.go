package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"slate"
	"slate/ledger"
)

const holdColumns = `id, org_id, hold_key, COALESCE(quote_id, ''), member_id, amount, charged, state,
	COALESCE(project_id, ''), COALESCE(scene_id, ''), COALESCE(shot_id, ''), COALESCE(shot_name, ''),
	COALESCE(job_id, ''), COALESCE(engine, ''), COALESCE(tier, ''), COALESCE(duration_ms, 0), created_at, closed_at`

func scanHold(r scanner) (*slate.Hold, error) {
	h := &slate.Hold{}
	var created int64
	var closed sql.NullInt64
	err := r.Scan(&h.ID, &h.OrgID, &h.Key, &h.QuoteID, &h.MemberID, &h.Amount, &h.Charged, &h.State,
		&h.ProjectID, &h.SceneID, &h.ShotID, &h.ShotName, &h.JobID, &h.Engine, &h.Tier, &h.DurationMS, &created, &closed)
	if err != nil {
		return nil, err
	}
	h.CreatedAt, h.ClosedAt = fromMS(created), fromNullMS(closed)
	return h, nil
}

// Hold reserves credits for work in one project: every item or none, or as
// many as fit, in order, when req.Partial. A hold whose key exists is
// returned as it is, so a retried submission never holds twice. Work that
// does not fit is refused with the shortfall and ranked remedies.
func (s *DB) Hold(ctx context.Context, req slate.HoldRequest) ([]*slate.Hold, error) {
	if err := validateHoldItems(req.Items, req.QuoteID == ""); err != nil {
		return nil, err
	}
	var out []*slate.Hold
	err := s.withTx(ctx, func(tx *Tx) error {
		out = nil
		p, u, err := tx.requireProject(ctx, req.ProjectID, slate.PermUseCredits)
		if err != nil {
			return err
		}
		b, err := tx.lockBalance(ctx, p.OrgID)
		if err != nil {
			return err
		}
		items := req.Items
		if req.QuoteID != "" {
			if items, err = tx.quotedItems(ctx, p, req.QuoteID, items); err != nil {
				return err
			}
		}
		if err := s.allowTiers(b.plan, items); err != nil {
			return err
		}
		member := req.MemberID
		if member == "" {
			member = u.ID
		}
		out, err = tx.placeHolds(ctx, b, p, member, req, items)
		return err
	})
	return out, err
}

func validateHoldItems(items []slate.HoldItem, needAmounts bool) error {
	if needAmounts && len(items) == 0 {
		return slate.Invalidf("items", "nothing to hold")
	}
	keys := map[string]bool{}
	for _, it := range items {
		if it.Key == "" || keys[it.Key] {
			return slate.Invalidf("key", "every item needs its own key")
		}
		keys[it.Key] = true
		if needAmounts && it.Amount <= 0 {
			return slate.Invalidf("amount", "a hold must be a positive number of credits, got %d", it.Amount)
		}
		if !needAmounts && it.Amount != 0 {
			return slate.Invalidf("amount", "a quoted hold takes its amount from the quote")
		}
	}
	return nil
}

// allowTiers refuses tiers the plan does not include.
func (s *DB) allowTiers(plan string, items []slate.HoldItem) error {
	p, err := s.plan(plan)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Tier == "4k" && !p.Allow4K {
			return slate.Errorf(slate.EPLAN, "the %s plan does not include the 4k tier", plan)
		}
	}
	return nil
}

// placeHolds holds items against b, which the caller has locked, and saves
// b. The render queue will call it inside the transaction that queues the
// jobs, so jobs and holds are written together.
func (tx *Tx) placeHolds(ctx context.Context, b *balance, p *slate.Project, member string, req slate.HoldRequest, items []slate.HoldItem) ([]*slate.Hold, error) {
	spend, limits, err := tx.spendAndLimits(ctx, b, p.ID, member)
	if err != nil {
		return nil, err
	}
	// Most requests are new: look for earlier holds of the same keys only
	// when they could change the answer (partial requests, or a request that
	// does not fit, which may be a retry of one that did).
	byKey := map[string]*slate.Hold{}
	fresh, total, err := freshItems(b, items, byKey)
	if err != nil {
		return nil, err
	}
	refused := func() error {
		if err := ledger.CheckBudget(limits, spend, total, req.Approved); err != nil {
			return err
		}
		if short := total - b.Available(); short > 0 {
			return tx.db.insufficient(b, fresh, short)
		}
		return nil
	}
	if req.Partial || refused() != nil {
		if byKey, err = tx.holdsByKey(ctx, items); err != nil {
			return nil, err
		}
		if fresh, total, err = freshItems(b, items, byKey); err != nil {
			return nil, err
		}
		if !req.Partial {
			if err := refused(); err != nil {
				return nil, err
			}
		}
	}
	for _, it := range fresh {
		if req.Partial && (it.Amount > b.Available() || ledger.CheckBudget(limits, spend, it.Amount, req.Approved) != nil) {
			continue
		}
		e, err := ledger.Hold(b.Balance, it.Amount)
		if err != nil {
			return nil, err
		}
		h := &slate.Hold{ID: tx.db.newID("hold"), OrgID: b.orgID, Key: it.Key, QuoteID: req.QuoteID, MemberID: member,
			Amount: it.Amount, State: slate.HoldOpen, CreatedAt: tx.now, Purpose: it.Purpose}
		h.ProjectID = p.ID
		placed, err := tx.insertHold(ctx, h, b.period)
		if err != nil {
			return nil, err
		}
		if !placed {
			// A retry of a request that held this key: return its hold.
			prior, err := tx.holdsByKey(ctx, []slate.HoldItem{it})
			if err != nil {
				return nil, err
			}
			if prior[it.Key] == nil || prior[it.Key].OrgID != b.orgID {
				return nil, slate.Errorf(slate.ECONFLICT, "hold key %q is taken", it.Key)
			}
			byKey[it.Key] = prior[it.Key]
			continue
		}
		if err := tx.post(ctx, b, e, "hold:"+h.ID, entryMeta{actorID: member, holdID: h.ID, Purpose: h.Purpose}); err != nil {
			return nil, err
		}
		spend.Org, spend.Project, spend.Member = spend.Org+it.Amount, spend.Project+it.Amount, spend.Member+it.Amount
		byKey[it.Key] = h
	}
	if req.Partial && len(fresh) > 0 && len(byKey) == 0 {
		// Not even one fits: say why the first does not.
		if short := fresh[0].Amount - b.Available(); short > 0 {
			return nil, tx.db.insufficient(b, fresh[:1], short)
		}
		return nil, ledger.CheckBudget(limits, spend, fresh[0].Amount, req.Approved)
	}
	out := []*slate.Hold{}
	for _, it := range items {
		if h, ok := byKey[it.Key]; ok {
			out = append(out, h)
		}
	}
	if err := tx.saveBalance(ctx, b); err != nil {
		return nil, err
	}
	return out, tx.alert(ctx, b)
}

func (tx *Tx) holdsByKey(ctx context.Context, items []slate.HoldItem) (map[string]*slate.Hold, error) {
	out := map[string]*slate.Hold{}
	if len(items) == 0 {
		return out, nil
	}
	args := make([]any, len(items))
	for i, it := range items {
		args[i] = it.Key
	}
	holds, err := queryAll(ctx, tx, `SELECT `+holdColumns+` FROM holds WHERE hold_key IN (`+placeholders(1, len(args))+`)`, scanHold, args...)
	for _, h := range holds {
		out[h.Key] = h
	}
	return out, err
}

// insertHold stores a new hold, or reports false when its key is taken.
func (tx *Tx) insertHold(ctx context.Context, h *slate.Hold, period int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO holds (id, org_id, hold_key, quote_id, member_id, period, amount, charged,
		state, project_id, scene_id, shot_id, shot_name, job_id, engine, tier, duration_ms, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
		ON CONFLICT (hold_key) DO NOTHING`,
		h.ID, h.OrgID, h.Key, null(h.QuoteID), h.MemberID, period, h.Amount, string(h.State), null(h.ProjectID),
		null(h.SceneID), null(h.ShotID), null(h.ShotName), null(h.JobID), null(h.Engine), null(h.Tier),
		nullInt(h.DurationMS), ms(h.CreatedAt))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Settle charges a hold's work its actual cost, never more than the hold,
// drawing buckets in spending order now and releasing the rest. Settling a
// settled hold again with the same cost returns it unchanged.
func (s *DB) Settle(ctx context.Context, holdID string, actual int64) (*slate.Hold, error) {
	if actual < 0 {
		return nil, slate.Invalidf("actual", "actual cost must not be negative, got %d", actual)
	}
	return s.closeHold(ctx, holdID, slate.HoldSettled, actual)
}

// Release frees a hold whose work failed, was rejected or cancelled: it
// costs nothing. Releasing a released hold again changes nothing.
func (s *DB) Release(ctx context.Context, holdID string) (*slate.Hold, error) {
	return s.closeHold(ctx, holdID, slate.HoldReleased, 0)
}

func (s *DB) closeHold(ctx context.Context, holdID string, to slate.HoldState, actual int64) (*slate.Hold, error) {
	var out *slate.Hold
	err := s.withTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.closeHold(ctx, holdID, to, actual)
		return err
	})
	return out, err
}

// closeHold settles or releases a hold inside the caller's transaction, so
// the render queue changes a job and its credits together.
func (tx *Tx) closeHold(ctx context.Context, holdID string, to slate.HoldState, actual int64) (*slate.Hold, error) {
	// The hold, then its balance: every writer of an existing hold locks
	// in this order, and placing holds locks no existing hold.
	h, err := scanHold(tx.QueryRowContext(ctx, `SELECT `+holdColumns+` FROM holds WHERE id = $1`+tx.db.dialect.forUpdate(), holdID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, slate.NotFound("hold", holdID)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case h.State == to && h.Charged == actual:
		return h, nil
	case h.State != slate.HoldOpen:
		return nil, slate.Errorf(slate.ECONFLICT, "hold %s is already %s", h.ID, h.State)
	case actual > h.Amount:
		return nil, slate.Invalidf("actual", "actual cost %d must be between 0 and the hold of %d", actual, h.Amount)
	}
	// The hold's own row first, so the balance row, which every writer of
	// the organisation waits for, stays locked for as short a time as
	// possible.
	held := h.Amount
	h.State, h.Charged = to, actual
	now := tx.now
	h.ClosedAt = &now
	if _, err := tx.ExecContext(ctx, `UPDATE holds SET state = $2, charged = $3, closed_at = $4 WHERE id = $1`,
		h.ID, string(h.State), h.Charged, ms(now)); err != nil {
		return nil, err
	}
	b, err := tx.lockBalance(ctx, h.OrgID)
	if err != nil {
		return nil, err
	}
	var entries []ledger.Entry
	if to == slate.HoldSettled {
		entries, err = ledger.Settle(b.Balance, held, actual)
	} else {
		var e ledger.Entry
		e, err = ledger.Release(b.Balance, held)
		entries = []ledger.Entry{e}
	}
	if err != nil {
		return nil, err
	}
	m := entryMeta{actorID: h.MemberID, holdID: h.ID, Purpose: h.Purpose}
	for _, e := range entries {
		key := "release:" + h.ID
		if e.Kind == ledger.KindCharge {
			key = "charge:" + h.ID
			if h.JobID != "" {
				key = "charge:" + h.JobID
			}
		}
		if err := tx.post(ctx, b, e, key, m); err != nil {
			return nil, err
		}
	}
	if err := tx.saveBalance(ctx, b); err != nil {
		return nil, err
	}
	return h, tx.alert(ctx, b)
}

// spentSum is what holds count against a limit: open holds at their
// amount, closed ones at what they charged.
const spentSum = `COALESCE(SUM(CASE WHEN state = 'open' THEN amount ELSE charged END), 0)`

// spendAndLimits reads the limits that apply to member's work in project
// and, only for those set, what already counts against them.
func (tx *Tx) spendAndLimits(ctx context.Context, b *balance, projectID, member string) (ledger.Spend, ledger.Limits, error) {
	var s ledger.Spend
	l := ledger.Limits{OrgCap: b.budget.MonthlySpendCap}
	if n, ok := b.budget.MemberLimit(member); ok {
		l.Member = &n
	}
	if n, ok := b.budget.Projects[projectID]; ok {
		l.Project = &n
	}
	const spent = `SELECT ` + spentSum + ` FROM holds WHERE `
	if l.OrgCap != nil {
		if err := tx.QueryRowContext(ctx, spent+`org_id = $1 AND period = $2`, b.orgID, b.period).Scan(&s.Org); err != nil {
			return s, l, err
		}
	}
	if l.Project != nil {
		if err := tx.QueryRowContext(ctx, spent+`project_id = $1`, projectID).Scan(&s.Project); err != nil {
			return s, l, err
		}
	}
	if l.Member != nil {
		if err := tx.QueryRowContext(ctx, spent+`org_id = $1 AND member_id = $2 AND period = $3`, b.orgID, member, b.period).Scan(&s.Member); err != nil {
			return s, l, err
		}
	}
	return s, l, nil
}

// alert records every budget threshold b has crossed, once per period.
func (tx *Tx) alert(ctx context.Context, b *balance) error {
	for _, a := range ledger.Alerts(b.budget.Budget, b.allocation, b.Balance) {
		payload := map[string]any{"key": a.Key, "kind": a.Kind, "threshold": a.Threshold, "value": a.Value,
			"period": b.period, "available": b.Available()}
		if err := tx.event(ctx, b.orgID, "", eventAlert, fmt.Sprintf("alert:%s:%d:%s", b.orgID, b.period, a.Key), payload); err != nil {
			return err
		}
	}
	return nil
}

// freshItems are the items with no hold yet in byKey, and their total. A
// key held by another organisation is refused.
func freshItems(b *balance, items []slate.HoldItem, byKey map[string]*slate.Hold) ([]slate.HoldItem, int64, error) {
	var fresh []slate.HoldItem
	var total int64
	for _, it := range items {
		if h, ok := byKey[it.Key]; !ok {
			fresh, total = append(fresh, it), total+it.Amount
		} else if h.OrgID != b.orgID {
			return nil, 0, slate.Errorf(slate.ECONFLICT, "hold key %q is taken", it.Key)
		}
	}
	return fresh, total, nil
}
