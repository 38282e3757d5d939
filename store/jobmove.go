package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"slate"
	"slate/queue"
)

// lanes gathers the changes a transaction makes to organisations' queued
// and running counts, so each lane row is written once, at the end.
type lanes map[string]*[2]int64

func (l lanes) add(orgID string, queued, running int64) {
	if queued == 0 && running == 0 {
		return
	}
	d := l[orgID]
	if d == nil {
		d = &[2]int64{}
		l[orgID] = d
	}
	d[0] += queued
	d[1] += running
}

// saveLanes writes the gathered changes, in organisation order so two
// transactions touching the same lanes lock them in the same order.
func (tx *Tx) saveLanes(ctx context.Context, l lanes) error {
	orgs := make([]string, 0, len(l))
	for org, d := range l {
		if d[0] != 0 || d[1] != 0 {
			orgs = append(orgs, org)
		}
	}
	slices.Sort(orgs)
	for _, org := range orgs {
		d := l[org]
		if _, err := tx.ExecContext(ctx, `INSERT INTO queue_lanes (org_id, queued, running) VALUES ($1, $2, $3)
			ON CONFLICT (org_id) DO UPDATE SET queued = queue_lanes.queued + excluded.queued,
			running = queue_lanes.running + excluded.running`, org, d[0], d[1]); err != nil {
			return err
		}
	}
	return nil
}

// move applies ev to j. The state machine says where the job goes; its
// credits and its lane follow from the move, in this transaction. A move
// into a state that holds credits needs the hold placed first (holdJobs).
func (tx *Tx) move(ctx context.Context, j *jobRow, ev queue.Event, l lanes) error {
	from := j.State
	to, err := queue.Next(from, ev)
	if err != nil {
		return err
	}
	credit := queue.CreditOf(from, to)
	if j.Cost == 0 && j.holdID == "" {
		// Free work (an export the price book does not price) holds and
		// charges nothing, so it writes nothing to the ledger.
		credit = queue.CreditNone
	}
	switch credit {
	case queue.CreditHold:
		if j.holdID == "" || j.CostHeld == 0 && j.Cost > 0 {
			return fmt.Errorf("store: job %s would be %s without a hold", j.ID, to)
		}
	case queue.CreditCharge:
		h, err := tx.closeHold(ctx, j.holdID, slate.HoldSettled, j.Cost)
		if err != nil {
			return err
		}
		j.CostHeld, j.CostCharged = 0, h.Charged
	case queue.CreditRelease:
		h, err := tx.releaseJob(ctx, j, ev)
		if err != nil {
			return err
		}
		j.CostHeld, j.CostCharged = 0, h.Charged
	}
	if !queue.KeepsRequest(ev) {
		j.ProviderRequestID, j.ticket, j.SubmittedAt = "", "", nil
	}
	dq, dr := queue.LaneDelta(from, to)
	l.add(j.OrgID, dq, dr)
	j.State = to
	now := tx.now
	switch {
	case to.Finished():
		j.FinishedAt, j.leaseUntil, j.ETA = &now, nil, nil
	case to == slate.JobQueued || to == slate.JobAwaitingApproval:
		// Back in line, by a lapse or a retry: nobody is working on it.
		j.WorkerID, j.leaseUntil, j.ETA, j.FinishedAt, j.Progress = "", nil, nil, nil, 0
	}
	if err := tx.saveJob(ctx, j); err != nil {
		return err
	}
	return tx.jobEvent(ctx, j)
}

// releaseJob gives back a job's hold. Work stopped midway at the member's
// request is charged its share when the engine bills partial work.
func (tx *Tx) releaseJob(ctx context.Context, j *jobRow, ev queue.Event) (*slate.Hold, error) {
	if ev == queue.Stop {
		if e, ok := tx.db.book.Engine(j.Engine); ok && e.PartialBillable {
			if part := queue.PartialCharge(j.Cost, j.Progress); part > 0 {
				return tx.closeHold(ctx, j.holdID, slate.HoldSettled, min(part, j.CostHeld))
			}
		}
	}
	return tx.closeHold(ctx, j.holdID, slate.HoldReleased, 0)
}

// holdKey names a job's hold: each retry places a new one under its own key,
// while the charge key is the job's, so a job is charged at most once.
func holdKey(j *jobRow) string {
	if j.retries == 0 {
		return "hold:" + j.ID
	}
	return "hold:" + j.ID + ":" + strconv.Itoa(j.retries)
}

// holdJobs places holds for jobs against b, which the caller has locked:
// all of them or none, or as many as fit, in order, when partial. It
// returns the jobs it held for. member is whose limits the work counts
// against; approved lets it cross a project budget or member limit.
func (tx *Tx) holdJobs(ctx context.Context, b *balance, p *slate.Project, member, quoteID string, jobs []*jobRow, partial, approved bool) ([]*jobRow, error) {
	items := make([]slate.HoldItem, len(jobs))
	for i, j := range jobs {
		items[i] = slate.HoldItem{Key: holdKey(j), Amount: j.Cost, Purpose: slate.Purpose{ProjectID: j.ProjectID,
			SceneID: j.sceneID, ShotID: j.ShotID, ShotName: j.ShotName, JobID: j.ID, Engine: j.Engine, Tier: j.Tier,
			DurationMS: j.DurationMS}}
	}
	if err := tx.db.allowTiers(b.plan, items); err != nil {
		return nil, err
	}
	holds, err := tx.placeHolds(ctx, b, p, member, slate.HoldRequest{ProjectID: p.ID, QuoteID: quoteID,
		Partial: partial, Approved: approved}, items)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*slate.Hold, len(holds))
	for _, h := range holds {
		byKey[h.Key] = h
	}
	held := make([]*jobRow, 0, len(holds))
	for i, j := range jobs {
		if h := byKey[items[i].Key]; h != nil {
			j.holdID, j.CostHeld, j.CostCharged = h.ID, h.Amount, 0
			held = append(held, j)
		}
	}
	return held, nil
}
