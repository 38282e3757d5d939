package store

import (
	"context"
	"database/sql"

	"slate"
)

// lockCols scans the three lock columns every act, scene and shot row has.
type lockCols struct {
	by     sql.NullString
	at     sql.NullInt64
	reason sql.NullString
}

func (lc *lockCols) dest() []any { return []any{&lc.by, &lc.at, &lc.reason} }

// lock returns the lock the columns describe, or nil. ByName is filled
// later, for all locks of a read at once, by nameLocks.
func (lc *lockCols) lock(kind slate.ElementKind, id, name string) *slate.Lock {
	if !lc.by.Valid {
		return nil
	}
	return &slate.Lock{
		Element: slate.ElementRef{Kind: kind, ID: id, Name: name},
		By:      lc.by.String, At: fromMS(lc.at.Int64), Reason: lc.reason.String,
	}
}

// nameLocks fills ByName of the given locks (nil ones are skipped) in one
// query. Names are read, not stored with the lock, so a renamed user shows
// under the new name.
func (tx *Tx) nameLocks(ctx context.Context, locks ...*slate.Lock) error {
	byID := map[string][]*slate.Lock{}
	var ids []any
	for _, l := range locks {
		if l == nil {
			continue
		}
		if _, ok := byID[l.By]; !ok {
			ids = append(ids, l.By)
		}
		byID[l.By] = append(byID[l.By], l)
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM users WHERE id IN (`+placeholders(1, len(ids))+`)`, ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		for _, l := range byID[id] {
			l.ByName = name
		}
	}
	return rows.Err()
}

// Lock locks an act, scene or shot. Locking what is already locked is a
// conflict; a lock above or below does not matter, as a lock is not an edit.
func (s *DB) Lock(ctx context.Context, el slate.ElementRef, reason string) (*slate.Lock, error) {
	if err := (slate.LockInput{Reason: reason}).Validate(); err != nil {
		return nil, err
	}
	if _, err := levelOf(el.Kind); err != nil {
		return nil, err
	}
	var out *slate.Lock
	err := s.withTx(ctx, func(tx *Tx) error {
		c, err := tx.access(ctx, el, slate.PermModify)
		if err != nil {
			return err
		}
		if l := c.own(); l != nil {
			return slate.Errorf(slate.ECONFLICT, "%s %s is already locked by %s", el.Kind, el.ID, l.ByName)
		}
		by, err := tx.lockHolder(ctx, c.user.ID)
		if err != nil {
			return err
		}
		out, err = tx.lockElement(ctx, c.orgID, c.projectID, c.el, by, reason)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Unlock lifts the element's own lock; an unlocked element is a conflict.
func (s *DB) Unlock(ctx context.Context, el slate.ElementRef) error {
	if _, err := levelOf(el.Kind); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *Tx) error {
		c, err := tx.access(ctx, el, slate.PermModify)
		if err != nil {
			return err
		}
		if c.own() == nil {
			return slate.Errorf(slate.ECONFLICT, "%s %s is not locked", el.Kind, el.ID)
		}
		_, err = tx.unlockElement(ctx, c.orgID, c.projectID, c.el, c.user.ID)
		return err
	})
}

// lockHolder reads the acting user as a lock records them: by id and the
// name stored now, not whatever the session carried.
func (tx *Tx) lockHolder(ctx context.Context, userID string) (*slate.User, error) {
	u := &slate.User{ID: userID}
	err := tx.QueryRowContext(ctx, `SELECT name FROM users WHERE id = $1`, userID).Scan(&u.Name)
	return u, errNoRows(err, "user", userID)
}

// lockElement locks el unless it is locked already, and records that in the
// audit log. It returns nil when el was locked before.
func (tx *Tx) lockElement(ctx context.Context, orgID, projectID string, el slate.ElementRef, by *slate.User, reason string) (*slate.Lock, error) {
	lv, err := levelOf(el.Kind)
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE `+lv.table+` SET locked_by = $1, locked_at = $2, lock_reason = $3
		WHERE id = $4 AND locked_by IS NULL`, by.ID, ms(tx.now), reason, el.ID)
	if n, err := affected(res, err); n == 0 || err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, orgID, projectID, by.ID, "lock", &el, reason); err != nil {
		return nil, err
	}
	l := &slate.Lock{Element: el, By: by.ID, ByName: by.Name, At: tx.now, Reason: reason}
	return l, tx.event(ctx, orgID, projectID, eventLock, "", slate.LockEvent{Element: el, Lock: l, Locked: true})
}

// unlockElement lifts el's own lock if it has one, with an audit entry, and
// reports whether it did.
func (tx *Tx) unlockElement(ctx context.Context, orgID, projectID string, el slate.ElementRef, actorID string) (bool, error) {
	lv, err := levelOf(el.Kind)
	if err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE `+lv.table+` SET locked_by = NULL, locked_at = NULL, lock_reason = NULL
		WHERE id = $1 AND locked_by IS NOT NULL`, el.ID)
	if n, err := affected(res, err); n == 0 || err != nil {
		return false, err
	}
	if err := tx.audit(ctx, orgID, projectID, actorID, "unlock", &el, ""); err != nil {
		return false, err
	}
	return true, tx.event(ctx, orgID, projectID, eventLock, "", slate.LockEvent{Element: el})
}

func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
