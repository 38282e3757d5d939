package media_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"slate/clock"
	"slate/media"
)

// scratch makes a scratch directory in d for the test.
func scratch(t *testing.T, d *media.Dir) *media.Scratch {
	t.Helper()
	s, err := d.Scratch("worker-1")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSweep: what is older than the age goes, with everything in it; what
// is as old or newer stays, whatever its contents' times.
func TestSweep(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	const age = 30 * time.Second
	type entry struct {
		name string
		dir  bool
		// old is how long before now the entry was last modified.
		old time.Duration
	}
	for _, tc := range []struct {
		name    string
		entries []entry
		want    []string // removed
	}{
		{"empty", nil, nil},
		{"a dead worker's directory", []entry{{"dead", true, time.Hour}}, []string{"dead"}},
		{"a live worker's directory", []entry{{"live", true, time.Second}}, nil},
		{"just at the age", []entry{{"edge", true, age}}, nil},
		{"just past the age", []entry{{"past", true, age + time.Millisecond}}, []string{"past"}},
		{"a stray file", []entry{{"stray.part", false, 2 * age}}, []string{"stray.part"}},
		{"a clock behind the file", []entry{{"future", true, -time.Hour}}, nil},
		{"dead and live together", []entry{{"a", true, 5 * time.Minute}, {"b", true, 0}, {"c", false, time.Minute}},
			[]string{"a", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, e := range tc.entries {
				p := filepath.Join(dir, e.name)
				if e.dir {
					// Contents newer than the directory do not keep it:
					// a live worker refreshes the directory itself.
					if err := os.MkdirAll(filepath.Join(p, ".slate-preview-1"), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(p, "0a1b-take.mp4"), []byte("half a take"), 0o644); err != nil {
						t.Fatal(err)
					}
				} else if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
				at := now.Add(-e.old)
				if err := os.Chtimes(p, at, at); err != nil {
					t.Fatal(err)
				}
			}
			removed, err := media.Sweep(dir, clock.NewFake(now), age)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(removed)
			if !slices.Equal(removed, tc.want) {
				t.Errorf("removed %v, want %v", removed, tc.want)
			}
			for _, e := range tc.entries {
				_, err := os.Lstat(filepath.Join(dir, e.name))
				if gone := errors.Is(err, fs.ErrNotExist); gone != slices.Contains(tc.want, e.name) {
					t.Errorf("%s: gone = %v (%v)", e.name, gone, err)
				}
			}
		})
	}
	t.Run("no directory", func(t *testing.T) {
		t.Parallel()
		removed, err := media.Sweep(filepath.Join(t.TempDir(), "none"), clock.NewFake(now), age)
		if err != nil || removed != nil {
			t.Fatalf("Sweep = %v, %v; want nothing", removed, err)
		}
	})
}

// TestScratch: a worker's scratch directory lives under the root's .tmp,
// which no key reaches; kept, it survives a sweep; left, the sweep takes
// it; closed, it is gone.
func TestScratch(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	s := scratch(t, d)
	if want := filepath.Join(d.Root(), ".tmp", "worker-1"); s.Dir() != want {
		t.Fatalf("scratch in %s, want %s", s.Dir(), want)
	}
	if err := media.CheckKey(".tmp/worker-1/a.mp4"); err == nil {
		t.Fatal("a key reaches the scratch area")
	}
	tmp, err := s.TempPath("takes/p1/ab/abcd.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(tmp) != s.Dir() {
		t.Fatalf("temp file %s is not in %s", tmp, s.Dir())
	}
	kept := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	if err := s.Keep(kept); err != nil {
		t.Fatal(err)
	}
	const lease = 30 * time.Second
	clk := clock.NewFake(kept.Add(lease))
	if removed, err := d.Sweep(clk, lease); err != nil || len(removed) != 0 {
		t.Fatalf("a lease after Keep: swept %v, %v; want nothing", removed, err)
	}
	clk.Advance(time.Millisecond)
	if removed, err := d.Sweep(clk, lease); err != nil || !slices.Equal(removed, []string{"worker-1"}) {
		t.Fatalf("past a lease: swept %v, %v; want worker-1", removed, err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the left file survived the sweep: %v", err)
	}

	other, err := d.Scratch("worker-2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.TempPath("takes/a.mp4"); err != nil {
		t.Fatal(err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other.Dir()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("scratch directory still there after Close: %v", err)
	}
}
