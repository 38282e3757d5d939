// Package store implements Slate's services on database/sql, for SQLite
// (modernc.org/sqlite, the embedded default) and PostgreSQL (pgx). The SQL is
// written once where the two agree; dialect.go holds every difference.
//
// One service method is one transaction. Permission checks happen inside it,
// against the membership it reads, so a check and the write it guards see the
// same state.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/pressly/goose/v3"

	"slate"
	"slate/limit"
	"slate/pricing"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configure a store.
type Options struct {
	// Clock tells the time; required.
	Clock slate.Clock
	// Catalog is the plans, credit packs and price book in force; the zero
	// value means the spec's defaults.
	Catalog pricing.Catalog
	// Payments takes payment for credit packs; nil refuses purchases.
	Payments slate.PaymentProvider
	// PasswordParams tune argon2id; zero means the production defaults.
	PasswordParams PasswordParams
	// PasswordMemory is how many bytes password hashes may hold at once;
	// it sets how many run at once (at least one). 0 means
	// DefaultPasswordMemory.
	PasswordMemory int64
	// PasswordQueue is how many sign-ins may wait for a hash before more
	// are refused with ERATELIMITED; 0 means DefaultPasswordQueue.
	PasswordQueue int
	// SignInBackoff paces failed sign-ins per account; the zero value
	// means limit.DefaultBackoff.
	SignInBackoff limit.Backoff
	// Engines are the engines this deployment renders with; estimates and
	// submissions for any other are refused. Nil means only the built-in
	// preview engine.
	Engines []string
	// Offers say what engines that restrict it render: tiers, durations
	// and how many jobs may run at once across every process. An engine
	// without one renders every tier at any length, unlimited.
	Offers []slate.EngineOffer
}

// DB is an open Slate database.
type DB struct {
	// db takes writes. On SQLite it holds one connection, so writers queue in
	// Go instead of spinning on SQLITE_BUSY; on PostgreSQL it is the pool.
	db *sql.DB
	// rdb serves reads that need no transaction of the writer. On PostgreSQL
	// it is the same pool as db.
	rdb     *sql.DB
	dialect dialect
	clock   slate.Clock
	plans   map[string]slate.Plan
	catalog pricing.Catalog
	// book is the price book in force, with the version the database gave it.
	book     pricing.Book
	payments slate.PaymentProvider
	pw       PasswordParams
	engines  map[string]bool
	offers   map[string]slate.EngineOffer
	// hashes bounds the password hashes running at once; unknown is the
	// hash an unknown email's password is checked against.
	hashes  *gate
	unknown func() string
	backoff limit.Backoff

	stmts statements

	idMu      sync.Mutex
	idEntropy io.Reader
}

// Open connects to dsn ("sqlite:PATH" or "postgres://…"), applies the
// embedded migrations and returns the store.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	if opts.Clock == nil {
		return nil, errors.New("store: Options.Clock is required")
	}
	d, err := dialectFor(dsn)
	if err != nil {
		return nil, err
	}
	s := &DB{
		dialect:   d,
		clock:     opts.Clock,
		plans:     map[string]slate.Plan{},
		pw:        opts.PasswordParams.orDefault(),
		backoff:   opts.SignInBackoff,
		idEntropy: ulid.Monotonic(rand.Reader, 0),
	}
	if s.backoff == (limit.Backoff{}) {
		s.backoff = limit.DefaultBackoff
	}
	if err := s.backoff.Validate(); err != nil {
		return nil, err
	}
	s.hashes = newGate(s.pw, opts.PasswordMemory, opts.PasswordQueue)
	// Made on the first unknown email rather than here: opening the store
	// for a CLI command or a worker should not cost a hash.
	s.unknown = sync.OnceValue(func() string { return unknownHash(s.pw) })
	if opts.Catalog.Plans == nil {
		opts.Catalog = pricing.Default()
	}
	if err := opts.Catalog.Validate(); err != nil {
		return nil, err
	}
	s.catalog, s.payments = opts.Catalog, opts.Payments
	if opts.Engines == nil {
		opts.Engines = []string{slate.DefaultEngine}
	}
	s.engines = map[string]bool{}
	for _, e := range opts.Engines {
		if _, ok := opts.Catalog.PriceBook.Engine(e); !ok {
			return nil, fmt.Errorf("store: engine %q is not in the price book", e)
		}
		s.engines[e] = true
	}
	s.offers = map[string]slate.EngineOffer{}
	for _, o := range opts.Offers {
		if !s.engines[o.Name] {
			return nil, fmt.Errorf("store: engine %q has an offer but is not enabled", o.Name)
		}
		s.offers[o.Name] = o
	}
	for _, p := range opts.Catalog.Plans {
		s.plans[p.Name] = p
	}
	if s.db, s.rdb, err = d.open(dsn); err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.book, err = s.registerBook(ctx, opts.Catalog.PriceBook); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.addEngineLanes(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the connection pools.
func (s *DB) Close() error {
	s.stmts.close()
	err := s.db.Close()
	if s.rdb != s.db {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// engineEnabled refuses an engine this deployment does not render with, so
// nobody is quoted or held for work no worker could do.
func (s *DB) engineEnabled(field, name string) error {
	if !s.engines[name] {
		return slate.Invalidf(field, "engine %q is not configured on this server", name)
	}
	return nil
}

// knownEngine refuses an engine name the price book has never heard of
// (empty is "inherit"). An engine in the book but not configured here may
// still be named: another deployment of the same project may render it.
func (s *DB) knownEngine(field, name string) error {
	if name == "" {
		return nil
	}
	if _, ok := s.book.Engine(name); !ok {
		return slate.Invalidf(field, "engine %q is not in the price book", name)
	}
	return nil
}

// Dialect names the database: "sqlite" or "postgres".
func (s *DB) Dialect() string { return s.dialect.name() }

// Ping checks the database answers.
func (s *DB) Ping(ctx context.Context) error { return s.rdb.PingContext(ctx) }

func (s *DB) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(s.dialect.goose(), s.db, fsys, s.dialect.gooseOptions()...)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Tx is a write transaction with the time it started, so every row a service
// method writes carries one timestamp.
type Tx struct {
	*sql.Tx
	db *DB
	// pool is the pool the transaction came from, which its prepared
	// statements must come from too.
	pool *sql.DB
	now  time.Time
	// write marks a transaction of withTx: only those take row locks.
	write bool
}

// maxAttempts bounds how often withTx reruns a transaction the database
// aborted to break a deadlock or a serialization conflict.
const maxAttempts = 4

// withTx runs fn in a write transaction, committing if it returns nil. Driver
// errors are translated to slate errors on the way out. A transaction the
// database aborted as a deadlock victim is run again, so fn must not
// accumulate into state outside itself across runs.
func (s *DB) withTx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = s.runTx(ctx, fn)
		if !s.dialect.retryable(err) {
			break
		}
	}
	return s.dialect.translate(err)
}

func (s *DB) runTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{Tx: sqlTx, db: s, pool: s.db, now: s.clock.Now(), write: true}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	return sqlTx.Commit()
}

// newID returns a prefixed, time-sortable id such as "shot_01J…".
func (s *DB) newID(prefix string) string {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	return prefix + "_" + ulid.MustNew(ulid.Timestamp(s.clock.Now()), s.idEntropy).String()
}

// ms stores a time as unix milliseconds; fromMS reads it back in UTC.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// placeholders returns "$start, $start+1, …" for n arguments.
func placeholders(start, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", start+i)
	}
	return b.String()
}
