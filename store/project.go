package store

import (
	"context"

	"slate"
)

// CreateProject creates a project in an org; it needs modify.
func (s *DB) CreateProject(ctx context.Context, orgID string, in slate.ProjectInput) (*slate.Project, error) {
	p := &slate.Project{ID: s.newID("prj"), OrgID: orgID, Members: []string{}}
	if err := in.Apply(p); err != nil {
		return nil, err
	}
	err := s.withTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermModify); err != nil {
			return err
		}
		p.CreatedAt, p.UpdatedAt = tx.now, tx.now
		_, err := tx.ExecContext(ctx, `INSERT INTO projects (`+projectColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			p.ID, p.OrgID, p.Title, p.Format, p.AspectRatio, p.FrameRate, p.DefaultEngine, p.DefaultTier,
			false, ms(tx.now), ms(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
