package store

import (
	"context"
	"database/sql"
	"errors"
	"hash/fnv"
	"time"

	"slate"
	"slate/pricing"
	"slate/queue"
)

// DefaultLease is how long a claimed job is a worker's without a heartbeat.
const DefaultLease = 30 * time.Second

// reapBatch bounds how many lapsed leases one ReapLeases call moves, so one
// transaction stays short.
const reapBatch = 100

// Claim leases the next job a worker may run: from the organisation the
// fair order puts first among those with queued work of an engine the worker
// serves and room under their plan's concurrent-render limit, the job with
// the highest priority, then the oldest. On PostgreSQL the lane and the job
// are taken FOR UPDATE SKIP LOCKED, so workers claiming at once take
// different organisations' lanes or wait for none; on SQLite the single
// writer serialises claims.
func (s *DB) Claim(ctx context.Context, req slate.ClaimRequest) (*slate.Claim, error) {
	if req.WorkerID == "" {
		return nil, slate.Invalidf("worker_id", "a claim needs a worker id")
	}
	if len(req.Engines) == 0 {
		return nil, slate.Invalidf("engines", "a worker must serve at least one engine")
	}
	if req.Lease <= 0 {
		req.Lease = DefaultLease
	}
	var out *slate.Claim
	err := s.withTx(ctx, func(tx *Tx) error {
		out = nil
		lanes, err := tx.readyLanes(ctx)
		if err != nil {
			return err
		}
		open, err := tx.withRoom(ctx, req.Engines)
		if err != nil || len(open) == 0 {
			return err
		}
		engines := make([]any, len(open))
		for i, e := range open {
			engines[i] = e
		}
		headQuery := `SELECT ` + jobColumns + ` FROM jobs WHERE org_id = $1 AND state = 'queued' AND engine IN (` +
			placeholders(2, len(engines)) + `) ORDER BY priority DESC, topped DESC, id LIMIT 1` + s.dialect.skipLocked()
		for _, lane := range queue.Order(lanes) {
			// Take the lane, and check its room again under the lock: the
			// read above may be stale.
			var running int64
			err := tx.QueryRowContext(ctx, `SELECT running FROM queue_lanes WHERE org_id = $1`+s.dialect.skipLocked(), lane.OrgID).Scan(&running)
			if errors.Is(err, sql.ErrNoRows) {
				continue // another worker holds the lane
			}
			if err != nil {
				return err
			}
			if running >= lane.Limit {
				continue
			}
			j, err := scanJob(tx.QueryRowContext(ctx, headQuery, append([]any{lane.OrgID}, engines...)...))
			if errors.Is(err, sql.ErrNoRows) {
				continue // nothing queued for these engines
			}
			if err != nil {
				return err
			}
			// The engine may have filled since withRoom looked: then this
			// worker waits for its next poll rather than lock another.
			if ok, err := tx.takeEngineRoom(ctx, j.Engine); err != nil || !ok {
				return err
			}
			out, err = tx.claimJob(ctx, j, req)
			return err
		}
		return nil
	})
	return out, err
}

// readyLanes reads the lanes with queued work and their plans' limits.
func (tx *Tx) readyLanes(ctx context.Context) ([]queue.Lane, error) {
	rows, err := tx.QueryContext(ctx, `SELECT q.org_id, q.queued, q.running, q.served_at, b.plan
		FROM queue_lanes q JOIN balances b ON b.org_id = q.org_id WHERE q.queued > 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queue.Lane
	for rows.Next() {
		var l queue.Lane
		var plan string
		if err := rows.Scan(&l.OrgID, &l.Queued, &l.Running, &l.ServedAt, &plan); err != nil {
			return nil, err
		}
		if p, ok := tx.db.plans[plan]; ok {
			l.Limit = int64(p.ConcurrentRenders)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// claimJob hands j to the worker and builds what its engine needs.
func (tx *Tx) claimJob(ctx context.Context, j *jobRow, req slate.ClaimRequest) (*slate.Claim, error) {
	lease := tx.now.Add(req.Lease)
	j.Attempts++
	j.WorkerID, j.leaseUntil, j.Progress, j.ETA = req.WorkerID, &lease, 0, nil
	if j.StartedAt == nil {
		now := tx.now
		j.StartedAt = &now
	}
	l := lanes{}
	if err := tx.move(ctx, j, queue.Claim, l); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE queue_lanes SET queued = queued - 1, running = running + 1,
		served_at = $2 WHERE org_id = $1`, j.OrgID, ms(tx.now)); err != nil {
		return nil, err
	}
	if j.ExportID != "" {
		spec, err := tx.exportSpec(ctx, j.ExportID)
		if err != nil {
			return nil, err
		}
		return &slate.Claim{Job: &j.Job, Export: spec, LeaseUntil: lease}, nil
	}
	spec, err := tx.renderSpec(ctx, j)
	if err != nil {
		return nil, err
	}
	cl := &slate.Claim{Job: &j.Job, Spec: spec, LeaseUntil: lease}
	if queue.WorkOf(j.ProviderRequestID != "") == queue.ResumeWork {
		cl.Request = &slate.ProviderRequest{ID: j.ProviderRequestID, Data: j.ticket}
	}
	return cl, nil
}

