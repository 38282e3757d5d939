package store

import (
	"context"

	"slate"
)

// The OrgService compile-time check lives with the rest of the org methods.

// CreateOrg creates an organisation on a known plan with the acting user as
// its owner.
func (s *DB) CreateOrg(ctx context.Context, in slate.OrgInput) (*slate.Org, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := slate.ValidateName("name", in.Name); err != nil {
		return nil, err
	}
	if _, ok := s.plans[in.Plan]; !ok {
		return nil, slate.Invalidf("plan", "unknown plan %q", in.Plan)
	}
	o := &slate.Org{ID: s.newID("org"), Name: in.Name, Plan: in.Plan, Permissions: slate.NewPermissions(slate.PermOwner).List()}
	err = s.withTx(ctx, func(tx *Tx) error {
		o.CreatedAt = tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, name, plan, created_at) VALUES ($1, $2, $3, $4)`,
			o.ID, o.Name, o.Plan, ms(tx.now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO members (org_id, user_id, permissions, created_at) VALUES ($1, $2, $3, $4)`,
			o.ID, u.ID, int64(slate.NewPermissions(slate.PermOwner)), ms(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}
