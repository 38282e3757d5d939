// Package storetest holds the suite every database the store supports must
// pass, and opens a fresh, migrated store of each kind for tests.
//
// PostgreSQL comes from SLATE_TEST_POSTGRES (a DSN; scripts/test starts a
// throwaway server and sets it). Without it the PostgreSQL half is skipped,
// unless SLATE_TEST_REQUIRE_POSTGRES=1, as in CI, where that is a failure.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"slate"
	"slate/clock"
	"slate/payment"

	"slate/store"
)

// Epoch is where every test clock starts: a fixed, ordinary date.
var Epoch = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

// FastPasswords keeps argon2id cheap in tests; production uses the defaults.
var FastPasswords = store.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

// Backend opens fresh stores of one database kind.
type Backend struct {
	Name string
	// DSN returns the DSN of a fresh, empty database that is dropped when t ends.
	DSN func(t testing.TB) string
}

// Backends returns SQLite and, when configured, PostgreSQL.
func Backends(t testing.TB) []Backend {
	t.Helper()
	bs := []Backend{{Name: "sqlite", DSN: sqliteDSN}}
	if os.Getenv("SLATE_TEST_POSTGRES") != "" {
		bs = append(bs, Backend{Name: "postgres", DSN: postgresDSN})
	} else if os.Getenv("SLATE_TEST_REQUIRE_POSTGRES") == "1" {
		t.Fatal("SLATE_TEST_REQUIRE_POSTGRES=1 but SLATE_TEST_POSTGRES is not set; run scripts/test")
	}
	return bs
}

// Env is one test's store and clock.
type Env struct {
	DB    *store.DB
	Clock *clock.Fake
	DSN   string
}

// Each runs fn as a parallel subtest on a fresh store of every backend.
func Each(t *testing.T, fn func(t *testing.T, env *Env)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, b))
		})
	}
}

// Open returns a fresh store of backend b, closed when t ends. Every engine
// of the default price book is enabled, so tests can quote any of them;
// nothing here renders.
func Open(t testing.TB, b Backend) *Env {
	t.Helper()
	return OpenWith(t, b, nil)
}

// OpenWith is Open with options changed by edit first.
func OpenWith(t testing.TB, b Backend, edit func(*store.Options)) *Env {
	t.Helper()
	clk := clock.NewFake(Epoch)
	dsn := b.DSN(t)
	opts := store.Options{
		Clock: clk, PasswordParams: FastPasswords,
		Payments: payment.Grant{},
		Engines:  slate.Engines,
	}
	if edit != nil {
		edit(&opts)
	}
	db, err := store.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("open %s store: %v", b.Name, err)
	}
	t.Cleanup(func() { db.Close() })
	return &Env{DB: db, Clock: clk, DSN: dsn}
}

func sqliteDSN(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "slate.db")
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// postgresDSN makes a schema of its own for the test on the shared server, so
// tests run in parallel without seeing each other, and drops it afterwards.
func postgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("SLATE_TEST_POSTGRES")
	adminOnce.Do(func() { admin, adminErr = sql.Open("pgx", base) })
	if adminErr != nil {
		t.Fatal(adminErr)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Ctx returns a context acting as u.
func Ctx(u *slate.User) context.Context {
	return slate.NewContextWithUser(context.Background(), u)
}
