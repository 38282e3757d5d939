package store

import (
	"context"
	"strconv"
	"strings"

	"slate"
)

// CreateProject creates a project in an org; it needs modify.
func (s *DB) CreateProject(ctx context.Context, orgID string, in slate.ProjectInput) (*slate.Project, error) {
	p := &slate.Project{ID: s.newID("prj"), OrgID: orgID, Members: []string{}}
	if err := in.Apply(p); err != nil {
		return nil, err
	}
	if err := s.knownEngine("default_engine", p.DefaultEngine); err != nil {
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

// ListProjects pages the org's projects the acting user may see, oldest
// first: restricted projects only show to owners and the members named on
// them.
func (s *DB) ListProjects(ctx context.Context, orgID string, page slate.PageRequest) (*slate.Page[*slate.Project], error) {
	limit, err := pageLimit(page.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeTimeCursor(page.Cursor, "prj")
	if err != nil {
		return nil, err
	}
	var items []*slate.Project
	err = s.withReadTx(ctx, func(tx *Tx) error {
		u, perms, err := tx.requireOrg(ctx, orgID, slate.PermRead)
		if err != nil {
			return err
		}
		q := `SELECT ` + projectColumns + ` FROM projects WHERE org_id = $1`
		args := []any{orgID}
		arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
		if !perms.Has(slate.PermOwner) {
			q += ` AND (NOT restricted OR EXISTS (SELECT 1 FROM project_members pm
				WHERE pm.project_id = projects.id AND pm.user_id = ` + arg(u.ID) + `))`
		}
		if after.id != "" {
			q += ` AND (created_at, id) > (` + arg(after.at) + `, ` + arg(after.id) + `)`
		}
		if items, err = queryAll(ctx, tx, q+` ORDER BY created_at, id LIMIT `+arg(limit+1), scanProject, args...); err != nil {
			return err
		}
		return tx.loadProjectMembers(ctx, items)
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(p *slate.Project) string { return encodeTimeCursor(p.CreatedAt, p.ID) }), nil
}

// GetProject reads one project the acting user may see.
func (s *DB) GetProject(ctx context.Context, projectID string) (*slate.Project, error) {
	var p *slate.Project
	err := s.withReadTx(ctx, func(tx *Tx) error {
		var err error
		p, _, _, err = tx.projectAccess(ctx, projectID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// UpdateProject edits a project's settings; it needs modify.
func (s *DB) UpdateProject(ctx context.Context, projectID string, in slate.ProjectPatch) (*slate.Project, error) {
	var p *slate.Project
	err := s.withTx(ctx, func(tx *Tx) error {
		var err error
		if p, _, err = tx.requireProject(ctx, projectID, slate.PermModify); err != nil {
			return err
		}
		if err := in.Apply(p); err != nil {
			return err
		}
		if in.DefaultEngine != nil {
			if err := s.knownEngine("default_engine", p.DefaultEngine); err != nil {
				return err
			}
		}
		p.UpdatedAt = tx.now
		_, err = tx.ExecContext(ctx, `UPDATE projects SET title = $1, format = $2, aspect_ratio = $3, frame_rate = $4,
			default_engine = $5, default_tier = $6, updated_at = $7 WHERE id = $8`,
			p.Title, p.Format, p.AspectRatio, p.FrameRate, p.DefaultEngine, p.DefaultTier, ms(tx.now), p.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeleteProject deletes a project and, by cascade, its whole tree. It needs
// owner and is refused while anything in the project is locked: a lock
// promises that approved work stays as it is.
func (s *DB) DeleteProject(ctx context.Context, projectID string) error {
	return s.withTx(ctx, func(tx *Tx) error {
		p, u, err := tx.requireProject(ctx, projectID, slate.PermOwner)
		if err != nil {
			return err
		}
		if err := tx.refuseLockedIn(ctx, projectID); err != nil {
			return err
		}
		if err := tx.cancelJobsOf(ctx, slate.KindProject, projectID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM projects WHERE id = $1`, projectID); err != nil {
			return err
		}
		return tx.audit(ctx, p.OrgID, p.ID, u.ID, "project.delete", nil, p.Title)
	})
}

// SetProjectAccess restricts a project to named members of its org, or lifts
// the restriction; it needs owner. The list replaces the previous one.
func (s *DB) SetProjectAccess(ctx context.Context, projectID string, in slate.ProjectAccess) (*slate.Project, error) {
	if len(in.Members) > 1000 {
		return nil, slate.Invalidf("members", "a project names at most 1000 members")
	}
	ids := []string{}
	for _, id := range in.Members {
		if strings.TrimSpace(id) == "" {
			return nil, slate.Invalidf("members", "member ids must not be empty")
		}
		if !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	var p *slate.Project
	err := s.withTx(ctx, func(tx *Tx) error {
		p0, u, err := tx.requireProject(ctx, projectID, slate.PermOwner)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			args := []any{p0.OrgID}
			for _, id := range ids {
				args = append(args, id)
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM members WHERE org_id = $1 AND user_id IN (`+
				placeholders(2, len(ids))+`)`, args...).Scan(&n); err != nil {
				return err
			}
			if n != len(ids) {
				return slate.Invalidf("members", "every member named must be a member of the organisation")
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE projects SET restricted = $1, updated_at = $2 WHERE id = $3`,
			in.Restricted, ms(tx.now), projectID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM project_members WHERE project_id = $1`, projectID); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO project_members (project_id, user_id) VALUES ($1, $2)`,
				projectID, id); err != nil {
				return err
			}
		}
		detail := "open to every member"
		if in.Restricted {
			detail = "restricted to " + strings.Join(ids, ", ")
		}
		if err := tx.audit(ctx, p0.OrgID, projectID, u.ID, "project.access", nil, detail); err != nil {
			return err
		}
		p, err = tx.loadProject(ctx, projectID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
