package store

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"slate"
)

// jobRow is a job with what only the store needs of it.
type jobRow struct {
	slate.Job
	sceneID    string
	holdID     string
	retries    int
	topped     int64
	leaseUntil *time.Time
	// ticket is the engine's data for resuming the provider request.
	ticket string
	// from is the state the job was read in, so saving knows what moved.
	from slate.JobState
}

const jobColumns = `id, org_id, project_id, batch_id, shot_id, scene_id, shot_name, engine, tier, duration_ms,
	state, priority, topped, progress, eta, cost, COALESCE(hold_id, ''), retries, cost_held, cost_charged,
	submitted_by, COALESCE(error_code, ''), COALESCE(error_message, ''), attempts, COALESCE(take_id, ''),
	COALESCE(worker_id, ''), lease_until, created_at, started_at, finished_at, COALESCE(export_id, ''),
	COALESCE(provider_request_id, ''), COALESCE(provider_ticket, ''), submitted_at`

func scanJob(r scanner) (*jobRow, error) {
	j := &jobRow{}
	var eta, lease, started, finished, submitted sql.NullInt64
	var created int64
	var code, msg string
	err := r.Scan(&j.ID, &j.OrgID, &j.ProjectID, &j.BatchID, &j.ShotID, &j.sceneID, &j.ShotName, &j.Engine, &j.Tier,
		&j.DurationMS, &j.State, &j.Priority, &j.topped, &j.Progress, &eta, &j.Cost, &j.holdID, &j.retries,
		&j.CostHeld, &j.CostCharged, &j.SubmittedBy, &code, &msg, &j.Attempts, &j.TakeID, &j.WorkerID,
		&lease, &created, &started, &finished, &j.ExportID, &j.ProviderRequestID, &j.ticket, &submitted)
	if err != nil {
		return nil, err
	}
	j.from = j.State
	j.ETA, j.leaseUntil, j.StartedAt, j.FinishedAt = fromNullMS(eta), fromNullMS(lease), fromNullMS(started), fromNullMS(finished)
	j.CreatedAt, j.SubmittedAt = fromMS(created), fromNullMS(submitted)
	if code != "" {
		j.Error = &slate.JobError{Code: code, Message: msg}
	}
	return j, nil
}

func nullTime(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(*t), Valid: true}
}

// lockJob reads a job for a change: on PostgreSQL its row stays locked until
// the transaction ends, so two changes of one job queue up.
func (tx *Tx) lockJob(ctx context.Context, jobID string) (*jobRow, error) {
	j, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`+tx.db.dialect.forUpdate(), jobID))
	if err != nil {
		return nil, errNoRows(err, "job", jobID)
	}
	return j, nil
}

// insertJob stores a new job.
func (tx *Tx) insertJob(ctx context.Context, j *jobRow) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, org_id, project_id, batch_id, shot_id, scene_id, shot_name,
		engine, tier, duration_ms, state, priority, cost, hold_id, cost_held, submitted_by, created_at, updated_at,
		export_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18)`,
		j.ID, j.OrgID, j.ProjectID, j.BatchID, j.ShotID, j.sceneID, j.ShotName, j.Engine, j.Tier, j.DurationMS,
		string(j.State), j.Priority, j.Cost, null(j.holdID), j.CostHeld, j.SubmittedBy, ms(j.CreatedAt), null(j.ExportID))
	j.from = j.State
	return err
}

// saveJob writes back every field a change may touch.
func (tx *Tx) saveJob(ctx context.Context, j *jobRow) error {
	var code, msg string
	if j.Error != nil {
		code, msg = j.Error.Code, j.Error.Message
	}
	_, err := tx.ExecContext(ctx, `UPDATE jobs SET state = $2, priority = $3, topped = $4, progress = $5, eta = $6,
		hold_id = $7, retries = $8, cost_held = $9, cost_charged = $10, error_code = $11, error_message = $12,
		attempts = $13, take_id = $14, worker_id = $15, lease_until = $16, started_at = $17, finished_at = $18,
		updated_at = $19, provider_request_id = $20, provider_ticket = $21, submitted_at = $22 WHERE id = $1`,
		j.ID, string(j.State), j.Priority, j.topped, j.Progress, nullTime(j.ETA), null(j.holdID), j.retries,
		j.CostHeld, j.CostCharged, null(code), null(msg), j.Attempts, null(j.TakeID), null(j.WorkerID),
		nullTime(j.leaseUntil), nullTime(j.StartedAt), nullTime(j.FinishedAt), ms(tx.now), null(j.ProviderRequestID),
		null(j.ticket), nullTime(j.SubmittedAt))
	return err
}

