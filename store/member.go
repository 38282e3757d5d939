package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"slate"
)

const memberSelect = `SELECT m.org_id, m.user_id, u.email, u.name, m.permissions, m.created_at
	FROM members m JOIN users u ON u.id = m.user_id`

// scanMember reads a row of memberSelect; scan is a Row's or Rows' Scan.
func scanMember(scan func(dest ...any) error) (*slate.Member, error) {
	m := &slate.Member{}
	var perms, created int64
	if err := scan(&m.OrgID, &m.UserID, &m.Email, &m.Name, &perms, &created); err != nil {
		return nil, err
	}
	m.Permissions, m.CreatedAt = slate.Permissions(perms).List(), fromMS(created)
	return m, nil
}

// loadMember reads one membership; ENOTFOUND when the user is not a member.
func (tx *Tx) loadMember(ctx context.Context, orgID, userID string) (*slate.Member, error) {
	m, err := scanMember(tx.QueryRowContext(ctx, memberSelect+` WHERE m.org_id = $1 AND m.user_id = $2`, orgID, userID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, slate.NotFound("member", userID)
	}
	return m, err
}

// lockMembers reads every membership of org, locking the rows so that two
// owners demoting or removing each other at once cannot leave the org with
// none: the second waits for the first and then counts again.
func (tx *Tx) lockMembers(ctx context.Context, orgID string) (map[string]slate.Permissions, error) {
	rows, err := tx.QueryContext(ctx, `SELECT user_id, permissions FROM members WHERE org_id = $1`+tx.db.dialect.forUpdate(), orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]slate.Permissions{}
	for rows.Next() {
		var id string
		var perms int64
		if err := rows.Scan(&id, &perms); err != nil {
			return nil, err
		}
		out[id] = slate.Permissions(perms)
	}
	return out, rows.Err()
}

func countOwners(members map[string]slate.Permissions) int {
	n := 0
	for _, p := range members {
		if p.Holds(slate.PermOwner) {
			n++
		}
	}
	return n
}

// ListMembers pages an org's members, oldest membership first.
func (s *DB) ListMembers(ctx context.Context, orgID string, page slate.PageRequest) (*slate.Page[*slate.Member], error) {
	limit, err := pageLimit(page.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeTimeCursor(page.Cursor, "usr")
	if err != nil {
		return nil, err
	}
	var items []*slate.Member
	err = s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermRead); err != nil {
			return err
		}
		q := memberSelect + ` WHERE m.org_id = $1`
		args := []any{orgID, limit + 1}
		if after.id != "" {
			q += ` AND (m.created_at, m.user_id) > ($3, $4)`
			args = append(args, after.at, after.id)
		}
		items, err = queryAll(ctx, tx, q+` ORDER BY m.created_at, m.user_id LIMIT $2`,
			func(r scanner) (*slate.Member, error) { return scanMember(r.Scan) }, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(m *slate.Member) string { return encodeTimeCursor(m.CreatedAt, m.UserID) }), nil
}

// SetMemberPermissions replaces a member's permissions. Only owners may, and
// the org's last owner keeps owner.
func (s *DB) SetMemberPermissions(ctx context.Context, orgID, userID string, perms []slate.Permission) (*slate.Member, error) {
	set, err := slate.ParsePermissions(perms)
	if err != nil {
		return nil, err
	}
	var m *slate.Member
	err = s.withTx(ctx, func(tx *Tx) error {
		u, _, err := tx.requireOrg(ctx, orgID, slate.PermOwner)
		if err != nil {
			return err
		}
		members, err := tx.lockMembers(ctx, orgID)
		if err != nil {
			return err
		}
		// Re-checked on the locked rows: the actor may have lost owner to a
		// concurrent change since requireOrg read it.
		if !members[u.ID].Has(slate.PermOwner) {
			return slate.Forbidden(slate.PermOwner)
		}
		old, ok := members[userID]
		if !ok {
			return slate.NotFound("member", userID)
		}
		if old.Holds(slate.PermOwner) && !set.Holds(slate.PermOwner) && countOwners(members) == 1 {
			return slate.Errorf(slate.ECONFLICT, "the last owner of an organisation cannot be demoted; make someone else owner first")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE members SET permissions = $1 WHERE org_id = $2 AND user_id = $3`,
			int64(set), orgID, userID); err != nil {
			return err
		}
		if m, err = tx.loadMember(ctx, orgID, userID); err != nil {
			return err
		}
		return tx.audit(ctx, orgID, "", u.ID, "member.permissions", nil,
			m.Email+": "+strings.Join(set.Strings(), ", "))
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// RemoveMember takes a user out of an org: an owner may remove anyone, any
// member may leave. The last owner can do neither. The user also loses their
// places on the org's restricted projects, so rejoining grants nothing old.
func (s *DB) RemoveMember(ctx context.Context, orgID, userID string) error {
	return s.withTx(ctx, func(tx *Tx) error {
		u, _, err := tx.requireOrg(ctx, orgID, slate.PermRead)
		if err != nil {
			return err
		}
		members, err := tx.lockMembers(ctx, orgID)
		if err != nil {
			return err
		}
		leaving := userID == u.ID
		if !leaving && !members[u.ID].Has(slate.PermOwner) {
			return slate.Forbidden(slate.PermOwner)
		}
		perms, ok := members[userID]
		if !ok {
			return slate.NotFound("member", userID)
		}
		if perms.Holds(slate.PermOwner) && countOwners(members) == 1 {
			return slate.Errorf(slate.ECONFLICT, "the last owner of an organisation cannot be removed; make someone else owner first")
		}
		m, err := tx.loadMember(ctx, orgID, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM project_members WHERE user_id = $1
			AND project_id IN (SELECT id FROM projects WHERE org_id = $2)`, userID, orgID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE org_id = $1 AND user_id = $2`, orgID, userID); err != nil {
			return err
		}
		action := "member.remove"
		if leaving {
			action = "member.leave"
		}
		return tx.audit(ctx, orgID, "", u.ID, action, nil, m.Email)
	})
}
