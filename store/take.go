package store

import (
	"context"
	"database/sql"

	"slate"
)

const takeColumns = `t.id, t.shot_id, t.project_id, COALESCE(t.job_id, ''), t.engine, t.tier, t.width, t.height,
	t.frame_rate, t.duration_ms, t.cost, t.media_path, t.media_type, t.size, t.created_at,
	CASE WHEN s.selected_take_id = t.id THEN 1 ELSE 0 END, t.video_codec, t.pix_fmt, t.video_profile, t.audio_codec,
	t.audio_rate, t.audio_channels, t.model, t.provider_request_id, t.seed, t.billed_ms, t.compute_ms,
	t.provider_amount, t.provider_unit, t.provider_cost, t.provider_currency`

func scanTake(r scanner) (*slate.Take, error) {
	t := &slate.Take{}
	var created int64
	var selected int
	var seed sql.NullInt64
	pv := &t.Provider
	err := r.Scan(&t.ID, &t.ShotID, &t.ProjectID, &t.JobID, &t.Engine, &t.Tier, &t.Width, &t.Height, &t.FrameRate,
		&t.DurationMS, &t.Cost, &t.MediaKey, &t.MediaType, &t.Size, &created, &selected, &t.Streams.VideoCodec,
		&t.Streams.PixFmt, &t.Streams.VideoProfile, &t.Streams.AudioCodec, &t.Streams.AudioRate, &t.Streams.AudioChannels,
		&pv.Model, &pv.RequestID, &seed, &pv.BilledMS, &pv.ComputeMS, &pv.Amount, &pv.Unit, &pv.Cost, &pv.Currency)
	if err != nil {
		return nil, err
	}
	if seed.Valid {
		pv.Seed = &seed.Int64
	}
	t.CreatedAt, t.Selected = fromMS(created), selected == 1
	return t, nil
}

// insertTake stores a finished render and makes it the shot's selected
// take; a new take resets the shot's review to pending. It reports false
// when the shot is gone.
func (tx *Tx) insertTake(ctx context.Context, orgID string, t *slate.Take) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE shots SET selected_take_id = $2, review_status = $3, review_note = '',
		updated_at = $4 WHERE id = $1`, t.ShotID, t.ID, slate.ReviewPending, ms(tx.now))
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	t.Selected = true
	st, pv := t.Streams, t.Provider
	var seed sql.NullInt64
	if pv.Seed != nil {
		seed = sql.NullInt64{Int64: *pv.Seed, Valid: true}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO takes (id, org_id, project_id, shot_id, job_id, engine, tier, width,
		height, frame_rate, duration_ms, media_path, media_type, size, cost, created_at, video_codec, pix_fmt,
		video_profile, audio_codec, audio_rate, audio_channels, model, provider_request_id, seed, billed_ms,
		compute_ms, provider_amount, provider_unit, provider_cost, provider_currency)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
		$23, $24, $25, $26, $27, $28, $29, $30, $31)`,
		t.ID, orgID, t.ProjectID, t.ShotID, null(t.JobID), t.Engine, t.Tier, t.Width, t.Height, t.FrameRate,
		t.DurationMS, t.MediaKey, t.MediaType, t.Size, t.Cost, ms(t.CreatedAt), st.VideoCodec, st.PixFmt,
		st.VideoProfile, st.AudioCodec, st.AudioRate, st.AudioChannels, pv.Model, pv.RequestID, seed, pv.BilledMS,
		pv.ComputeMS, pv.Amount, pv.Unit, pv.Cost, pv.Currency)
	return err == nil, err
}

// Takes pages a shot's takes, newest first.
func (s *DB) Takes(ctx context.Context, shotID string, page slate.PageRequest) (*slate.Page[*slate.Take], error) {
	limit, err := pageLimit(page.Limit)
	if err != nil {
		return nil, err
	}
	before, err := decodeTimeCursor(page.Cursor, "take")
	if err != nil {
		return nil, err
	}
	var items []*slate.Take
	err = s.withReadTx(ctx, func(tx *Tx) error {
		if _, err := tx.access(ctx, slate.ElementRef{Kind: slate.KindShot, ID: shotID}, slate.PermRead); err != nil {
			return err
		}
		q := `SELECT ` + takeColumns + ` FROM takes t JOIN shots s ON s.id = t.shot_id WHERE t.shot_id = $1`
		args := []any{shotID, limit + 1}
		if before.id != "" {
			q += ` AND (t.created_at, t.id) < ($3, $4)`
			args = append(args, before.at, before.id)
		}
		items, err = queryAll(ctx, tx, q+` ORDER BY t.created_at DESC, t.id DESC LIMIT $2`, scanTake, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(t *slate.Take) string { return encodeTimeCursor(t.CreatedAt, t.ID) }), nil
}

// Take reads one take of a shot the acting user may see.
func (s *DB) Take(ctx context.Context, takeID string) (*slate.Take, error) {
	var out *slate.Take
	err := s.withReadTx(ctx, func(tx *Tx) error {
		var err error
		if out, err = tx.loadTake(ctx, takeID); err != nil {
			return err
		}
		if _, err := tx.access(ctx, slate.ElementRef{Kind: slate.KindShot, ID: out.ShotID}, slate.PermRead); err != nil {
			return hideAs(err, "take", takeID)
		}
		return nil
	})
	return out, err
}

func (tx *Tx) loadTake(ctx context.Context, takeID string) (*slate.Take, error) {
	t, err := scanTake(tx.QueryRowContext(ctx, `SELECT `+takeColumns+` FROM takes t JOIN shots s ON s.id = t.shot_id
		WHERE t.id = $1`, takeID))
	if err != nil {
		return nil, errNoRows(err, "take", takeID)
	}
	return t, nil
}

// SelectTake makes a take its shot's selected one. Like review, it stays
// allowed on a locked shot: choosing among finished takes changes no render.
// Choosing another take resets review to pending, since what was approved
// is no longer what the cut shows.
func (s *DB) SelectTake(ctx context.Context, takeID string) (*slate.Shot, error) {
	var out *slate.Shot
	err := s.withTx(ctx, func(tx *Tx) error {
		t, err := tx.loadTake(ctx, takeID)
		if err != nil {
			return err
		}
		c, err := tx.access(ctx, slate.ElementRef{Kind: slate.KindShot, ID: t.ShotID}, slate.PermModify)
		if err != nil {
			return hideAs(err, "take", takeID)
		}
		if !t.Selected {
			if _, err := tx.ExecContext(ctx, `UPDATE shots SET selected_take_id = $2, review_status = $3,
				review_note = '', updated_at = $4 WHERE id = $1`, t.ShotID, t.ID, slate.ReviewPending, ms(tx.now)); err != nil {
				return err
			}
		}
		if out, err = tx.loadShot(ctx, t.ShotID); err != nil {
			return err
		}
		out.Resolve(c.project)
		return nil
	})
	return out, err
}
