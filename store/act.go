package store

import (
	"context"

	"slate"
)

const actColumns = `id, project_id, name, description, position, locked_by, locked_at, lock_reason, created_at, updated_at`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanAct reads a row of actColumns; the lock's ByName is left to nameLocks.
func scanAct(r scanner) (*slate.Act, error) {
	a := &slate.Act{}
	var lc lockCols
	var created, updated int64
	dest := append([]any{&a.ID, &a.ProjectID, &a.Name, &a.Description, &a.Position}, lc.dest()...)
	if err := r.Scan(append(dest, &created, &updated)...); err != nil {
		return nil, err
	}
	a.Lock = lc.lock(slate.KindAct, a.ID, a.Name)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return a, nil
}

func (tx *Tx) loadAct(ctx context.Context, id string) (*slate.Act, error) {
	a, err := scanAct(tx.QueryRowContext(ctx, `SELECT `+actColumns+` FROM acts WHERE id = $1`, id))
	if err != nil {
		return nil, errNoRows(err, "act", id)
	}
	return a, tx.nameLocks(ctx, a.Lock)
}

// CreateAct adds an act to a project at in.Position (0 appends).
func (s *DB) CreateAct(ctx context.Context, projectID string, in slate.ActInput) (*slate.Act, error) {
	a := &slate.Act{ID: s.newID("act"), ProjectID: projectID}
	if err := in.Apply(a); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *Tx) error {
		p, _, err := tx.requireProject(ctx, projectID, slate.PermModify)
		if err != nil {
			return err
		}
		if err := tx.lockProjectRow(ctx, projectID); err != nil {
			return err
		}
		if a.Position, err = tx.openSlot(ctx, actLevel, projectID, in.Position); err != nil {
			return err
		}
		a.CreatedAt, a.UpdatedAt = tx.now, tx.now
		_, err = tx.ExecContext(ctx, `INSERT INTO acts (id, org_id, project_id, name, description, position, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			a.ID, p.OrgID, projectID, a.Name, a.Description, a.Position, ms(tx.now), ms(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// UpdateAct edits an act and moves it among its siblings.
func (s *DB) UpdateAct(ctx context.Context, actID string, pt slate.ActPatch) (*slate.Act, error) {
	var a *slate.Act
	err := s.withTx(ctx, func(tx *Tx) error {
		c, err := tx.writable(ctx, slate.ElementRef{Kind: slate.KindAct, ID: actID})
		if err != nil {
			return err
		}
		if a, err = tx.loadAct(ctx, actID); err != nil {
			return err
		}
		if err := pt.Apply(a); err != nil {
			return err
		}
		if a.Position, err = tx.place(ctx, c, c.parentID, pt.Position); err != nil {
			return err
		}
		a.UpdatedAt = tx.now
		_, err = tx.ExecContext(ctx, `UPDATE acts SET name = $1, description = $2, updated_at = $3 WHERE id = $4`,
			a.Name, a.Description, ms(tx.now), actID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// DeleteAct deletes an act with its scenes and shots.
func (s *DB) DeleteAct(ctx context.Context, actID string) error {
	return s.deleteElement(ctx, slate.ElementRef{Kind: slate.KindAct, ID: actID})
}
