package store

import (
	"context"

	"slate"
	"slate/queue"
)

// events maps a member's action to the state machine's event; retry is
// Retry or Resubmit by who asks, so it has no fixed one.
var actionEvents = map[slate.JobAction]queue.Event{
	slate.ActionPause:   queue.Pause,
	slate.ActionResume:  queue.Resume,
	slate.ActionCancel:  queue.Cancel,
	slate.ActionApprove: queue.Approve,
	slate.ActionReject:  queue.Reject,
	slate.ActionRetry:   queue.Retry,
}

// actionPermission is what an action needs on the job's project: deciding
// to spend is use_credits, steering the queue is run_ai.
func actionPermission(a slate.JobAction) slate.Permission {
	if a == slate.ActionApprove || a == slate.ActionReject {
		return slate.PermUseCredits
	}
	return slate.PermRunAI
}

func validAction(a slate.JobAction, many bool) error {
	if _, ok := actionEvents[a]; ok || (a == slate.ActionTop && !many) {
		return nil
	}
	return slate.Invalidf("action", "unknown action %q", a)
}

// SetPriority changes a job's priority at any time before it finishes.
func (s *DB) SetPriority(ctx context.Context, jobID string, priority int) (*slate.Job, error) {
	if err := queue.ValidatePriority(priority); err != nil {
		return nil, err
	}
	return s.changeJob(ctx, jobID, slate.PermRunAI, func(tx *Tx, j *jobRow) error {
		if j.State.Finished() {
			return slate.Errorf(slate.ECONFLICT, "job %s is %s: its priority no longer matters", j.ID, j.State)
		}
		j.Priority, j.topped = priority, 0
		if err := tx.saveJob(ctx, j); err != nil {
			return err
		}
		return tx.jobEvent(ctx, j)
	})
}

// JobAction pauses, resumes, cancels, retries, approves, rejects or moves
// to the top one job.
func (s *DB) JobAction(ctx context.Context, jobID string, a slate.JobAction) (*slate.Job, error) {
	if err := validAction(a, false); err != nil {
		return nil, err
	}
	return s.changeJob(ctx, jobID, actionPermission(a), func(tx *Tx, j *jobRow) error {
		if a == slate.ActionTop {
			return tx.top(ctx, j)
		}
		p, err := tx.loadProject(ctx, j.ProjectID)
		if err != nil {
			return err
		}
		_, perms, err := tx.orgAccess(ctx, j.OrgID)
		if err != nil {
			return err
		}
		if _, ok := actionEvents[a]; ok && !queue.Allowed(j.State, eventOf(a, perms)) {
			_, err := queue.Next(j.State, eventOf(a, perms))
			return err
		}
		if chargedRetry(j, eventOf(a, perms)) {
			return slate.Errorf(slate.ECONFLICT, "job %s was charged %d for work stopped midway: submit the shot again to render it anew", j.ID, j.CostCharged)
		}
		_, err = tx.act(ctx, p, perms, []*jobRow{j}, a)
		return err
	})
}

// changeJob runs fn on a locked job of a project where the acting user
// holds need, and returns the job as fn left it.
func (s *DB) changeJob(ctx context.Context, jobID string, need slate.Permission, fn func(tx *Tx, j *jobRow) error) (*slate.Job, error) {
	var out *slate.Job
	err := s.withTx(ctx, func(tx *Tx) error {
		j, err := tx.lockJob(ctx, jobID)
		if err != nil {
			return err
		}
		if _, _, err := tx.requireProject(ctx, j.ProjectID, need); err != nil {
			return hideAs(err, "job", jobID)
		}
		if err := fn(tx, j); err != nil {
			return err
		}
		out = &j.Job
		return nil
	})
	return out, err
}

