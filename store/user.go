package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"time"

	"slate"
)

// Compile-time checks that DB provides the domain's services.
var (
	_ slate.UserService = (*DB)(nil)
)

// Signup creates an account. The email is normalised; a taken email is a
// conflict. Like a sign-in, it counts against the email's failures until it
// succeeds, and its hash waits for the password gate.
func (s *DB) Signup(ctx context.Context, in slate.Signup) (*slate.User, error) {
	_, u, err := s.signup(ctx, in, false)
	return u, err
}

// Join is Signup with the account's first session made in its transaction.
func (s *DB) Join(ctx context.Context, in slate.Signup) (*slate.Token, *slate.User, error) {
	return s.signup(ctx, in, true)
}

func (s *DB) signup(ctx context.Context, in slate.Signup, session bool) (*slate.Token, *slate.User, error) {
	in.Email = slate.NormalizeEmail(in.Email)
	if err := in.Validate(); err != nil {
		return nil, nil, err
	}
	hash, err := admitHash(ctx, s, in.Email, func() (string, error) { return hashPassword(in.Password, s.pw) })
	if err != nil {
		return nil, nil, err
	}
	u := &slate.User{ID: s.newID("usr"), Email: in.Email, Name: in.Name}
	var tok *slate.Token
	err = s.withTx(ctx, func(tx *Tx) error {
		u.CreatedAt = tx.now
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, created_at)
			VALUES ($1, $2, $3, $4, $5)`, u.ID, u.Email, u.Name, hash, ms(tx.now))
		if s.dialect.isUnique(err) {
			return slate.Errorf(slate.ECONFLICT, "an account with email %q already exists", in.Email)
		}
		if err != nil || !session {
			return err
		}
		tok, err = s.insertToken(ctx, tx, u.ID, slate.TokenSession, "session", slate.SessionTTL)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if err := s.endAttempt(ctx, in.Email); err != nil {
		return nil, nil, err
	}
	return tok, u, nil
}

// Login checks email and password and opens a session. An unknown email
// goes through every step a known one does, against a hash of the same
// cost, so neither the answer nor its timing tells which emails have
// accounts.
func (s *DB) Login(ctx context.Context, email, password string) (*slate.Token, *slate.User, error) {
	email = slate.NormalizeEmail(email)
	var u slate.User
	var created int64
	ok, err := admitHash(ctx, s, email, func() (bool, error) {
		var hash string
		err := s.rdb.QueryRowContext(ctx, `SELECT id, email, name, password_hash, created_at FROM users WHERE email = $1`, email).
			Scan(&u.ID, &u.Email, &u.Name, &hash, &created)
		if errors.Is(err, sql.ErrNoRows) {
			checkPassword(password, s.unknown())
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return checkPassword(password, hash), nil
	})
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, slate.Errorf(slate.EUNAUTHENTICATED, "wrong email or password")
	}
	if err := s.endAttempt(ctx, email); err != nil {
		return nil, nil, err
	}
	u.CreatedAt = fromMS(created)
	tok, err := s.issueToken(ctx, u.ID, slate.TokenSession, "session", slate.SessionTTL)
	if err != nil {
		return nil, nil, err
	}
	return tok, &u, nil
}

// admitHash runs hash, the argon2id work of an attempt for email, behind
// the password gate and once the attempt is counted against the email's
// failures (which may refuse it). The gate comes first, so an attempt the
// server is too busy to check is not counted as a failure.
func admitHash[T any](ctx context.Context, s *DB, email string, hash func() (T, error)) (T, error) {
	var zero T
	leave, err := s.hashes.enter(ctx)
	if err != nil {
		return zero, err
	}
	defer leave()
	if err := s.beginAttempt(ctx, email); err != nil {
		return zero, err
	}
	return hash()
}

// CreateToken issues an API token for the acting user.
func (s *DB) CreateToken(ctx context.Context, in slate.TokenInput) (*slate.Token, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := slate.ValidateName("name", in.Name); err != nil {
		return nil, err
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > 3650 {
		return nil, slate.Invalidf("expires_in_days", "expires_in_days must be 0 (never) to 3650")
	}
	return s.issueToken(ctx, u.ID, slate.TokenAPI, in.Name, time.Duration(in.ExpiresInDays)*24*time.Hour)
}

// issueToken stores a new token's hash; ttl 0 means it never expires. The
// secret is 160 random bits, so a plain SHA-256 of it is a safe lookup key.
func (s *DB) issueToken(ctx context.Context, userID string, kind slate.TokenKind, name string, ttl time.Duration) (*slate.Token, error) {
	var t *slate.Token
	err := s.withTx(ctx, func(tx *Tx) (err error) {
		t, err = s.insertToken(ctx, tx, userID, kind, name, ttl)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// insertToken makes a token in tx; only its hash is stored.
func (s *DB) insertToken(ctx context.Context, tx *Tx, userID string, kind slate.TokenKind, name string, ttl time.Duration) (*slate.Token, error) {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	secret := "slt_" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	t := &slate.Token{ID: s.newID("tok"), Name: name, Kind: kind, Secret: secret, CreatedAt: tx.now}
	var exp sql.NullInt64
	if ttl > 0 {
		e := tx.now.Add(ttl)
		t.ExpiresAt = &e
		exp = sql.NullInt64{Int64: ms(e), Valid: true}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO tokens (id, user_id, kind, name, hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, userID, string(kind), name, tokenHash(secret), ms(tx.now), exp)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Authenticate resolves a token secret to its user.
func (s *DB) Authenticate(ctx context.Context, secret string) (*slate.User, error) {
	var u slate.User
	var created int64
	var expires, revoked sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, `SELECT u.id, u.email, u.name, u.created_at, t.expires_at, t.revoked_at
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1`, tokenHash(secret)).
		Scan(&u.ID, &u.Email, &u.Name, &created, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, slate.Errorf(slate.EUNAUTHENTICATED, "unknown token")
	}
	if err != nil {
		return nil, err
	}
	if revoked.Valid || (expires.Valid && !s.clock.Now().Before(fromMS(expires.Int64))) {
		return nil, slate.Errorf(slate.EUNAUTHENTICATED, "token expired or revoked")
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// Logout revokes a token.
func (s *DB) Logout(ctx context.Context, secret string) error {
	return s.withTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL`,
			ms(tx.now), tokenHash(secret))
		return err
	})
}

func tokenHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}
