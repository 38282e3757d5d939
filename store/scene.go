package store

import (
	"context"

	"slate"
)

const sceneColumns = `id, project_id, act_id, name, description, location, time_of_day, position,
	locked_by, locked_at, lock_reason, created_at, updated_at`

// scanScene reads a row of sceneColumns; tags and the lock's ByName are the
// caller's.
func scanScene(r scanner) (*slate.Scene, error) {
	sc := &slate.Scene{Tags: []string{}}
	var lc lockCols
	var created, updated int64
	dest := append([]any{&sc.ID, &sc.ProjectID, &sc.ActID, &sc.Name, &sc.Description, &sc.Location, &sc.TimeOfDay, &sc.Position},
		lc.dest()...)
	if err := r.Scan(append(dest, &created, &updated)...); err != nil {
		return nil, err
	}
	sc.Lock = lc.lock(slate.KindScene, sc.ID, sc.Name)
	sc.CreatedAt, sc.UpdatedAt = fromMS(created), fromMS(updated)
	return sc, nil
}

func (tx *Tx) loadScene(ctx context.Context, id string) (*slate.Scene, error) {
	sc, err := scanScene(tx.QueryRowContext(ctx, `SELECT `+sceneColumns+` FROM scenes WHERE id = $1`, id))
	if err != nil {
		return nil, errNoRows(err, "scene", id)
	}
	if sc.Tags, err = tx.tagsOf(ctx, sceneTags, id); err != nil {
		return nil, err
	}
	return sc, tx.nameLocks(ctx, sc.Lock)
}

// CreateScene adds a scene to an act at in.Position (0 appends).
func (s *DB) CreateScene(ctx context.Context, actID string, in slate.SceneInput) (*slate.Scene, error) {
	sc := &slate.Scene{ID: s.newID("scn"), ActID: actID, Tags: []string{}}
	if err := in.Apply(sc); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *Tx) error {
		act, err := tx.writable(ctx, slate.ElementRef{Kind: slate.KindAct, ID: actID})
		if err != nil {
			return err
		}
		sc.ProjectID = act.projectID
		if sc.Position, err = tx.openSlot(ctx, sceneLevel, actID, in.Position); err != nil {
			return err
		}
		sc.CreatedAt, sc.UpdatedAt = tx.now, tx.now
		_, err = tx.ExecContext(ctx, `INSERT INTO scenes
			(id, org_id, project_id, act_id, name, description, location, time_of_day, position, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			sc.ID, act.orgID, sc.ProjectID, actID, sc.Name, sc.Description, sc.Location, sc.TimeOfDay, sc.Position,
			ms(tx.now), ms(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// UpdateScene edits a scene, moves it among its siblings, or moves it with
// its shots to another act of the project.
func (s *DB) UpdateScene(ctx context.Context, sceneID string, pt slate.ScenePatch) (*slate.Scene, error) {
	var sc *slate.Scene
	err := s.withTx(ctx, func(tx *Tx) error {
		c, err := tx.writable(ctx, slate.ElementRef{Kind: slate.KindScene, ID: sceneID})
		if err != nil {
			return err
		}
		if sc, err = tx.loadScene(ctx, sceneID); err != nil {
			return err
		}
		if err := pt.Apply(sc); err != nil {
			return err
		}
		moving := pt.ActID != nil && *pt.ActID != c.parentID
		if moving {
			if _, err := tx.destination(ctx, c, slate.ElementRef{Kind: slate.KindAct, ID: *pt.ActID}, "act_id"); err != nil {
				return err
			}
			sc.ActID = *pt.ActID
		}
		if sc.Position, err = tx.place(ctx, c, sc.ActID, pt.Position); err != nil {
			return err
		}
		if moving {
			if _, err := tx.ExecContext(ctx, `UPDATE shots SET act_id = $1 WHERE scene_id = $2`, sc.ActID, sceneID); err != nil {
				return err
			}
		}
		sc.UpdatedAt = tx.now
		_, err = tx.ExecContext(ctx, `UPDATE scenes SET name = $1, description = $2, location = $3, time_of_day = $4,
			updated_at = $5 WHERE id = $6`,
			sc.Name, sc.Description, sc.Location, sc.TimeOfDay, ms(tx.now), sceneID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// DeleteScene deletes a scene with its shots.
func (s *DB) DeleteScene(ctx context.Context, sceneID string) error {
	return s.deleteElement(ctx, slate.ElementRef{Kind: slate.KindScene, ID: sceneID})
}