// top puts a job above the highest queued job of its organisation; among
// equal priorities the latest moved to the top runs first.
func (tx *Tx) top(ctx context.Context, j *jobRow) error {
	if j.State.Finished() {
		return slate.Errorf(slate.ECONFLICT, "job %s is %s: its priority no longer matters", j.ID, j.State)
	}
	var highest int
	var topped int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(priority), -1), COALESCE(MAX(topped), 0) FROM jobs
		WHERE org_id = $1 AND state = 'queued' AND id <> $2`, j.OrgID, j.ID).Scan(&highest, &topped); err != nil {
		return err
	}
	j.Priority = max(j.Priority, queue.TopPriority(highest))
	j.topped = max(topped, j.topped) + 1
	if err := tx.saveJob(ctx, j); err != nil {
		return err
	}
	return tx.jobEvent(ctx, j)
}

// chargedRetry reports a retry of a job cancelled midway whose engine billed
// the partial work. Such a job already has its one charge (keyed
// "charge:{job}"), so a retried render could never be charged: it is
// refused (skipped in batches), and rendering the shot again is a new
// submission.
func chargedRetry(j *jobRow, ev queue.Event) bool {
	return (ev == queue.Retry || ev == queue.Resubmit) && j.CostCharged > 0
}

// eventOf is the event an action is for a member with perms: a retry by
// someone who may not spend goes back to wait for approval.
func eventOf(a slate.JobAction, perms slate.Permissions) queue.Event {
	if a == slate.ActionRetry && !perms.Has(slate.PermUseCredits) {
		return queue.Resubmit
	}
	return actionEvents[a]
}

// BatchAction applies an action to every job of a batch it applies to.
func (s *DB) BatchAction(ctx context.Context, batchID string, a slate.JobAction) (*slate.ActionResult, error) {
	if err := validAction(a, true); err != nil {
		return nil, err
	}
	var out *slate.ActionResult
	err := s.withTx(ctx, func(tx *Tx) error {
		b, err := tx.loadBatch(ctx, batchID)
		if err != nil {
			return err
		}
		p, _, perms, err := tx.projectAccess(ctx, b.ProjectID)
		if err != nil {
			return hideAs(err, "batch", batchID)
		}
		if need := actionPermission(a); !perms.Has(need) {
			return slate.Forbidden(need)
		}
		jobs, err := queryAll(ctx, tx, `SELECT `+jobColumns+` FROM jobs WHERE batch_id = $1 ORDER BY id`+
			tx.db.dialect.forUpdate(), scanJob, batchID)
		if err != nil {
			return err
		}
		out, err = tx.act(ctx, p, perms, jobs, a)
		return err
	})
	return out, err
}

// SelectionAction applies an action to the jobs of the selected shots it
// applies to.
func (s *DB) SelectionAction(ctx context.Context, projectID string, sel slate.Selection, a slate.JobAction) (*slate.ActionResult, error) {
	if err := validAction(a, true); err != nil {
		return nil, err
	}
	var out *slate.ActionResult
	err := s.withTx(ctx, func(tx *Tx) error {
		p, _, perms, err := tx.projectAccess(ctx, projectID)
		if err != nil {
			return err
		}
		if need := actionPermission(a); !perms.Has(need) {
			return slate.Forbidden(need)
		}
		shots, err := tx.selectShots(ctx, p, sel)
		if err != nil {
			return err
		}
		var jobs []*jobRow
		for _, sh := range shots {
			js, err := queryAll(ctx, tx, `SELECT `+jobColumns+` FROM jobs WHERE shot_id = $1 ORDER BY id`+
				tx.db.dialect.forUpdate(), scanJob, sh.ID)
			if err != nil {
				return err
			}
			jobs = append(jobs, js...)
		}
		out, err = tx.act(ctx, p, perms, jobs, a)
		return err
	})
	return out, err
}

// act applies a to the jobs it applies to and counts the rest as skipped.
// Approving and retrying hold credits for all of their jobs at once, or
// refuse them all.
func (tx *Tx) act(ctx context.Context, p *slate.Project, perms slate.Permissions, jobs []*jobRow, a slate.JobAction) (*slate.ActionResult, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	ev := eventOf(a, perms)
	out := &slate.ActionResult{Changed: []*slate.Job{}}
	var eligible []*jobRow
	for _, j := range jobs {
		if queue.Allowed(j.State, ev) && !chargedRetry(j, ev) {
			eligible = append(eligible, j)
		} else {
			out.Skipped++
		}
	}
	if len(eligible) == 0 {
		return out, nil
	}
	if ev == queue.Approve || ev == queue.Retry || ev == queue.Resubmit {
		// Approving and retrying decide to render anew, as submitting does,
		// so a lock refuses them too; jobs already queued still render.
		var shots []*slate.Shot
		for _, j := range eligible {
			if j.ShotID != "" { // an export renders no shot
				shots = append(shots, &slate.Shot{ID: j.ShotID})
			}
		}
		if err := tx.refuseLockedShots(ctx, p.ID, shots); err != nil {
			return nil, err
		}
	}
	if ev == queue.Retry || ev == queue.Resubmit {
		for _, j := range eligible {
			j.retries++
			j.Attempts, j.Error, j.TakeID, j.CostCharged = 0, nil, "", 0
		}
	}
	if ev == queue.Approve || ev == queue.Retry {
		b, err := tx.lockBalance(ctx, p.OrgID)
		if err != nil {
			return nil, err
		}
		// Approved work counts against its submitter's limit; a retry
		// against whoever retries it.
		groups := map[string][]*jobRow{}
		var members []string
		for _, j := range eligible {
			if j.Cost == 0 {
				continue // free work needs no hold
			}
			m := u.ID
			if ev == queue.Approve {
				m = j.SubmittedBy
			}
			if groups[m] == nil {
				members = append(members, m)
			}
			groups[m] = append(groups[m], j)
		}
		for _, m := range members {
			if _, err := tx.holdJobs(ctx, b, p, m, "", groups[m], false, ev == queue.Approve); err != nil {
				// A retry that would cross a project budget or the
				// retrier's limit waits for approval, as a submission does.
				// A retry has a single group (the retrier), so no hold was
				// placed yet.
				if ev == queue.Retry && slate.ErrorCode(err) == slate.EAPPROVAL {
					ev = queue.Resubmit
					break
				}
				return nil, err
			}
		}
	}
	l := lanes{}
	for _, j := range eligible {
		if ev == queue.Reject {
			j.Error = &slate.JobError{Code: slate.JobErrRejected, Message: "rejected by " + u.Name}
		}
		if err := tx.move(ctx, j, ev, l); err != nil {
			return nil, err
		}
		out.Changed = append(out.Changed, &j.Job)
	}
	return out, tx.saveLanes(ctx, l)
}

// jobsUnder selects the unfinished jobs of the shots under an element.
var jobsUnder = map[slate.ElementKind]string{
	slate.KindShot:    `shot_id = $1`,
	slate.KindScene:   `scene_id = $1`,
	slate.KindAct:     `scene_id IN (SELECT id FROM scenes WHERE act_id = $1)`,
	slate.KindProject: `project_id = $1`,
}

// cancelJobsOf cancels the unfinished jobs of shots about to be deleted, so
// their holds are released rather than stranded: waiting jobs end at once,
// running ones are asked to stop (their worker's report then finds the
// shot gone and ends them cancelled).
func (tx *Tx) cancelJobsOf(ctx context.Context, kind slate.ElementKind, id string) error {
	jobs, err := queryAll(ctx, tx, `SELECT `+jobColumns+` FROM jobs WHERE `+jobsUnder[kind]+`
		AND state NOT IN ('succeeded', 'failed', 'canceled', 'cancel_requested') ORDER BY id`+tx.db.dialect.forUpdate(), scanJob, id)
	if err != nil {
		return err
	}
	l := lanes{}
	for _, j := range jobs {
		if j.State != slate.JobRunning {
			j.Error = &slate.JobError{Code: slate.JobErrDeleted, Message: "its " + string(kind) + " was deleted"}
		}
		if err := tx.move(ctx, j, queue.Cancel, l); err != nil {
			return err
		}
	}
	return tx.saveLanes(ctx, l)
}
