package store

import (
	"context"
	"database/sql"
	"errors"

	"slate"
)

const shotColumns = `id, project_id, act_id, scene_id, name, position, duration_ms, prompt, negative_prompt, seed,
	shot_type, angle, movement, lens, engine, tier, review_status, review_note, selected_take_id,
	locked_by, locked_at, lock_reason, created_at, updated_at, start_take_id, start_at_ms`

// scanShot reads a row of shotColumns; tags, the lock's ByName and the
// effective engine and tier are the caller's.
func scanShot(r scanner) (*slate.Shot, error) {
	sh := &slate.Shot{Tags: []string{}}
	var seed sql.NullInt64
	var take sql.NullString
	var lc lockCols
	var created, updated int64
	var startTake sql.NullString
	var startAt sql.NullInt64
	cam := &sh.Camera
	dest := []any{&sh.ID, &sh.ProjectID, &sh.ActID, &sh.SceneID, &sh.Name, &sh.Position, &sh.DurationMS,
		&sh.Prompt, &sh.NegativePrompt, &seed, &cam.ShotType, &cam.Angle, &cam.Movement, &cam.Lens,
		&sh.Engine, &sh.Tier, &sh.ReviewStatus, &sh.ReviewNote, &take}
	if err := r.Scan(append(append(dest, lc.dest()...), &created, &updated, &startTake, &startAt)...); err != nil {
		return nil, err
	}
	if startTake.Valid {
		sh.StartFrame = &slate.StartFrame{TakeID: startTake.String}
		if startAt.Valid {
			sh.StartFrame.AtMS = &startAt.Int64
		}
	}
	if seed.Valid {
		sh.Seed = &seed.Int64
	}
	sh.SelectedTakeID = take.String
	sh.Lock = lc.lock(slate.KindShot, sh.ID, sh.Name)
	sh.CreatedAt, sh.UpdatedAt = fromMS(created), fromMS(updated)
	return sh, nil
}

// loadShot reads a shot with its tags and lock; it does not check access.
func (tx *Tx) loadShot(ctx context.Context, id string) (*slate.Shot, error) {
	sh, err := scanShot(tx.QueryRowContext(ctx, `SELECT `+shotColumns+` FROM shots WHERE id = $1`, id))
	if err != nil {
		return nil, errNoRows(err, "shot", id)
	}
	if sh.Tags, err = tx.tagsOf(ctx, shotTags, id); err != nil {
		return nil, err
	}
	return sh, tx.nameLocks(ctx, sh.Lock)
}