// renderSpec reads the shot as it is now: edits made while the job waited
// are what the artist wants rendered.
func (tx *Tx) renderSpec(ctx context.Context, j *jobRow) (slate.RenderSpec, error) {
	sh, err := tx.loadShot(ctx, j.ShotID)
	if err != nil {
		return slate.RenderSpec{}, err
	}
	p, err := tx.loadProject(ctx, j.ProjectID)
	if err != nil {
		return slate.RenderSpec{}, err
	}
	spec := slate.RenderSpec{JobID: j.ID, ShotID: sh.ID, ShotName: sh.Name, Prompt: sh.Prompt,
		NegativePrompt: sh.NegativePrompt, Camera: sh.Camera, Engine: j.Engine, Tier: j.Tier,
		DurationMS: j.DurationMS, FrameRate: p.FrameRate, AspectRatio: p.AspectRatio}
	if sh.Seed != nil {
		spec.Seed = *sh.Seed
	} else {
		// A stable seed per shot, so re-renders differ only when asked to.
		h := fnv.New64a()
		h.Write([]byte(sh.ID))
		spec.Seed = int64(h.Sum64() >> 1)
	}
	if f := sh.StartFrame; f != nil {
		var key string
		err := tx.QueryRowContext(ctx, `SELECT media_path FROM takes WHERE id = $1`, f.TakeID).Scan(&key)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return spec, err
		}
		// A take gone with its shot leaves the frame out; the engine
		// renders from the prompt alone.
		if err == nil {
			spec.StartFrame = &slate.FrameRef{MediaKey: key, TakeID: f.TakeID, Last: f.AtMS == nil}
			if f.AtMS != nil {
				spec.StartFrame.AtMS = *f.AtMS
			}
		}
	}
	tier, ok := tx.db.book.Tier(j.Tier)
	if !ok {
		return spec, errors.New("store: job tier " + j.Tier + " is not in the price book")
	}
	spec.Width, spec.Height, err = pricing.Resolution(tier, p.AspectRatio)
	return spec, err
}

// workerJob locks a job for its worker's report: the lease must still be
// the worker's, or the report is a conflict and changes nothing.
func (tx *Tx) workerJob(ctx context.Context, jobID, workerID string) (*jobRow, error) {
	j, err := tx.lockJob(ctx, jobID)
	if err != nil {
		return nil, err
	}
	if j.WorkerID != workerID || (j.State != slate.JobRunning && j.State != slate.JobCancelRequested) {
		return nil, slate.Errorf(slate.ECONFLICT, "job %s is no longer leased to worker %s", jobID, workerID)
	}
	return j, nil
}

