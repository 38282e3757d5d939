package store

import (
	"context"
	"database/sql"
	"errors"

	"slate"
)

// withReadTx runs fn in a transaction on the read pool, so reads see one
// consistent snapshot without queueing behind SQLite's single writer. fn must
// not write.
func (s *DB) withReadTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return s.dialect.translate(err)
	}
	defer sqlTx.Rollback()
	return s.dialect.translate(fn(&Tx{Tx: sqlTx, db: s, pool: s.rdb, now: s.clock.Now()}))
}

// actor returns the authenticated user of ctx or EUNAUTHENTICATED.
func actor(ctx context.Context) (*slate.User, error) {
	u := slate.UserFromContext(ctx)
	if u == nil || u.ID == "" {
		return nil, slate.Errorf(slate.EUNAUTHENTICATED, "sign in first")
	}
	return u, nil
}

// orgAccess returns the acting user's permissions in org. A user who is not a
// member gets ENOTFOUND: other organisations' ids must not be discoverable.
func (tx *Tx) orgAccess(ctx context.Context, orgID string) (*slate.User, slate.Permissions, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	var perms int64
	err = tx.QueryRowContext(ctx,
		`SELECT permissions FROM members WHERE org_id = $1 AND user_id = $2`, orgID, u.ID).Scan(&perms)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, slate.NotFound("organisation", orgID)
	}
	if err != nil {
		return nil, 0, err
	}
	return u, slate.Permissions(perms), nil
}

// requireOrg checks the acting user holds every permission of need in org.
func (tx *Tx) requireOrg(ctx context.Context, orgID string, need ...slate.Permission) (*slate.User, slate.Permissions, error) {
	u, perms, err := tx.orgAccess(ctx, orgID)
	if err != nil {
		return nil, 0, err
	}
	return u, perms, perms.Require(need...)
}

// projectAccess loads a project the acting user may see, with their
// permissions. Projects of other orgs, and restricted projects the user is not
// named on (owners see all), answer ENOTFOUND.
func (tx *Tx) projectAccess(ctx context.Context, projectID string) (*slate.Project, *slate.User, slate.Permissions, error) {
	p, err := tx.loadProject(ctx, projectID)
	if err != nil {
		return nil, nil, 0, err
	}
	u, perms, err := tx.orgAccess(ctx, p.OrgID)
	if slate.ErrorCode(err) == slate.ENOTFOUND {
		return nil, nil, 0, slate.NotFound("project", projectID)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	if p.Restricted && !perms.Has(slate.PermOwner) && !contains(p.Members, u.ID) {
		return nil, nil, 0, slate.NotFound("project", projectID)
	}
	return p, u, perms, nil
}

// requireProject is projectAccess plus a permission check. Visibility is
// checked first, so a non-member learns nothing from the 403.
func (tx *Tx) requireProject(ctx context.Context, projectID string, need ...slate.Permission) (*slate.Project, *slate.User, error) {
	p, u, perms, err := tx.projectAccess(ctx, projectID)
	if err != nil {
		return nil, nil, err
	}
	if err := perms.Require(need...); err != nil {
		return nil, nil, err
	}
	return p, u, nil
}

const projectColumns = `id, org_id, title, format, aspect_ratio, frame_rate, default_engine, default_tier, restricted, created_at, updated_at`

// loadProject reads one project with its named members.
func (tx *Tx) loadProject(ctx context.Context, projectID string) (*slate.Project, error) {
	p, err := scanProject(tx.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = $1`, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, slate.NotFound("project", projectID)
	}
	if err != nil {
		return nil, err
	}
	return p, tx.loadProjectMembers(ctx, []*slate.Project{p})
}

func scanProject(r scanner) (*slate.Project, error) {
	p := &slate.Project{Members: []string{}}
	var created, updated int64
	if err := r.Scan(&p.ID, &p.OrgID, &p.Title, &p.Format, &p.AspectRatio, &p.FrameRate,
		&p.DefaultEngine, &p.DefaultTier, &p.Restricted, &created, &updated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return p, nil
}

// loadProjectMembers fills the named members of a page of projects, in one
// query rather than one per project.
func (tx *Tx) loadProjectMembers(ctx context.Context, ps []*slate.Project) error {
	if len(ps) == 0 {
		return nil
	}
	byID := make(map[string]*slate.Project, len(ps))
	ids := make([]any, len(ps))
	for i, p := range ps {
		byID[p.ID], ids[i] = p, p.ID
	}
	rows, err := tx.QueryContext(ctx, `SELECT project_id, user_id FROM project_members
		WHERE project_id IN (`+placeholders(1, len(ids))+`) ORDER BY user_id`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid, uid string
		if err := rows.Scan(&pid, &uid); err != nil {
			return err
		}
		p := byID[pid]
		p.Members = append(p.Members, uid)
	}
	return rows.Err()
}

// audit appends one entry to the org's audit log in the same transaction as
// the change it records.
func (tx *Tx) audit(ctx context.Context, orgID, projectID, actorID, action string, el *slate.ElementRef, detail string) error {
	var kind, id, name string
	if el != nil {
		kind, id, name = string(el.Kind), el.ID, el.Name
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(id, org_id, project_id, actor_id, action, element_kind, element_id, element_name, detail, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		tx.db.newID("aud"), orgID, projectID, actorID, action, kind, id, name, detail, ms(tx.now))
	return err
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
