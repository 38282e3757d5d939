package media

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"slate"
)

// scratchDir, directly under the root, is the one place where files are
// made before they are committed: every worker has a directory of its own
// in it. Its name starts with a dot, which no key segment may, so no key
// can reach into it, and the sweep never looks anywhere else.
const scratchDir = ".tmp"

// Scratch is one process's directory for the files it is making: a
// render's output before Commit, ffmpeg's partial file, the preview card's
// text files, an export's concat list. The process refreshes the
// directory's modification time while it lives (Keep) and removes it when
// it stops (Close); a process that dies leaves it to age, and any worker's
// Sweep removes it once it is older than a lease. Living under the root
// keeps Commit a rename on one filesystem.
type Scratch struct {
	d   *Dir
	rel string
	abs string
}

// Scratch makes owner's scratch directory, owner being one path segment
// such as a worker's id.
func (d *Dir) Scratch(owner string) (*Scratch, error) {
	if err := CheckKey(owner); err != nil || strings.Contains(owner, "/") {
		return nil, fmt.Errorf("media: %q cannot name a scratch directory", owner)
	}
	rel := filepath.Join(scratchDir, owner)
	if err := d.fs.MkdirAll(rel, 0o755); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &Scratch{d: d, rel: rel, abs: filepath.Join(d.root, rel)}, nil
}

// Dir is the scratch directory's absolute path.
func (s *Scratch) Dir() string { return s.abs }

// TempPath reserves a new empty file in the scratch directory, for a
// writer (an engine, an export) to fill before Commit moves it to key. Its
// name ends as key does, so tools that choose a format by extension
// choose the right one. Callers that give up call Discard.
func (s *Scratch) TempPath(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	for {
		var b [8]byte
		_, _ = rand.Read(b[:])
		name := filepath.Join(s.rel, hex.EncodeToString(b[:])+"-"+path.Base(key))
		f, err := s.d.fs.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("media: %w", err)
		}
		if err := f.Close(); err != nil {
			return "", fmt.Errorf("media: %w", err)
		}
		return filepath.Join(s.d.root, name), nil
	}
}

// Keep marks the scratch directory as in use at now, so no sweep takes it.
func (s *Scratch) Keep(now time.Time) error {
	if err := s.d.fs.Chtimes(s.rel, now, now); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// Close removes the scratch directory and everything left in it.
func (s *Scratch) Close() error {
	if err := s.d.fs.RemoveAll(s.rel); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// Sweep removes the scratch directories of processes that stopped keeping
// them: those older than age by clk. It returns their names.
func (d *Dir) Sweep(clk slate.Clock, age time.Duration) ([]string, error) {
	return Sweep(filepath.Join(d.root, scratchDir), clk, age)
}

// Sweep removes each entry of dir, with all it holds, whose modification
// time is more than age before clk's now, and returns the names it
// removed. An entry's own time is what counts, not its contents': a live
// process refreshes its directory's. A dir that does not exist holds
// nothing to sweep.
func Sweep(dir string, clk slate.Clock, age time.Duration) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("media: sweep: %w", err)
	}
	cutoff := clk.Now().Add(-age)
	var removed []string
	var errs []error
	for _, e := range entries {
		info, err := e.Info()
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // another sweep took it
		case err != nil:
			errs = append(errs, err)
			continue
		case !info.ModTime().Before(cutoff):
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, e.Name())
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("media: sweep: %w", err)
	}
	return removed, nil
}