// Heartbeat extends a job's lease and records its progress.
func (s *DB) Heartbeat(ctx context.Context, jobID string, b slate.Beat) (slate.JobState, error) {
	if b.Progress < 0 || b.Progress > 100 {
		return "", slate.Invalidf("progress", "progress must be between 0 and 100, got %d", b.Progress)
	}
	if b.Lease <= 0 {
		b.Lease = DefaultLease
	}
	var state slate.JobState
	err := s.withTx(ctx, func(tx *Tx) error {
		j, err := tx.workerJob(ctx, jobID, b.WorkerID)
		if err != nil {
			return err
		}
		lease := tx.now.Add(b.Lease)
		changed := j.Progress != b.Progress || !sameTime(j.ETA, b.ETA)
		j.leaseUntil, j.Progress, j.ETA = &lease, b.Progress, b.ETA
		if err := tx.saveJob(ctx, j); err != nil {
			return err
		}
		state = j.State
		if !changed {
			return nil
		}
		return tx.jobEvent(ctx, j)
	})
	return state, err
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// Finish stores a job's take, selects it for the shot (resetting review to
// pending) and charges the job its quoted cost, all in one transaction. An
// export job's file is recorded on its export instead.
func (s *DB) Finish(ctx context.Context, jobID, workerID string, r slate.RenderResult) (*slate.Job, error) {
	if r.MediaKey == "" {
		return nil, slate.Invalidf("media", "a finished job needs its media")
	}
	var out *slate.Job
	err := s.withTx(ctx, func(tx *Tx) error {
		j, err := tx.workerJob(ctx, jobID, workerID)
		if err != nil {
			return err
		}
		ev := queue.Succeed
		if j.ExportID != "" {
			if err := tx.finishExport(ctx, j, r); err != nil {
				return err
			}
		} else if ev, err = tx.keepTake(ctx, j, r); err != nil {
			return err
		}
		l := lanes{}
		if err := tx.move(ctx, j, ev, l); err != nil {
			return err
		}
		out = &j.Job
		return tx.saveLanes(ctx, l)
	})
	return out, err
}

// keepTake stores a finished render as its shot's selected take. A shot
// deleted while it rendered keeps nothing, and the job fails uncharged.
func (tx *Tx) keepTake(ctx context.Context, j *jobRow, r slate.RenderResult) (queue.Event, error) {
	take := &slate.Take{ID: tx.db.newID("take"), ShotID: j.ShotID, ProjectID: j.ProjectID, JobID: j.ID,
		Engine: j.Engine, Tier: j.Tier, Width: r.Width, Height: r.Height, FrameRate: r.FrameRate,
		DurationMS: r.DurationMS, Cost: j.Cost, MediaKey: r.MediaKey, MediaType: r.MediaType, Size: r.Size,
		Streams: r.Streams, Provider: r.Provider, CreatedAt: tx.now}
	// The request id is the job's, saved when the provider accepted it.
	take.Provider.RequestID = j.ProviderRequestID
	ok, err := tx.insertTake(ctx, j.OrgID, take)
	if err != nil {
		return "", err
	}
	if !ok {
		j.Error = &slate.JobError{Code: slate.JobErrEngineFailed, Message: "the shot was deleted while it rendered"}
		return queue.Fail, nil
	}
	j.TakeID, j.Progress = take.ID, 100
	return queue.Succeed, nil
}

// maxRequestID bounds a provider's request id; ids are tens of bytes.
const maxRequestID = 512

// maxRequestData bounds what an engine keeps to resume a request (its
// engine.MaxTicketData).
const maxRequestData = 4096

// Submitted records that the job's provider accepted its request, so the
// next worker to hold the job resumes it rather than submitting again.
func (s *DB) Submitted(ctx context.Context, jobID, workerID string, r slate.ProviderRequest) error {
	if r.ID == "" || len(r.ID) > maxRequestID {
		return slate.Invalidf("id", "a provider request id must be 1 to %d bytes", maxRequestID)
	}
	if len(r.Data) > maxRequestData {
		return slate.Invalidf("data", "a provider request's data must be at most %d bytes", maxRequestData)
	}
	return s.withTx(ctx, func(tx *Tx) error {
		j, err := tx.workerJob(ctx, jobID, workerID)
		if err != nil {
			return err
		}
		if err := queue.CanSubmit(j.State, j.ProviderRequestID != ""); err != nil {
			return err
		}
		now := tx.now
		j.ProviderRequestID, j.ticket, j.SubmittedAt = r.ID, r.Data, &now
		if err := tx.saveJob(ctx, j); err != nil {
			return err
		}
		return tx.jobEvent(ctx, j)
	})
}

// Fail ends a job its engine could not render; its hold is released.
func (s *DB) Fail(ctx context.Context, jobID, workerID string, e slate.JobError) (*slate.Job, error) {
	if e.Code == "" {
		return nil, slate.Invalidf("code", "a failure needs an error code")
	}
	return s.workerMove(ctx, jobID, workerID, queue.Fail, &e)
}

// Stopped ends a job its worker stopped because its cancel was requested.
func (s *DB) Stopped(ctx context.Context, jobID, workerID string) (*slate.Job, error) {
	return s.workerMove(ctx, jobID, workerID, queue.Stop, nil)
}

func (s *DB) workerMove(ctx context.Context, jobID, workerID string, ev queue.Event, e *slate.JobError) (*slate.Job, error) {
	var out *slate.Job
	err := s.withTx(ctx, func(tx *Tx) error {
		j, err := tx.workerJob(ctx, jobID, workerID)
		if err != nil {
			return err
		}
		if e != nil && j.State == slate.JobRunning {
			j.Error = e
		}
		l := lanes{}
		if err := tx.move(ctx, j, ev, l); err != nil {
			return err
		}
		out = &j.Job
		return tx.saveLanes(ctx, l)
	})
	return out, err
}

// ReapLeases requeues jobs whose worker stopped sending heartbeats, or
// fails them once they have started MaxAttempts times; a job whose cancel
// was requested ends cancelled. Several servers may reap at once: each
// takes different jobs.
func (s *DB) ReapLeases(ctx context.Context) (int, error) {
	var n int
	err := s.withTx(ctx, func(tx *Tx) error {
		n = 0
		jobs, err := queryAll(ctx, tx, `SELECT `+jobColumns+` FROM jobs WHERE state IN ('running', 'cancel_requested')
			AND lease_until < $1 ORDER BY id LIMIT $2`+s.dialect.skipLocked(), scanJob, ms(tx.now), reapBatch)
		if err != nil {
			return err
		}
		l := lanes{}
		for _, j := range jobs {
			ev := queue.AfterLapse(j.Attempts)
			if ev == queue.Exhaust && j.State == slate.JobRunning {
				j.Error = &slate.JobError{Code: slate.JobErrLeaseLost,
					Message: "the worker stopped answering on every one of its attempts"}
			}
			if err := tx.move(ctx, j, ev, l); err != nil {
				return err
			}
			n++
		}
		return tx.saveLanes(ctx, l)
	})
	return n, err
}
