package store

import (
	"context"
	"fmt"

	"slate"
)

// Audit lists an org's audit log newest first. Audit ids are ULIDs, so id
// order is time order and the cursor is simply the last id seen. Members
// who are not owners do not see entries of restricted projects they are not
// named on.
func (s *DB) Audit(ctx context.Context, orgID, projectID string, page slate.PageRequest) (*slate.Page[*slate.AuditEntry], error) {
	limit, err := pageLimit(page.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeIDCursor(page.Cursor, "aud")
	if err != nil {
		return nil, err
	}
	var items []*slate.AuditEntry
	err = s.withReadTx(ctx, func(tx *Tx) error {
		u, perms, err := tx.requireOrg(ctx, orgID, slate.PermRead)
		if err != nil {
			return err
		}
		q := `SELECT a.id, a.org_id, a.project_id, a.actor_id, COALESCE(u.name, ''), a.action,
			a.element_kind, a.element_id, a.element_name, a.detail, a.at
			FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE a.org_id = $1`
		args := []any{orgID}
		arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
		if projectID != "" {
			p, _, _, err := tx.projectAccess(ctx, projectID)
			if err != nil {
				return err
			}
			if p.OrgID != orgID {
				return slate.NotFound("project", projectID)
			}
			q += ` AND a.project_id = ` + arg(projectID)
		} else if !perms.Has(slate.PermOwner) {
			q += ` AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = a.project_id AND p.restricted
				AND NOT EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = ` + arg(u.ID) + `))`
		}
		if after != "" {
			q += ` AND a.id < ` + arg(after)
		}
		// One row more than the page tells whether another page follows.
		q += ` ORDER BY a.id DESC LIMIT ` + arg(limit+1)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e := &slate.AuditEntry{}
			var kind, elID, elName string
			var at int64
			if err := rows.Scan(&e.ID, &e.OrgID, &e.ProjectID, &e.ActorID, &e.ActorName, &e.Action,
				&kind, &elID, &elName, &e.Detail, &at); err != nil {
				return err
			}
			e.At = fromMS(at)
			if kind != "" {
				e.Element = &slate.ElementRef{Kind: slate.ElementKind(kind), ID: elID, Name: elName}
			}
			items = append(items, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(e *slate.AuditEntry) string { return encodeIDCursor(e.ID) }), nil
}
