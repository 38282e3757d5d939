package storetest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"slate/store/storetest"
)

func TestBackendsOpen(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		if err := env.DB.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// A SQLite path is a path, not a URI: '#', '?' and '%' in it (a subtest
// named "x#01" gets such a temporary directory) name that file, not a
// shorter one that other stores would share.
func TestSQLitePathKeepsEveryCharacter(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a#01", "b?mode=ro", "c%23d", "e f"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "slate.db")
			env := storetest.Open(t, storetest.Backend{Name: "sqlite", DSN: func(testing.TB) string { return "sqlite:" + path }})
			if err := env.DB.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("the store is not at %s: %v", path, err)
			}
		})
	}
}
