package store

import (
	"bytes"
	"context"
	"errors"
	"unicode/utf8"

	"slate"
)

var _ slate.IdempotencyService = (*DB)(nil)

// maxIdempotencyKeyLen bounds a client's Idempotency-Key.
const maxIdempotencyKeyLen = 255

// BeginIdempotent claims key for userID before the request runs. The claim
// is an insert that does nothing when the key exists, so of two concurrent
// requests with one key exactly one gets the row; the other then reads it.
func (s *DB) BeginIdempotent(ctx context.Context, userID, key, method, path, bodyHash string) (*slate.IdempotentResponse, error) {
	if userID == "" {
		return nil, slate.Errorf(slate.EUNAUTHENTICATED, "sign in first")
	}
	if key == "" || len(key) > maxIdempotencyKeyLen || !utf8.ValidString(key) {
		return nil, slate.Invalidf("Idempotency-Key", "Idempotency-Key must be 1-%d characters", maxIdempotencyKeyLen)
	}
	var out *slate.IdempotentResponse
	err := s.withTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys
			(user_id, key, method, path, body_hash, status, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6)
			ON CONFLICT (user_id, key) DO NOTHING`, userID, key, method, path, bodyHash, ms(tx.now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var m, p, h, ct, body string
		var status int
		if err := tx.QueryRowContext(ctx, `SELECT method, path, body_hash, status, content_type, response
			FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key).
			Scan(&m, &p, &h, &status, &ct, &body); err != nil {
			return err
		}
		switch {
		case m != method || p != path || h != bodyHash:
			return slate.Errorf(slate.ECONFLICT, "Idempotency-Key reused with a different request")
		case status == 0:
			return slate.Errorf(slate.ECONFLICT, "a request with this Idempotency-Key is still in progress")
		}
		out = &slate.IdempotentResponse{Status: status, ContentType: ct, Body: []byte(body)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FinishIdempotent stores the response of a claimed key. Bodies are stored as
// text, which PostgreSQL requires to be UTF-8 without NUL; Slate's mutating
// endpoints answer JSON, so anything else is a server bug.
func (s *DB) FinishIdempotent(ctx context.Context, userID, key string, resp slate.IdempotentResponse) error {
	if resp.Status <= 0 {
		return errors.New("store: idempotent response needs an HTTP status")
	}
	if !utf8.Valid(resp.Body) || bytes.IndexByte(resp.Body, 0) >= 0 {
		return errors.New("store: idempotent response body must be UTF-8 text")
	}
	return s.withTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status = $1, content_type = $2, response = $3
			WHERE user_id = $4 AND key = $5 AND status = 0`, resp.Status, resp.ContentType, string(resp.Body), userID, key)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return slate.Errorf(slate.ENOTFOUND, "no request in progress with this Idempotency-Key")
		}
		return nil
	})
}

// AbandonIdempotent frees a claimed key. A finished key stays: its response
// is what a retry must get.
func (s *DB) AbandonIdempotent(ctx context.Context, userID, key string) error {
	return s.withTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 0`, userID, key)
		return err
	})
}
