// Package media is where takes and exports live on disk: a directory store
// addressed by keys, the scratch directories under it where files are made
// and the sweep that clears what dead workers left there, and ffprobe to
// say what a file holds.
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
	"syscall"
	"unicode"
	"unicode/utf8"
)

// maxKey bounds a key well under PATH_MAX once joined to the root.
const maxKey = 512

// Dir is a media store rooted at a directory. Keys are relative slash paths
// such as "takes/3f/3f2a….mp4"; every method refuses a key that could reach
// outside the root, and file access goes through an os.Root so a symlink
// planted inside cannot lead out either.
type Dir struct {
	root string
	fs   *os.Root
}

// NewDir opens the store at root, creating the directory if need be.
func NewDir(root string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	r, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &Dir{root: abs, fs: r}, nil
}

// Root is the absolute directory the store lives in.
func (d *Dir) Root() string { return d.root }

// Close releases the directory handle.
func (d *Dir) Close() error { return d.fs.Close() }

// CheckKey says why key is not a key the store accepts, or nil: keys are
// non-empty relative slash paths of clean segments, with no "." or ".."
// segment, no segment starting with a dot, no backslash and no control
// characters.
func CheckKey(key string) error {
	switch {
	case key == "":
		return errors.New("media: empty key")
	case len(key) > maxKey:
		return fmt.Errorf("media: key longer than %d bytes", maxKey)
	case !utf8.ValidString(key):
		return errors.New("media: key is not UTF-8")
	case strings.ContainsRune(key, '\\'):
		return fmt.Errorf("media: key %q has a backslash", key)
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("media: key %q is absolute", key)
	case strings.ContainsFunc(key, unicode.IsControl):
		return fmt.Errorf("media: key %q has a control character", key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("media: key %q has an empty segment", key)
		case seg == "." || seg == "..":
			return fmt.Errorf("media: key %q has a %q segment", key, seg)
		case strings.HasPrefix(seg, "."):
			return fmt.Errorf("media: key %q has a segment starting with a dot", key)
		}
	}
	return nil
}

// NewKey makes a fresh key under prefix ("takes", "exports/p1") ending in
// ext (".mp4"). Names are random rather than derived from ids so a retried
// job never overwrites the take a person may already be watching; the first
// two hex digits fan files out over subdirectories.
func NewKey(prefix, ext string) (string, error) {
	if ext != "" && !strings.HasPrefix(ext, ".") {
		ext = "." + ext
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	name := hex.EncodeToString(b[:])
	if strings.Contains(ext, "/") {
		return "", fmt.Errorf("media: extension %q has a slash", ext)
	}
	// Joined by hand, not path.Join, so a bad prefix is refused rather than
	// cleaned into some other directory.
	key := name[:2] + "/" + name + ext
	if prefix != "" {
		key = prefix + "/" + key
	}
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return key, nil
}

// Path is the file's place on disk, for tools such as ffmpeg that take a
// path rather than a handle.
func (d *Dir) Path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// tempName checks that tmp is a file in a scratch directory of this store
// and returns its name relative to the root.
func (d *Dir) tempName(tmp string) (string, error) {
	rel, err := filepath.Rel(d.root, tmp)
	if err != nil || !filepath.IsLocal(rel) || !strings.HasPrefix(filepath.ToSlash(rel), scratchDir+"/") {
		return "", fmt.Errorf("media: %q is not a temporary file of %s", tmp, d.root)
	}
	return rel, nil
}

// Commit moves the finished temporary file tmp (from a Scratch) to key, replacing what was
// there. It syncs the file and then its directory, so a take the database
// records survives a crash of the machine.
func (d *Dir) Commit(tmp, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	rel, err := d.tempName(tmp)
	if err != nil {
		return err
	}
	f, err := d.fs.OpenFile(rel, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	dir := filepath.FromSlash(path.Dir(key))
	if err := d.fs.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	if err := d.fs.Rename(rel, filepath.FromSlash(key)); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	return d.syncDir(dir)
}

func (d *Dir) syncDir(dir string) error {
	f, err := d.fs.Open(dir)
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	defer f.Close()
	// Some filesystems cannot sync a directory; the rename stands anyway.
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// Discard removes a temporary file that will not be committed. A file that
// is already gone is not an error.
func (d *Dir) Discard(tmp string) error {
	rel, err := d.tempName(tmp)
	if err != nil {
		return err
	}
	if err := d.fs.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// Open opens the file at key for reading.
func (d *Dir) Open(key string) (*os.File, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	f, err := d.fs.Open(filepath.FromSlash(key))
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return f, nil
}

// Stat describes the file at key.
func (d *Dir) Stat(key string) (fs.FileInfo, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	fi, err := d.fs.Stat(filepath.FromSlash(key))
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return fi, nil
}

// Remove deletes the file at key. A key that is already gone is not an
// error, so removing is safe to retry.
func (d *Dir) Remove(key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := d.fs.Remove(filepath.FromSlash(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}
