package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"strings"

	"slate"
)

const invitationColumns = `id, org_id, email, permissions, created_by, created_at, expires_at, accepted_at`

func scanInvitation(scan func(dest ...any) error) (*slate.Invitation, error) {
	inv := &slate.Invitation{}
	var perms, created, expires int64
	var accepted sql.NullInt64
	if err := scan(&inv.ID, &inv.OrgID, &inv.Email, &perms, &inv.CreatedBy, &created, &expires, &accepted); err != nil {
		return nil, err
	}
	inv.Permissions = slate.Permissions(perms).List()
	inv.CreatedAt, inv.ExpiresAt, inv.AcceptedAt = fromMS(created), fromMS(expires), fromNullMS(accepted)
	return inv, nil
}

// newInvitationSecret returns 160 random bits: enough that the plain SHA-256
// stored for lookup cannot be reversed by guessing.
func newInvitationSecret() (string, error) {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return "inv_" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw), nil
}

// Invite offers membership to an email. Only owners may. Re-inviting an
// address ends its earlier pending invitations, so a lost token can be
// replaced and only the newest one works.
func (s *DB) Invite(ctx context.Context, orgID string, in slate.InvitationInput) (*slate.Invitation, error) {
	email := slate.NormalizeEmail(in.Email)
	if err := slate.ValidateEmail("email", email); err != nil {
		return nil, err
	}
	perms, err := slate.ParsePermissions(in.Permissions)
	if err != nil {
		return nil, err
	}
	secret, err := newInvitationSecret()
	if err != nil {
		return nil, err
	}
	inv := &slate.Invitation{ID: s.newID("inv"), OrgID: orgID, Email: email, Permissions: perms.List(), Token: secret}
	err = s.withTx(ctx, func(tx *Tx) error {
		u, _, err := tx.requireOrg(ctx, orgID, slate.PermOwner)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM members m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = $1 AND u.email = $2`, orgID, email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return slate.Errorf(slate.ECONFLICT, "%s is already a member", email)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE invitations SET expires_at = $1
			WHERE org_id = $2 AND email = $3 AND accepted_at IS NULL AND expires_at > $1`,
			ms(tx.now), orgID, email); err != nil {
			return err
		}
		inv.CreatedBy, inv.CreatedAt, inv.ExpiresAt = u.ID, tx.now, tx.now.Add(slate.InvitationTTL)
		if _, err := tx.ExecContext(ctx, `INSERT INTO invitations
			(id, org_id, email, permissions, token_hash, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			inv.ID, orgID, email, int64(perms), tokenHash(secret), u.ID, ms(inv.CreatedAt), ms(inv.ExpiresAt)); err != nil {
			return err
		}
		return tx.audit(ctx, orgID, "", u.ID, "invitation.create", nil,
			email+": "+strings.Join(perms.Strings(), ", "))
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// ListInvitations pages an org's pending invitations, oldest first. Tokens
// are never shown again.
func (s *DB) ListInvitations(ctx context.Context, orgID string, page slate.PageRequest) (*slate.Page[*slate.Invitation], error) {
	limit, err := pageLimit(page.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeTimeCursor(page.Cursor, "inv")
	if err != nil {
		return nil, err
	}
	var items []*slate.Invitation
	err = s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermOwner); err != nil {
			return err
		}
		q := `SELECT ` + invitationColumns + ` FROM invitations
			WHERE org_id = $1 AND accepted_at IS NULL AND expires_at > $2`
		args := []any{orgID, ms(tx.now), limit + 1}
		if after.id != "" {
			q += ` AND (created_at, id) > ($4, $5)`
			args = append(args, after.at, after.id)
		}
		items, err = queryAll(ctx, tx, q+` ORDER BY created_at, id LIMIT $3`,
			func(r scanner) (*slate.Invitation, error) { return scanInvitation(r.Scan) }, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(inv *slate.Invitation) string { return encodeTimeCursor(inv.CreatedAt, inv.ID) }), nil
}

// AcceptInvitation makes the acting user a member with the invited
// permissions. The invitation is for one address: anyone else holding the
// token is refused before learning anything about its state.
func (s *DB) AcceptInvitation(ctx context.Context, token string) (*slate.Member, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var m *slate.Member
	err = s.withTx(ctx, func(tx *Tx) error {
		inv, err := scanInvitation(tx.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations
			WHERE token_hash = $1`+tx.db.dialect.forUpdate(), tokenHash(token)).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return slate.Errorf(slate.ENOTFOUND, "invitation not found")
		}
		if err != nil {
			return err
		}
		var email string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, u.ID).Scan(&email); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return slate.Errorf(slate.EUNAUTHENTICATED, "sign in first")
			}
			return err
		}
		if email != inv.Email {
			return slate.Errorf(slate.EFORBIDDEN, "this invitation is for another email address")
		}
		if inv.AcceptedAt != nil {
			return slate.Errorf(slate.ECONFLICT, "this invitation has already been accepted")
		}
		if !tx.now.Before(inv.ExpiresAt) {
			return slate.Errorf(slate.ECONFLICT, "this invitation has expired; ask for a new one")
		}
		if _, err := tx.loadMember(ctx, inv.OrgID, u.ID); err == nil {
			return slate.Errorf(slate.ECONFLICT, "you are already a member of this organisation")
		} else if slate.ErrorCode(err) != slate.ENOTFOUND {
			return err
		}
		// The conditional update is what makes acceptance happen once even
		// when two requests race past the checks above.
		res, err := tx.ExecContext(ctx, `UPDATE invitations SET accepted_at = $1, accepted_by = $2
			WHERE id = $3 AND accepted_at IS NULL`, ms(tx.now), u.ID, inv.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return slate.Errorf(slate.ECONFLICT, "this invitation has already been accepted")
		}
		perms, err := slate.ParsePermissions(inv.Permissions)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO members (org_id, user_id, permissions, created_at) VALUES ($1, $2, $3, $4)`,
			inv.OrgID, u.ID, int64(perms), ms(tx.now))
		if tx.db.dialect.isUnique(err) {
			return slate.Errorf(slate.ECONFLICT, "you are already a member of this organisation")
		}
		if err != nil {
			return err
		}
		if m, err = tx.loadMember(ctx, inv.OrgID, u.ID); err != nil {
			return err
		}
		return tx.audit(ctx, inv.OrgID, "", u.ID, "invitation.accept", nil, email)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}
