package store

import (
	"context"
	"database/sql"
	"errors"

	"slate"
)

// SetReview sets a shot's review status. Approving needs a take to approve.
// Review stays writable when the shot is locked: approving is what locks
// usually follow, and a flag on a locked shot is how a lock gets questioned.
func (s *DB) SetReview(ctx context.Context, shotID string, in slate.Review) (*slate.Shot, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var sh *slate.Shot
	err := s.withTx(ctx, func(tx *Tx) error {
		c, err := tx.access(ctx, slate.ElementRef{Kind: slate.KindShot, ID: shotID}, slate.PermModify)
		if err != nil {
			return err
		}
		if in.Status == slate.ReviewApproved {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM takes WHERE shot_id = $1 LIMIT 1`, shotID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return slate.Errorf(slate.ECONFLICT, "shot has no take to approve: render it first")
			}
			if err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE shots SET review_status = $1, review_note = $2, updated_at = $3 WHERE id = $4`,
			in.Status, in.Note, ms(tx.now), shotID); err != nil {
			return err
		}
		if sh, err = tx.loadShot(ctx, shotID); err != nil {
			return err
		}
		sh.Resolve(c.project)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sh, nil
}
