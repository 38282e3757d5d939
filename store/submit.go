package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"slate"
	"slate/queue"
)

// Submit queues a batch of render jobs for a selection of a project's shots,
// from a quote (its prices, while it is valid) or priced now. Every job is
// held for, or none is and the answer is 402 with the shortfall and
// remedies; with Partial, as many as fit in tree order are queued and the
// rest listed as skipped. A member who may not spend credits, or work that
// would cross a project budget or a member's limit, waits for approval,
// unheld. Locked shots are refused before anything is held.
func (s *DB) Submit(ctx context.Context, projectID string, in slate.BatchInput) (*slate.Batch, error) {
	priority := slate.DefaultPriority
	if in.Priority != nil {
		priority = *in.Priority
	}
	if err := queue.ValidatePriority(priority); err != nil {
		return nil, err
	}
	if in.QuoteID != "" && (in.Selection != nil || in.Engine != "" || in.Tier != "") {
		return nil, slate.Invalidf("quote_id", "submit a quote or a selection with engine and tier, not both")
	}
	if in.QuoteID == "" && in.Selection == nil {
		return nil, slate.Invalidf("selection", "name a quote_id or a selection")
	}
	var out *slate.Batch
	err := s.withTx(ctx, func(tx *Tx) error {
		p, u, perms, err := tx.projectAccess(ctx, projectID)
		if err != nil {
			return err
		}
		if !perms.Has(slate.PermRunAI) {
			return slate.Forbidden(slate.PermRunAI)
		}
		lines, err := tx.batchLines(ctx, p, in)
		if err != nil {
			return err
		}
		batch := &slate.Batch{ID: s.newID("batch"), OrgID: p.OrgID, ProjectID: p.ID, QuoteID: in.QuoteID,
			Engine: in.Engine, Tier: in.Tier, Priority: priority, SubmittedBy: u.ID, CreatedAt: tx.now,
			States: map[slate.JobState]int{}, Items: []*slate.Job{}}
		jobs := make([]*jobRow, len(lines))
		for i, l := range lines {
			jobs[i] = &jobRow{Job: slate.Job{ID: s.newID("job"), OrgID: p.OrgID, ProjectID: p.ID, BatchID: batch.ID,
				ShotID: l.ShotID, ShotName: l.ShotName, Engine: l.Engine, Tier: l.Tier, DurationMS: l.DurationMS,
				State: slate.JobQueued, Priority: priority, Cost: l.Cost, SubmittedBy: u.ID, CreatedAt: tx.now},
				sceneID: l.SceneID}
		}
		held := 0
		if perms.Has(slate.PermUseCredits) {
			b, err := tx.lockBalance(ctx, p.OrgID)
			if err != nil {
				return err
			}
			placed, err := tx.holdJobs(ctx, b, p, u.ID, in.QuoteID, jobs, in.Partial, false)
			if slate.ErrorCode(err) != slate.EAPPROVAL {
				if err != nil {
					return err
				}
				held = len(placed)
			}
		} else {
			// Work waiting for approval must still be work the plan allows,
			// or it would wait for an approval that can only fail.
			b, err := s.readBalance(ctx, tx, p.OrgID)
			if err != nil {
				return err
			}
			tiers := make([]slate.HoldItem, len(jobs))
			for i, j := range jobs {
				tiers[i] = slate.HoldItem{Purpose: slate.Purpose{Tier: j.Tier}}
			}
			if err := s.allowTiers(b.plan, tiers); err != nil {
				return err
			}
		}
		switch {
		case held == 0:
			// Nothing held: the whole batch waits for approval.
			for _, j := range jobs {
				j.State = slate.JobAwaitingApproval
			}
		case held < len(jobs):
			// Partial: the jobs that did not fit are left out.
			var kept []*jobRow
			for _, j := range jobs {
				if j.holdID != "" {
					kept = append(kept, j)
				} else {
					batch.Skipped = append(batch.Skipped, j.ShotID)
				}
			}
			jobs = kept
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO batches (id, org_id, project_id, quote_id, engine, tier,
			priority, submitted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			batch.ID, batch.OrgID, batch.ProjectID, null(batch.QuoteID), null(batch.Engine), null(batch.Tier),
			batch.Priority, batch.SubmittedBy, ms(batch.CreatedAt)); err != nil {
			return err
		}
		l := lanes{}
		for _, j := range jobs {
			if err := tx.insertJob(ctx, j); err != nil {
				return err
			}
			dq, dr := queue.LaneDelta("", j.State)
			l.add(j.OrgID, dq, dr)
			if err := tx.jobEvent(ctx, j); err != nil {
				return err
			}
			batch.Items = append(batch.Items, &j.Job)
		}
		if err := tx.saveLanes(ctx, l); err != nil {
			return err
		}
		batch.Summarise()
		out = batch
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// batchLines prices the batch's shots: the quote's lines, checked against
// the project now, or the selection at the engine and tier asked for (each
// shot's own when empty). Shots under a lock are refused.
func (tx *Tx) batchLines(ctx context.Context, p *slate.Project, in slate.BatchInput) ([]slate.QuoteLine, error) {
	s := tx.db
	var lines []slate.QuoteLine
	var shots []*slate.Shot
	if in.QuoteID != "" {
		q, err := tx.loadQuote(ctx, in.QuoteID)
		if err != nil {
			return nil, err
		}
		if q.ProjectID != p.ID {
			return nil, slate.NotFound("quote", in.QuoteID)
		}
		var batchID string
		err = tx.QueryRowContext(ctx, `SELECT id FROM batches WHERE quote_id = $1`, q.ID).Scan(&batchID)
		if err == nil {
			return nil, slate.Errorf(slate.ECONFLICT, "quote %s was already submitted as batch %s: estimate again for another batch", q.ID, batchID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		if !tx.now.Before(q.ExpiresAt) {
			return nil, slate.Errorf(slate.EEXPIRED, "quote %s expired at %s: estimate again", q.ID, q.ExpiresAt.Format("15:04:05 MST"))
		}
		ids := make([]string, len(q.Lines))
		for i, l := range q.Lines {
			ids[i] = l.ShotID
		}
		if shots, err = tx.selectShots(ctx, p, slate.Selection{Shots: ids}); err != nil {
			return nil, err
		}
		lines = q.Lines
	} else {
		if err := in.Selection.Validate(); err != nil {
			return nil, err
		}
		var err error
		if shots, err = tx.selectShots(ctx, p, *in.Selection); err != nil {
			return nil, err
		}
		if lines, err = s.priceShots(shots, in.Engine, in.Tier); err != nil {
			return nil, err
		}
	}
	if len(lines) == 0 {
		return nil, slate.Invalidf("selection", "the selection holds no shots")
	}
	for _, l := range lines {
		if err := s.engineEnabled("engine", l.Engine); err != nil {
			return nil, err
		}
	}
	if err := tx.refuseLockedShots(ctx, p.ID, shots); err != nil {
		return nil, err
	}
	return lines, nil
}

// refuseLockedShots answers 423 when any of shots is locked or sits under a
// locked scene or act, naming the outermost lock of the first such shot.
func (tx *Tx) refuseLockedShots(ctx context.Context, projectID string, shots []*slate.Shot) error {
	rows, err := tx.QueryContext(ctx, `SELECT s.id, a.id, a.name, a.locked_by, a.locked_at, a.lock_reason,
		sc.id, sc.name, sc.locked_by, sc.locked_at, sc.lock_reason, s.name, s.locked_by, s.locked_at, s.lock_reason
		FROM shots s JOIN scenes sc ON sc.id = s.scene_id JOIN acts a ON a.id = sc.act_id
		WHERE s.project_id = $1 AND (s.locked_at IS NOT NULL OR sc.locked_at IS NOT NULL OR a.locked_at IS NOT NULL)`, projectID)
	if err != nil {
		return err
	}
	locked := map[string]*slate.Lock{}
	for rows.Next() {
		var shotID, actID, actName, sceneID, sceneName, shotName string
		var al, sl, hl lockCols
		dest := append([]any{&shotID, &actID, &actName}, al.dest()...)
		dest = append(append(dest, &sceneID, &sceneName), sl.dest()...)
		dest = append(append(dest, &shotName), hl.dest()...)
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		locked[shotID] = slate.FirstLock(al.lock(slate.KindAct, actID, actName),
			sl.lock(slate.KindScene, sceneID, sceneName), hl.lock(slate.KindShot, shotID, shotName))
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, sh := range shots {
		if l := locked[sh.ID]; l != nil {
			if err := tx.nameLocks(ctx, l); err != nil {
				return err
			}
			return slate.Locked(l)
		}
	}
	return nil
}

// priceShots prices each shot at engine and tier, or its own when empty,
// with the price book in force.
func (s *DB) priceShots(shots []*slate.Shot, engine, tier string) ([]slate.QuoteLine, error) {
	book := s.book
	if engine != "" {
		if _, ok := book.Engine(engine); !ok {
			return nil, slate.Invalidf("engine", "the price book has no engine %q", engine)
		}
	}
	if tier != "" {
		if _, ok := book.Tier(tier); !ok {
			return nil, slate.Invalidf("tier", "the price book has no tier %q", tier)
		}
	}
	lines := make([]slate.QuoteLine, len(shots))
	var total int64
	for i, sh := range shots {
		l := slate.QuoteLine{ShotID: sh.ID, ShotName: sh.Name, SceneID: sh.SceneID, Engine: sh.EffectiveEngine,
			Tier: sh.EffectiveTier, DurationMS: sh.DurationMS}
		if engine != "" {
			l.Engine = engine
		}
		if tier != "" {
			l.Tier = tier
		}
		if err := s.fitOffer(&l, sh.StartFrame != nil); err != nil {
			return nil, err
		}
		var err error
		if l.Cost, err = book.ShotCost(l.Engine, l.Tier, l.DurationMS); err != nil {
			return nil, err
		}
		if total += l.Cost; total < 0 {
			return nil, slate.Invalidf("selection", "the selection costs more than can be counted")
		}
		lines[i] = l
	}
	return lines, nil
}

// fitOffer refuses a tier the line's engine does not render, and sets the
// length it renders when its model takes only some.
func (s *DB) fitOffer(l *slate.QuoteLine, hasStart bool) error {
	o, ok := s.offers[l.Engine]
	if !ok {
		return nil
	}
	switch {
	case o.StartImage == slate.StartImageRequired && !hasStart:
		return slate.Invalidf("selection", "engine %q renders from a start image: give shot %q a start_frame first",
			l.Engine, l.ShotName)
	case o.StartImage == "" && hasStart:
		l.ImageNote = fmt.Sprintf("%s renders from the prompt alone; the shot's start frame is not used", l.Engine)
	}
	if !o.OffersTier(l.Tier) {
		return slate.Invalidf("tier", "engine %q does not render the %s tier; it offers %s", l.Engine, l.Tier,
			strings.Join(o.Tiers, ", "))
	}
	if billed, why := o.ForTier(l.Tier).Billed(l.DurationMS); billed != l.DurationMS {
		l.ShotDurationMS, l.DurationMS, l.DurationNote = l.DurationMS, billed, why
	}
	return nil
}
