package media_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate/media"
)

func newDir(t *testing.T) *media.Dir {
	t.Helper()
	d, err := media.NewDir(filepath.Join(t.TempDir(), "media"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func TestCheckKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"takes/3f/3f2a.mp4", true},
		{"exports/p1/cut.mp4", true},
		{"a", true},
		{"takes/ünïcode file.mp4", true},
		{"", false},
		{"/etc/passwd", false},
		{"../escape.mp4", false},
		{"takes/../../escape.mp4", false},
		{"takes/..", false},
		{"./takes/a.mp4", false},
		{"takes/./a.mp4", false},
		{"takes//a.mp4", false},
		{"takes/", false},
		{`takes\a.mp4`, false},
		{`..\..\windows`, false},
		{"takes/.tmp-1-a.mp4", false},
		{".hidden", false},
		{"takes/a\x00.mp4", false},
		{"takes/a\n.mp4", false},
		{"takes/\xff.mp4", false},
		{strings.Repeat("a", 513), false},
	} {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			err := media.CheckKey(tc.key)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckKey(%q) = %v, want ok=%v", tc.key, err, tc.ok)
			}
		})
	}
}

func TestNewKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		prefix, ext string
		wantPrefix  string
		wantSuffix  string
		ok          bool
	}{
		{"takes", ".mp4", "takes/", ".mp4", true},
		{"exports/p1", "mp4", "exports/p1/", ".mp4", true},
		{"", ".mp4", "", ".mp4", true},
		{"../up", ".mp4", "", "", false},
		{"/abs", ".mp4", "", "", false},
		{"takes", "/../../x", "", "", false},
	} {
		t.Run(tc.prefix+tc.ext, func(t *testing.T) {
			t.Parallel()
			key, err := media.NewKey(tc.prefix, tc.ext)
			if (err == nil) != tc.ok {
				t.Fatalf("NewKey(%q, %q) = %q, %v; want ok=%v", tc.prefix, tc.ext, key, err, tc.ok)
			}
			if !tc.ok {
				return
			}
			if !strings.HasPrefix(key, tc.wantPrefix) || !strings.HasSuffix(key, tc.wantSuffix) {
				t.Fatalf("NewKey = %q, want %q…%q", key, tc.wantPrefix, tc.wantSuffix)
			}
			if other, _ := media.NewKey(tc.prefix, tc.ext); other == key {
				t.Fatalf("NewKey returned %q twice", key)
			}
		})
	}
}

func TestDirCommitOpenRemove(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	key, err := media.NewKey("takes", ".mp4")
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := scratch(t, d).TempPath(key)
	if err != nil {
		t.Fatal(err)
	}
	final, err := d.Path(key)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Ext(tmp) != ".mp4" {
		t.Fatalf("temp %s does not end as %s does", tmp, key)
	}
	if err := os.WriteFile(tmp, []byte("take"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open before Commit: %v, want not exist", err)
	}
	if err := d.Commit(tmp, key); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("temp file still there after Commit: %v", err)
	}
	f, err := d.Open(key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	_ = f.Close()
	if err != nil || string(got) != "take" {
		t.Fatalf("read %q, %v", got, err)
	}
	if fi, err := d.Stat(key); err != nil || fi.Size() != 4 {
		t.Fatalf("Stat = %v, %v", fi, err)
	}
	for range 2 { // removing twice is fine
		if err := d.Remove(key); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(final); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("file still there after Remove: %v", err)
	}
}

func TestDirRefuses(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	outside := filepath.Join(t.TempDir(), "outside.mp4")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A symlink inside the root must not lead out of it.
	if err := os.Symlink(filepath.Dir(outside), filepath.Join(d.Root(), "link")); err != nil {
		t.Fatal(err)
	}
	notTemp := filepath.Join(d.Root(), "plain.mp4")
	if err := os.WriteFile(notTemp, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := scratch(t, d)
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"open dot-dot", func() error { _, err := d.Open("../x"); return err }},
		{"path absolute", func() error { _, err := d.Path("/etc/passwd"); return err }},
		{"temp for bad key", func() error { _, err := s.TempPath(`a\b`); return err }},
		{"scratch named with a slash", func() error { _, err := d.Scratch("a/b"); return err }},
		{"scratch named dot-dot", func() error { _, err := d.Scratch(".."); return err }},
		{"remove dot-dot", func() error { return d.Remove("takes/../../x") }},
		{"open through symlink", func() error { _, err := d.Open("link/outside.mp4"); return err }},
		{"remove through symlink", func() error { return d.Remove("link/outside.mp4") }},
		{"commit a file outside", func() error { return d.Commit(outside, "takes/a.mp4") }},
		{"commit a non-temporary file", func() error { return d.Commit(notTemp, "takes/a.mp4") }},
		{"discard a non-temporary file", func() error { return d.Discard(notTemp) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.do(); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "secret" {
		t.Fatalf("outside file touched: %q, %v", b, err)
	}
}

func TestDirDiscard(t *testing.T) {
	t.Parallel()
	d := newDir(t)
	tmp, err := scratch(t, d).TempPath("exports/p1/cut.mp4")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := d.Discard(tmp); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("temp file still there: %v", err)
	}
}
