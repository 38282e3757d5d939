package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"slate"
	"slate/limit"
)

// accountKey names an email's record of failures: a hash, so the table
// holds no addresses.
func accountKey(email string) string {
	h := sha256.Sum256([]byte("slate-signin\x00" + slate.NormalizeEmail(email)))
	return hex.EncodeToString(h[:])
}

// beginAttempt admits a sign-in (or sign-up) attempt for email, counting it
// as a failure until endAttempt clears the record, or refuses it with
// ERATELIMITED while the account is paused. The count is written before
// the password is checked, in a transaction that locks the record, so
// attempts made at once on several servers are counted one by one and
// none passes on a count that another has moved.
func (s *DB) beginAttempt(ctx context.Context, email string) error {
	key := accountKey(email)
	return s.withTx(ctx, func(tx *Tx) error {
		// The row exists before it is locked, so two first attempts at
		// once cannot both read "no failures".
		if _, err := tx.ExecContext(ctx, `INSERT INTO signin_failures (account, failures, last_at, blocked_until)
			VALUES ($1, 0, 0, 0) ON CONFLICT (account) DO NOTHING`, key); err != nil {
			return err
		}
		var f limit.Failures
		var last, until int64
		if err := tx.QueryRowContext(ctx, `SELECT failures, last_at, blocked_until FROM signin_failures
			WHERE account = $1`+s.dialect.forUpdate(), key).Scan(&f.Count, &last, &until); err != nil {
			return err
		}
		f.Last, f.Until = fromMS(last), fromMS(until)
		next, wait := s.backoff.Attempt(f, tx.now)
		if wait > 0 {
			return slate.RateLimited(wait, "too many failed sign-ins for this account: try again in %s", roundUp(wait))
		}
		_, err := tx.ExecContext(ctx, `UPDATE signin_failures SET failures = $1, last_at = $2, blocked_until = $3
			WHERE account = $4`, next.Count, ms(next.Last), ms(next.Until), key)
		return err
	})
}

// endAttempt clears email's failures after a success.
func (s *DB) endAttempt(ctx context.Context, email string) error {
	return s.withTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM signin_failures WHERE account = $1`, accountKey(email))
		return err
	})
}

// ForgetSignInFailures deletes the records of accounts without a failure
// for the backoff's Forget: they count as none anyway. `slate serve` calls
// it with its history pruning.
func (s *DB) ForgetSignInFailures(ctx context.Context) (int64, error) {
	var n int64
	err := s.withTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM signin_failures WHERE last_at <= $1`, ms(tx.now.Add(-s.backoff.Forget)))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// roundUp says a wait in whole seconds, never "0s".
func roundUp(d time.Duration) string {
	return fmt.Sprint(max(time.Second, (d + time.Second - 1).Truncate(time.Second)))
}
