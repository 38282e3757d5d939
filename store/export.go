package store

import (
	"context"
	"database/sql"
	"fmt"
	"path"
	"strings"
	"unicode"

	"slate"
	"slate/queue"
)

// CreateExport queues an export of a selection of a project's shots: one
// queue job (engine "export") in a batch of its own, so workers on any
// server make it, members steer it like a render, and its progress reaches
// the live feed. The cut is frozen now: each shot's selected take and
// length. A shot without a selected take refuses the whole export, naming
// every such shot. Exports cost nothing unless the price book prices them;
// then they are held for like renders.
func (s *DB) CreateExport(ctx context.Context, projectID string, in slate.ExportInput) (*slate.Export, error) {
	if !slate.ValidPreset(in.Preset) {
		return nil, slate.Invalidf("preset", "unknown preset %q; choose one of %s", in.Preset,
			strings.Join(slate.ExportPresets, ", "))
	}
	switch in.Reframe {
	case "":
		in.Reframe = slate.ReframeCrop
	case slate.ReframeCrop, slate.ReframePad:
	default:
		return nil, slate.Invalidf("reframe", "reframe is crop or pad, not %q", in.Reframe)
	}
	priority := slate.DefaultPriority
	if in.Priority != nil {
		priority = *in.Priority
	}
	if err := queue.ValidatePriority(priority); err != nil {
		return nil, err
	}
	if err := in.Selection.Validate(); err != nil {
		return nil, err
	}
	var out *slate.Export
	err := s.withTx(ctx, func(tx *Tx) error {
		p, u, perms, err := tx.projectAccess(ctx, projectID)
		if err != nil {
			return err
		}
		// Exports are queue jobs, steered like renders: the queue's
		// permission applies.
		if !perms.Has(slate.PermRunAI) {
			return slate.Forbidden(slate.PermRunAI)
		}
		clips, err := tx.exportClips(ctx, p, in.Selection)
		if err != nil {
			return err
		}
		var total int64
		for _, c := range clips {
			total += c.DurationMS
		}
		cost, err := s.book.ExportCost(total)
		if err != nil {
			return err
		}
		e := &slate.Export{ID: s.newID("exp"), OrgID: p.OrgID, ProjectID: p.ID, Title: p.Title, Preset: in.Preset,
			Reframe: in.Reframe, State: slate.JobQueued, FrameRate: p.FrameRate, DurationMS: total, Cost: cost,
			CreatedBy: u.ID, CreatedAt: tx.now, Clips: clips}
		batch := &slate.Batch{ID: s.newID("batch"), OrgID: p.OrgID, ProjectID: p.ID, Engine: slate.ExportEngine,
			Tier: in.Preset, Priority: priority, SubmittedBy: u.ID, CreatedAt: tx.now}
		j := &jobRow{Job: slate.Job{ID: s.newID("job"), OrgID: p.OrgID, ProjectID: p.ID, BatchID: batch.ID,
			ShotName: "Export: " + p.Title, Engine: slate.ExportEngine, Tier: in.Preset, DurationMS: total,
			State: slate.JobQueued, Priority: priority, Cost: cost, SubmittedBy: u.ID, CreatedAt: tx.now,
			ExportID: e.ID}}
		e.JobID = j.ID
		if cost > 0 {
			if err := tx.holdExport(ctx, p, u.ID, perms, j); err != nil {
				return err
			}
		}
		e.State = j.State
		if _, err := tx.ExecContext(ctx, `INSERT INTO batches (id, org_id, project_id, engine, tier, priority,
			submitted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, batch.ID, batch.OrgID, batch.ProjectID,
			batch.Engine, batch.Tier, batch.Priority, batch.SubmittedBy, ms(batch.CreatedAt)); err != nil {
			return err
		}
		if err := tx.insertJob(ctx, j); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exports (id, org_id, project_id, job_id, title, preset, reframe,
			frame_rate, duration_ms, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			e.ID, e.OrgID, e.ProjectID, e.JobID, e.Title, e.Preset, string(e.Reframe), e.FrameRate, e.DurationMS,
			e.CreatedBy, ms(e.CreatedAt)); err != nil {
			return err
		}
		if err := tx.insertClips(ctx, e.ID, clips); err != nil {
			return err
		}
		l := lanes{}
		dq, dr := queue.LaneDelta("", j.State)
		l.add(j.OrgID, dq, dr)
		if err := tx.saveLanes(ctx, l); err != nil {
			return err
		}
		out = e
		return tx.jobEvent(ctx, j)
	})
	return out, err
}

// holdExport holds a priced export's cost, or leaves it waiting for
// approval, unheld, as a render from the same member would.
func (tx *Tx) holdExport(ctx context.Context, p *slate.Project, member string, perms slate.Permissions, j *jobRow) error {
	if !perms.Has(slate.PermUseCredits) {
		j.State = slate.JobAwaitingApproval
		return nil
	}
	b, err := tx.lockBalance(ctx, p.OrgID)
	if err != nil {
		return err
	}
	_, err = tx.holdJobs(ctx, b, p, member, "", []*jobRow{j}, false, false)
	if slate.ErrorCode(err) == slate.EAPPROVAL {
		j.State = slate.JobAwaitingApproval
		return nil
	}
	return err
}

// exportClips resolves the selection to the cut: its shots in tree order,
// each with its selected take, or a conflict naming every shot without one.
func (tx *Tx) exportClips(ctx context.Context, p *slate.Project, sel slate.Selection) ([]slate.ExportClip, error) {
	shots, err := tx.selectShots(ctx, p, sel)
	if err != nil {
		return nil, err
	}
	if len(shots) == 0 {
		return nil, slate.Invalidf("selection", "the selection has no shots to export")
	}
	var missing []slate.ShotRef
	for _, sh := range shots {
		if sh.SelectedTakeID == "" {
			missing = append(missing, slate.ShotRef{ID: sh.ID, Name: sh.Name})
		}
	}
	if len(missing) > 0 {
		names := make([]string, 0, min(len(missing), 5))
		for _, m := range missing[:min(len(missing), 5)] {
			names = append(names, fmt.Sprintf("%q", m.Name))
		}
		more := ""
		if len(missing) > 5 {
			more = fmt.Sprintf(" and %d more", len(missing)-5)
		}
		return nil, &slate.Error{Code: slate.ECONFLICT, MissingTakes: missing,
			Message: fmt.Sprintf("%d of %d shots have no take to export: %s%s; render them or select a take first",
				len(missing), len(shots), strings.Join(names, ", "), more)}
	}
	clips := make([]slate.ExportClip, len(shots))
	for i, sh := range shots {
		clips[i] = slate.ExportClip{Position: i + 1, ShotID: sh.ID, ShotName: sh.Name, TakeID: sh.SelectedTakeID,
			DurationMS: sh.DurationMS}
	}
	return clips, nil
}

// clipChunk bounds the rows of one insert, under both databases' limits on
// bound parameters.
const clipChunk = 500

func (tx *Tx) insertClips(ctx context.Context, exportID string, clips []slate.ExportClip) error {
	for start := 0; start < len(clips); start += clipChunk {
		part := clips[start:min(start+clipChunk, len(clips))]
		var q strings.Builder
		q.WriteString(`INSERT INTO export_clips (export_id, position, shot_id, shot_name, take_id, duration_ms) VALUES `)
		args := make([]any, 0, len(part)*6)
		for i, c := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + placeholders(len(args)+1, 6) + ")")
			args = append(args, exportID, c.Position, c.ShotID, c.ShotName, c.TakeID, c.DurationMS)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) loadClips(ctx context.Context, exportID string) ([]slate.ExportClip, error) {
	return queryAll(ctx, tx, `SELECT position, shot_id, shot_name, take_id, duration_ms
		FROM export_clips WHERE export_id = $1 ORDER BY position`, func(r scanner) (slate.ExportClip, error) {
		var c slate.ExportClip
		err := r.Scan(&c.Position, &c.ShotID, &c.ShotName, &c.TakeID, &c.DurationMS)
		return c, err
	}, exportID)
}

const exportColumns = `e.id, e.org_id, e.project_id, e.job_id, e.title, e.preset, e.reframe, e.frame_rate,
	e.duration_ms, COALESCE(e.file_key, ''), COALESCE(e.media_type, ''), e.size, e.width, e.height, e.created_by,
	e.created_at, j.state, j.progress, j.eta, COALESCE(j.error_code, ''), COALESCE(j.error_message, ''), j.cost,
	j.finished_at`

const exportFrom = ` FROM exports e JOIN jobs j ON j.id = e.job_id`

func scanExport(r scanner) (*slate.Export, error) {
	e := &slate.Export{}
	var created int64
	var eta, finished sql.NullInt64
	var code, msg string
	err := r.Scan(&e.ID, &e.OrgID, &e.ProjectID, &e.JobID, &e.Title, &e.Preset, &e.Reframe, &e.FrameRate,
		&e.DurationMS, &e.FileKey, &e.MediaType, &e.Size, &e.Width, &e.Height, &e.CreatedBy, &created,
		&e.State, &e.Progress, &eta, &code, &msg, &e.Cost, &finished)
	if err != nil {
		return nil, err
	}
	e.CreatedAt, e.ETA, e.FinishedAt = fromMS(created), fromNullMS(eta), fromNullMS(finished)
	if code != "" {
		e.Error = &slate.JobError{Code: code, Message: msg}
	}
	if e.FileKey != "" {
		e.FileName = fileName(e.Title, e.Preset, path.Ext(e.FileKey))
	}
	return e, nil
}

// fileName is the name a download is offered under: the title, kept to
// characters every file system and browser takes, and the preset.
func fileName(title, preset, ext string) string {
	var b strings.Builder
	for _, r := range title {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.':
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune('_')
		}
	}
	name := strings.Trim(strings.Join(strings.Fields(b.String()), " "), ". ")
	if r := []rune(name); len(r) > 80 {
		name = strings.TrimSpace(string(r[:80]))
	}
	if name == "" {
		name = "export"
	}
	return name + " - " + preset + ext
}

// Export reads one export of a project the acting user may see, with its
// cut.
func (s *DB) Export(ctx context.Context, exportID string) (*slate.Export, error) {
	var out *slate.Export
	err := s.withReadTx(ctx, func(tx *Tx) error {
		e, err := scanExport(tx.QueryRowContext(ctx, `SELECT `+exportColumns+exportFrom+` WHERE e.id = $1`, exportID))
		if err != nil {
			return errNoRows(err, "export", exportID)
		}
		if _, _, err := tx.requireProject(ctx, e.ProjectID, slate.PermRead); err != nil {
			return hideAs(err, "export", exportID)
		}
		if e.Clips, err = tx.loadClips(ctx, e.ID); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}

// Exports lists a project's exports, newest first, without their cuts.
func (s *DB) Exports(ctx context.Context, projectID string, page slate.PageRequest) (*slate.Page[*slate.Export], error) {
	limit, err := pageLimit(page.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeIDCursor(page.Cursor, "exp")
	if err != nil {
		return nil, err
	}
	var items []*slate.Export
	err = s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireProject(ctx, projectID, slate.PermRead); err != nil {
			return err
		}
		q := `SELECT ` + exportColumns + exportFrom + ` WHERE e.project_id = $1`
		args := []any{projectID}
		if after != "" {
			q += ` AND e.id < $2`
			args = append(args, after)
		}
		items, err = queryAll(ctx, tx, q+fmt.Sprintf(` ORDER BY e.id DESC LIMIT %d`, limit+1), scanExport, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(e *slate.Export) string { return encodeIDCursor(e.ID) }), nil
}

// exportSpec is what a worker needs to make an export's file.
func (tx *Tx) exportSpec(ctx context.Context, exportID string) (*slate.ExportSpec, error) {
	spec := &slate.ExportSpec{ExportID: exportID}
	err := tx.QueryRowContext(ctx, `SELECT title, preset, reframe, frame_rate FROM exports WHERE id = $1`, exportID).
		Scan(&spec.Title, &spec.Preset, &spec.Reframe, &spec.FrameRate)
	if err != nil {
		return nil, errNoRows(err, "export", exportID)
	}
	if spec.Clips, err = tx.loadClips(ctx, exportID); err != nil {
		return nil, err
	}
	// A take is never deleted, and its file never moves: the clip's take
	// says where the file is.
	takes, err := queryAll(ctx, tx, `SELECT `+takeColumns+` FROM takes t LEFT JOIN shots s ON s.id = t.shot_id
		WHERE t.id IN (SELECT take_id FROM export_clips WHERE export_id = $1)`, scanTake, exportID)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*slate.Take, len(takes))
	for _, t := range takes {
		byID[t.ID] = t
	}
	for i := range spec.Clips {
		spec.Clips[i].Take = byID[spec.Clips[i].TakeID]
	}
	return spec, nil
}

// finishExport records an export's file on its row; the caller moves the
// job.
func (tx *Tx) finishExport(ctx context.Context, j *jobRow, r slate.RenderResult) error {
	_, err := tx.ExecContext(ctx, `UPDATE exports SET file_key = $2, media_type = $3, size = $4, width = $5,
		height = $6 WHERE id = $1`, j.ExportID, r.MediaKey, r.MediaType, r.Size, r.Width, r.Height)
	j.Progress = 100
	return err
}