// CreateShot adds a shot to a scene at in.Position (0 appends).
func (s *DB) CreateShot(ctx context.Context, sceneID string, in slate.ShotInput) (*slate.Shot, error) {
	sh := &slate.Shot{ID: s.newID("shot"), SceneID: sceneID, Tags: []string{}}
	if err := in.Apply(sh); err != nil {
		return nil, err
	}
	if err := s.knownEngine("engine", sh.Engine); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *Tx) error {
		scene, err := tx.writable(ctx, slate.ElementRef{Kind: slate.KindScene, ID: sceneID})
		if err != nil {
			return err
		}
		sh.ProjectID, sh.ActID = scene.projectID, scene.parentID
		if sh.Position, err = tx.openSlot(ctx, shotLevel, sceneID, in.Position); err != nil {
			return err
		}
		sh.CreatedAt, sh.UpdatedAt = tx.now, tx.now
		sh.Resolve(scene.project)
		if err := tx.checkStartFrame(ctx, sh); err != nil {
			return err
		}
		startTake, startAt := startCols(sh.StartFrame)
		cam := sh.Camera
		_, err = tx.ExecContext(ctx, `INSERT INTO shots (id, org_id, project_id, act_id, scene_id, name, position,
			duration_ms, prompt, negative_prompt, seed, shot_type, angle, movement, lens, engine, tier, review_status,
			created_at, updated_at, start_take_id, start_at_ms)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
			sh.ID, scene.orgID, sh.ProjectID, sh.ActID, sceneID, sh.Name, sh.Position,
			sh.DurationMS, sh.Prompt, sh.NegativePrompt, sh.Seed, cam.ShotType, cam.Angle, cam.Movement, cam.Lens,
			sh.Engine, sh.Tier, sh.ReviewStatus, ms(tx.now), ms(tx.now), startTake, startAt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sh, nil
}

// GetShot reads one shot with its tags, own lock and effective engine and
// tier.
func (s *DB) GetShot(ctx context.Context, shotID string) (*slate.Shot, error) {
	var sh *slate.Shot
	err := s.withReadTx(ctx, func(tx *Tx) error {
		var err error
		if sh, err = tx.loadShot(ctx, shotID); err != nil {
			return err
		}
		p, _, err := tx.requireProject(ctx, sh.ProjectID, slate.PermRead)
		if slate.ErrorCode(err) == slate.ENOTFOUND {
			return slate.NotFound("shot", shotID)
		}
		if err != nil {
			return err
		}
		sh.Resolve(p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sh, nil
}

// UpdateShot edits a shot, moves it among its siblings, or moves it to
// another scene of the project.
func (s *DB) UpdateShot(ctx context.Context, shotID string, pt slate.ShotPatch) (*slate.Shot, error) {
	var sh *slate.Shot
	err := s.withTx(ctx, func(tx *Tx) error {
		c, err := tx.writable(ctx, slate.ElementRef{Kind: slate.KindShot, ID: shotID})
		if err != nil {
			return err
		}
		if sh, err = tx.loadShot(ctx, shotID); err != nil {
			return err
		}
		if err := pt.Apply(sh); err != nil {
			return err
		}
		if pt.Engine != nil {
			if err := s.knownEngine("engine", sh.Engine); err != nil {
				return err
			}
		}
		if pt.SceneID != nil && *pt.SceneID != c.parentID {
			d, err := tx.destination(ctx, c, slate.ElementRef{Kind: slate.KindScene, ID: *pt.SceneID}, "scene_id")
			if err != nil {
				return err
			}
			sh.SceneID, sh.ActID = d.el.ID, d.parentID
		}
		if sh.Position, err = tx.place(ctx, c, sh.SceneID, pt.Position); err != nil {
			return err
		}
		sh.UpdatedAt = tx.now
		sh.Resolve(c.project)
		if pt.StartFrame != nil {
			if err := tx.checkStartFrame(ctx, sh); err != nil {
				return err
			}
		}
		startTake, startAt := startCols(sh.StartFrame)
		cam := sh.Camera
		_, err = tx.ExecContext(ctx, `UPDATE shots SET act_id = $1, name = $2, duration_ms = $3, prompt = $4,
			negative_prompt = $5, seed = $6, shot_type = $7, angle = $8, movement = $9, lens = $10, engine = $11,
			tier = $12, updated_at = $13, start_take_id = $15, start_at_ms = $16 WHERE id = $14`,
			sh.ActID, sh.Name, sh.DurationMS, sh.Prompt, sh.NegativePrompt, sh.Seed, cam.ShotType, cam.Angle,
			cam.Movement, cam.Lens, sh.Engine, sh.Tier, ms(tx.now), shotID, startTake, startAt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sh, nil
}

// DeleteShot deletes a shot with its takes and tags.
func (s *DB) DeleteShot(ctx context.Context, shotID string) error {
	return s.deleteElement(ctx, slate.ElementRef{Kind: slate.KindShot, ID: shotID})
}

// checkStartFrame refuses a start frame that is not a frame of a take of
// the shot's project.
func (tx *Tx) checkStartFrame(ctx context.Context, sh *slate.Shot) error {
	f := sh.StartFrame
	if f == nil {
		return nil
	}
	var duration int64
	err := tx.QueryRowContext(ctx, `SELECT duration_ms FROM takes WHERE id = $1 AND project_id = $2`,
		f.TakeID, sh.ProjectID).Scan(&duration)
	if errors.Is(err, sql.ErrNoRows) {
		return slate.Invalidf("start_frame.take_id", "%q is not a take of this project", f.TakeID)
	}
	if err != nil {
		return err
	}
	if f.AtMS != nil && *f.AtMS >= duration {
		return slate.Invalidf("start_frame.at_ms", "the take lasts %d ms; at_ms must be less", duration)
	}
	return nil
}

// startCols are a start frame's columns, NULL when there is none.
func startCols(f *slate.StartFrame) (sql.NullString, sql.NullInt64) {
	if f == nil {
		return sql.NullString{}, sql.NullInt64{}
	}
	at := sql.NullInt64{}
	if f.AtMS != nil {
		at = sql.NullInt64{Int64: *f.AtMS, Valid: true}
	}
	return sql.NullString{String: f.TakeID, Valid: true}, at
}
