package store

import (
	"context"
	"database/sql"
	"errors"

	"slate"
)

var _ slate.OrgService = (*DB)(nil)

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
		if _, err := tx.ExecContext(ctx, `INSERT INTO members (org_id, user_id, permissions, created_at) VALUES ($1, $2, $3, $4)`,
			o.ID, u.ID, int64(slate.NewPermissions(slate.PermOwner)), ms(tx.now)); err != nil {
			return err
		}
		_, err := tx.openBalance(ctx, o.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// ListOrgs pages the acting user's organisations, oldest first, each with
// the user's own permissions in it.
func (s *DB) ListOrgs(ctx context.Context, page slate.PageRequest) (*slate.Page[*slate.Org], error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := pageLimit(page.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeTimeCursor(page.Cursor, "org")
	if err != nil {
		return nil, err
	}
	var items []*slate.Org
	err = s.withReadTx(ctx, func(tx *Tx) error {
		q := `SELECT o.id, o.name, o.plan, o.created_at, m.permissions
			FROM orgs o JOIN members m ON m.org_id = o.id WHERE m.user_id = $1`
		args := []any{u.ID, limit + 1}
		if after.id != "" {
			q += ` AND (o.created_at, o.id) > ($3, $4)`
			args = append(args, after.at, after.id)
		}
		items, err = queryAll(ctx, tx, q+` ORDER BY o.created_at, o.id LIMIT $2`, scanOrg, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(o *slate.Org) string { return encodeTimeCursor(o.CreatedAt, o.ID) }), nil
}

func scanOrg(r scanner) (*slate.Org, error) {
	o := &slate.Org{}
	var created, perms int64
	if err := r.Scan(&o.ID, &o.Name, &o.Plan, &created, &perms); err != nil {
		return nil, err
	}
	o.CreatedAt, o.Permissions = fromMS(created), slate.Permissions(perms).List()
	return o, nil
}

// GetOrg reads one organisation the acting user belongs to, with their
// permissions in it.
func (s *DB) GetOrg(ctx context.Context, orgID string) (*slate.Org, error) {
	o := &slate.Org{ID: orgID}
	err := s.withReadTx(ctx, func(tx *Tx) error {
		_, perms, err := tx.orgAccess(ctx, orgID)
		if err != nil {
			return err
		}
		var created int64
		err = tx.QueryRowContext(ctx, `SELECT name, plan, created_at FROM orgs WHERE id = $1`, orgID).
			Scan(&o.Name, &o.Plan, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return slate.NotFound("organisation", orgID)
		}
		o.CreatedAt, o.Permissions = fromMS(created), perms.List()
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}