// jobEvent tells the live feed about a job as it is now.
func (tx *Tx) jobEvent(ctx context.Context, j *jobRow) error {
	return tx.event(ctx, j.OrgID, j.ProjectID, eventJob, "", &j.Job)
}

// Job reads one job of a project the acting user may see.
func (s *DB) Job(ctx context.Context, jobID string) (*slate.Job, error) {
	var out *slate.Job
	err := s.withReadTx(ctx, func(tx *Tx) error {
		j, err := scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, jobID))
		if err != nil {
			return errNoRows(err, "job", jobID)
		}
		if _, _, err := tx.requireProject(ctx, j.ProjectID, slate.PermRead); err != nil {
			return hideAs(err, "job", jobID)
		}
		out = &j.Job
		return nil
	})
	return out, err
}

// hideAs answers a job or batch in a project the user may not see as not
// found under its own name, so the project's id does not leak.
func hideAs(err error, what, id string) error {
	if slate.ErrorCode(err) == slate.ENOTFOUND {
		return slate.NotFound(what, id)
	}
	return err
}

// Jobs lists an organisation's jobs, newest first: every member sees every
// job, except those of restricted projects they are not named on.
func (s *DB) Jobs(ctx context.Context, orgID string, f slate.JobFilter) (*slate.Page[*slate.Job], error) {
	limit, err := pageLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	if f.State != "" && !validJobState(f.State) {
		return nil, slate.Invalidf("state", "unknown job state %q", f.State)
	}
	after, err := decodeIDCursor(f.Cursor, "job")
	if err != nil {
		return nil, err
	}
	var items []*slate.Job
	err = s.withReadTx(ctx, func(tx *Tx) error {
		u, perms, err := tx.requireOrg(ctx, orgID, slate.PermRead)
		if err != nil {
			return err
		}
		hidden, err := tx.hiddenProjects(ctx, orgID, u.ID, perms)
		if err != nil {
			return err
		}
		q := `SELECT ` + jobColumns + ` FROM jobs WHERE org_id = $1`
		args := []any{orgID}
		arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
		if f.State != "" {
			q += ` AND state = ` + arg(string(f.State))
		}
		if f.ProjectID != "" {
			q += ` AND project_id = ` + arg(f.ProjectID)
		}
		if f.BatchID != "" {
			q += ` AND batch_id = ` + arg(f.BatchID)
		}
		if after != "" {
			q += ` AND id < ` + arg(after)
		}
		if len(hidden) > 0 {
			ids := make([]any, 0, len(hidden))
			for id := range hidden {
				ids = append(ids, id)
			}
			q += ` AND project_id NOT IN (` + placeholders(len(args)+1, len(ids)) + `)`
			args = append(args, ids...)
		}
		rows, err := queryAll(ctx, tx, q+` ORDER BY id DESC LIMIT `+arg(limit+1), scanJob, args...)
		if err != nil {
			return err
		}
		for _, j := range rows {
			items = append(items, &j.Job)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(j *slate.Job) string { return encodeIDCursor(j.ID) }), nil
}

func validJobState(s slate.JobState) bool {
	for _, v := range slate.JobStates {
		if v == s {
			return true
		}
	}
	return false
}

// RunningByOrg counts each organisation's running jobs from the jobs
// themselves rather than the lanes, so operators (and tests) can check
// the concurrent-render limits independently of the counters claims use.
func (s *DB) RunningByOrg(ctx context.Context) (map[string]int, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT org_id, COUNT(*) FROM jobs
		WHERE state IN ('running', 'cancel_requested') GROUP BY org_id`)
	if err != nil {
		return nil, s.dialect.translate(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var org string
		var n int
		if err := rows.Scan(&org, &n); err != nil {
			return nil, err
		}
		out[org] = n
	}
	return out, rows.Err()
}
