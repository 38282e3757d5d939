package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"slate"
	"slate/ledger"
)

// Estimate prices a selection of a project's shots, each at its own engine
// and tier or at the ones asked for, against the balance now, and stores it
// as a quote valid for slate.QuoteTTL. Work that does not fit is still
// quoted, with its shortfall and remedies.
func (s *DB) Estimate(ctx context.Context, projectID string, in slate.EstimateInput) (*slate.Quote, error) {
	book := s.book
	var q *slate.Quote
	err := s.withTx(ctx, func(tx *Tx) error {
		p, u, err := tx.requireProject(ctx, projectID, slate.PermRunAI)
		if err != nil {
			return err
		}
		shots, err := tx.selectShots(ctx, p, in.Selection)
		if err != nil {
			return err
		}
		if len(shots) == 0 {
			return slate.Invalidf("selection", "the selection holds no shots")
		}
		lines, err := s.priceShots(shots, in.Engine, in.Tier)
		if err != nil {
			return err
		}
		b, err := s.readBalance(ctx, tx, p.OrgID)
		if err != nil {
			return err
		}
		q = &slate.Quote{ID: s.newID("quote"), OrgID: p.OrgID, ProjectID: p.ID, PriceBookVersion: book.Version,
			CreatedBy: u.ID, CreatedAt: tx.now, ExpiresAt: tx.now.Add(slate.QuoteTTL), Engine: in.Engine, Tier: in.Tier,
			Lines: lines, BalanceBefore: b.Available(), Remedies: []slate.Remedy{}}
		items := make([]slate.HoldItem, len(lines))
		for i, l := range lines {
			if err := s.engineEnabled("engine", l.Engine); err != nil {
				return err
			}
			q.Total += l.Cost
			items[i] = slate.HoldItem{Amount: l.Cost, Purpose: slate.Purpose{Engine: l.Engine, Tier: l.Tier, DurationMS: l.DurationMS}}
		}
		if err := s.allowTiers(b.plan, items); err != nil {
			return err
		}
		q.BalanceAfter = q.BalanceBefore - q.Total
		if q.Shortfall = max(0, q.Total-b.Available()); q.Shortfall > 0 {
			q.Remedies = s.remedies(b, items)
		} else if q.Draw, err = ledger.DrawNew(b.Balance, q.Total); err != nil {
			return err
		}
		body, err := json.Marshal(q)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO quotes (id, org_id, project_id, price_book_version, created_by, total,
			body, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			q.ID, q.OrgID, q.ProjectID, q.PriceBookVersion, q.CreatedBy, q.Total, string(body), ms(q.CreatedAt), ms(q.ExpiresAt))
		return err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// Quote reads a stored quote of a project the acting user may see.
func (s *DB) Quote(ctx context.Context, quoteID string) (*slate.Quote, error) {
	var q *slate.Quote
	err := s.withReadTx(ctx, func(tx *Tx) error {
		var err error
		q, err = tx.loadQuote(ctx, quoteID)
		if err != nil {
			return err
		}
		_, _, err = tx.requireProject(ctx, q.ProjectID, slate.PermRead)
		return err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

func (tx *Tx) loadQuote(ctx context.Context, quoteID string) (*slate.Quote, error) {
	var body string
	err := tx.QueryRowContext(ctx, `SELECT body FROM quotes WHERE id = $1`, quoteID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, slate.NotFound("quote", quoteID)
	}
	if err != nil {
		return nil, err
	}
	q := &slate.Quote{}
	return q, json.Unmarshal([]byte(body), q)
}

// quotedItems turns a quote into hold items at the quote's prices: one per
// line, or one per item named by shot. A quote of another project, expired,
// or not naming a shot is refused.
func (tx *Tx) quotedItems(ctx context.Context, p *slate.Project, quoteID string, items []slate.HoldItem) ([]slate.HoldItem, error) {
	q, err := tx.loadQuote(ctx, quoteID)
	if err != nil {
		return nil, err
	}
	if q.ProjectID != p.ID {
		return nil, slate.NotFound("quote", quoteID)
	}
	if !tx.now.Before(q.ExpiresAt) {
		return nil, slate.Errorf(slate.EEXPIRED, "quote %s expired at %s; ask for a new estimate", q.ID, q.ExpiresAt.Format("15:04:05 MST"))
	}
	lines := map[string]slate.QuoteLine{}
	for _, l := range q.Lines {
		lines[l.ShotID] = l
	}
	purpose := func(l slate.QuoteLine) slate.Purpose {
		return slate.Purpose{ProjectID: p.ID, SceneID: l.SceneID, ShotID: l.ShotID, ShotName: l.ShotName,
			Engine: l.Engine, Tier: l.Tier, DurationMS: l.DurationMS}
	}
	if len(items) == 0 {
		out := make([]slate.HoldItem, len(q.Lines))
		for i, l := range q.Lines {
			out[i] = slate.HoldItem{Key: "hold:" + q.ID + ":" + l.ShotID, Amount: l.Cost, Purpose: purpose(l)}
		}
		return out, nil
	}
	out := make([]slate.HoldItem, len(items))
	for i, it := range items {
		l, ok := lines[it.ShotID]
		if !ok {
			return nil, slate.Invalidf("shot_id", "quote %s has no line for shot %q", q.ID, it.ShotID)
		}
		pp := purpose(l)
		pp.JobID = it.JobID
		out[i] = slate.HoldItem{Key: it.Key, Amount: l.Cost, Purpose: pp}
	}
	return out, nil
}

// insufficient is the 402 for items that are short credits, with remedies.
func (s *DB) insufficient(b *balance, items []slate.HoldItem, short int64) error {
	return slate.Insufficient(short, s.remedies(b, items))
}

// remedies ranks what would make items fit. A cheaper tier is offered only
// when every item names its engine, tier and duration, so it can be priced
// again; tiers the plan lacks are never offered.
func (s *DB) remedies(b *balance, items []slate.HoldItem) []slate.Remedy {
	plan, _ := s.plan(b.plan)
	sh := ledger.Shortage{Balance: b.Balance, Plan: plan, TierCosts: map[string]int64{},
		Plans: s.catalog.Plans, Packs: s.catalog.CreditPacks}
	if b.cancelled {
		// A cancelled plan loads nothing: any plan is an upgrade.
		sh.Plan.MonthlyCredits = -1
	}
	var total int64
	for _, it := range items {
		total += it.Amount
	}
	sh.Tier = "requested"
	if len(items) > 0 {
		sh.Tier = items[0].Tier
	}
	for _, it := range items {
		if it.Tier != sh.Tier || it.Engine == "" || it.DurationMS == 0 {
			sh.Tier = "requested"
		}
	}
	sh.TierCosts[sh.Tier] = total
	if sh.Tier != "requested" {
		for _, t := range s.book.Tiers {
			if t.Name == "4k" && !plan.Allow4K {
				continue
			}
			var cost int64
			for _, it := range items {
				c, err := s.book.ShotCost(it.Engine, t.Name, it.DurationMS)
				if err != nil {
					cost = -1
					break
				}
				cost += c
			}
			if cost >= 0 && t.Name != sh.Tier {
				sh.TierCosts[t.Name] = cost
			}
			sh.TierOrder = append(sh.TierOrder, t.Name)
		}
	}
	return ledger.Remedies(sh)
}
