package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"slate"
)

// dialect is every difference between SQLite and PostgreSQL that the store
// knows about. Nothing outside this file asks which database it is on.
type dialect interface {
	name() string
	open(dsn string) (writer, reader *sql.DB, err error)
	goose() goose.Dialect
	gooseOptions() []goose.ProviderOption
	// forUpdate is appended to a SELECT that must lock the rows it reads
	// against concurrent writers until the transaction ends. SQLite has one
	// writer at a time, so it needs nothing.
	forUpdate() string
	// skipLocked is forUpdate for a claim: rows another transaction has
	// locked are passed over instead of waited for, so many workers take
	// different jobs at once.
	skipLocked() string
	// isUnique reports a unique-constraint violation.
	isUnique(err error) bool
	// retryable reports an abort that running the transaction again may
	// get past: a deadlock victim or a serialization failure.
	retryable(err error) bool
	translate(err error) error
	// cachesStatements says the store should prepare each statement once:
	// the driver parses every unprepared statement afresh.
	cachesStatements() bool
}

func dialectFor(dsn string) (dialect, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return sqliteDialect{}, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgresDialect{}, nil
	}
	return nil, fmt.Errorf("store: database %q: want sqlite:PATH or postgres://…", dsn)
}

type sqliteDialect struct{}

func (sqliteDialect) name() string { return "sqlite" }

// SQLiteURI is the file: URI of a SQLite database at path, without
// parameters. In a URI '?' starts the parameters and '#' a fragment, so
// unescaped, "/tmp/a#1/slate.db" would open "/tmp/a".
func SQLiteURI(path string) string {
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

func (sqliteDialect) open(dsn string) (*sql.DB, *sql.DB, error) {
	path := strings.TrimPrefix(dsn, "sqlite:")
	if path == "" {
		return nil, nil, errors.New("store: sqlite: empty path")
	}
	// WAL lets readers run beside the one writer; foreign keys are off by
	// default in SQLite; IMMEDIATE takes the write lock at BEGIN, so a
	// transaction never fails halfway when it upgrades from read to write.
	uri := SQLiteURI(path)
	params := "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)"
	w, err := sql.Open("sqlite", uri+"?"+params+"&_txlock=immediate")
	if err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", uri+"?"+params)
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	r.SetMaxOpenConns(8)
	return w, r, nil
}

func (sqliteDialect) goose() goose.Dialect                 { return goose.DialectSQLite3 }
func (sqliteDialect) gooseOptions() []goose.ProviderOption { return nil }
func (sqliteDialect) forUpdate() string                    { return "" }
func (sqliteDialect) skipLocked() string                   { return "" }

func (sqliteDialect) isUnique(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// SQLite has one writer at a time and never picks a deadlock victim.
func (sqliteDialect) retryable(error) bool { return false }

func (d sqliteDialect) translate(err error) error { return translate(d, err) }

func (sqliteDialect) cachesStatements() bool { return true }

type postgresDialect struct{}

func (postgresDialect) name() string { return "postgres" }

func (postgresDialect) open(dsn string) (*sql.DB, *sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	return db, db, nil
}

func (postgresDialect) goose() goose.Dialect { return goose.DialectPostgres }

// Several servers may start at once against one database; a session lock
// lets exactly one of them migrate.
func (postgresDialect) gooseOptions() []goose.ProviderOption {
	// Retry every second (goose's default is five) for up to five minutes:
	// the lock is per database, so servers, or tests in separate schemas of
	// one database, starting together wait their turn briefly.
	l, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil
	}
	return []goose.ProviderOption{goose.WithSessionLocker(l)}
}

func (postgresDialect) forUpdate() string  { return " FOR UPDATE" }
func (postgresDialect) skipLocked() string { return " FOR UPDATE SKIP LOCKED" }

func (postgresDialect) isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func (postgresDialect) retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40P01" || e.Code == "40001")
}

func (d postgresDialect) translate(err error) error { return translate(d, err) }

// pgx prepares and caches statements per connection itself.
func (postgresDialect) cachesStatements() bool { return false }

// translate turns driver errors a client can cause into slate errors and
// leaves slate errors alone.
func translate(d dialect, err error) error {
	if err == nil {
		return nil
	}
	var se *slate.Error
	if errors.As(err, &se) {
		return err
	}
	if d.isUnique(err) {
		return slate.Errorf(slate.ECONFLICT, "already exists")
	}
	return err
}
