package main_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
	"slate/client"
	"slate/demo"
	"slate/export"
	"slate/media"
)

// TestCLIExport exports a scene of the demo through the binary only: the
// export is refused while shots have no take, naming each; once the scene
// is rendered (one shot at a higher tier than the rest) export --watch
// follows the server's worker to the end and saves a file that ffprobe
// measures as the cut, and an EDL that parses back to the same cut, even
// with a shot named to confuse it.
func TestCLIExport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, p, _ := demoCLI(t, dir, "2")
	var tree slate.Tree
	c.json(&tree, "tree")
	scene := tree.Acts[0].Scenes[0]
	shots := scene.Shots
	if len(shots) < 2 {
		t.Fatalf("demo scene has %d shots", len(shots))
	}

	r := c.run("export", "--scene", scene.ID, "--preset", "mp4-h264")
	if r.code != 1 || strings.Count(r.stderr, "no take:") != len(shots) || !strings.Contains(r.stderr, "(conflict)") {
		t.Fatalf("export without takes: exit %d\nstderr %s", r.code, r.stderr)
	}
	var page client.Export
	if r := c.run("export", "list", "--json"); r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("exports after a refusal: %s %s", r.stdout, r.stderr)
	}

	// A name made of what EDL readers and shells treat specially.
	hostile := `Keeper "one" * FROM CLIP NAME: 002  AX  V  C  $(rm -rf ~) <b>'`
	c.ok("shot", "edit", shots[0].ID, "--name", hostile)
	var b slate.Batch
	c.json(&b, "render", "--scene", scene.ID, "--tier", "draft", "--yes")
	c.ok("queue", "watch", "--batch", b.ID)
	c.json(&b, "render", "--shot", shots[1].ID, "--tier", "standard", "--yes")
	c.ok("queue", "watch", "--batch", b.ID)

	file, edl := filepath.Join(dir, "cut.mp4"), filepath.Join(dir, "cut.edl")
	r = c.run("export", "--scene", scene.ID, "--preset", "mp4-h264", "-o", file, "--edl", edl, "--json")
	if r.code != 0 {
		t.Fatalf("export: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	decodeJSON(t, r.stdout, &page)
	if page.State != slate.JobSucceeded || len(page.Clips) != len(shots) || page.FileURL == "" {
		t.Fatalf("export = %+v", page)
	}

	var total int64
	for _, sh := range shots {
		total += sh.DurationMS
	}
	info, err := media.Probe(context.Background(), "", file)
	if err != nil {
		t.Fatal(err)
	}
	// The standard take sets the size; the drafts are conformed up to it.
	if info.VideoCodec != "h264" || info.Width != 1280 || info.Height != 720 || info.FrameRate != p.FrameRate ||
		info.AudioSampleRate != 48000 || abs(info.DurationMS-total) > int64(1000/p.FrameRate) {
		t.Fatalf("exported file = %+v, want %d ms of 1280x720 h264 at %d fps with 48 kHz audio", info, total, p.FrameRate)
	}

	body, err := os.ReadFile(edl)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := export.ParseEDL(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse EDL: %v\n%s", err, body)
	}
	if len(doc.Events) != len(shots) || doc.Title != demo.Title {
		t.Fatalf("EDL has %d events titled %q, want %d titled %q:\n%s", len(doc.Events), doc.Title, len(shots), demo.Title, body)
	}
	frames := export.Frames(durations(shots), p.FrameRate)
	rec := doc.Events[0].RecordIn
	for i, ev := range doc.Events {
		if ev.Number != i+1 || ev.Frames(p.FrameRate) != frames[i] || ev.RecordIn != rec {
			t.Errorf("event %d = %+v, want %d frames from %s", i+1, ev, frames[i], rec)
		}
		rec = ev.RecordOut
		if want := page.Clips[i].ShotName; ev.ClipName != want {
			t.Errorf("event %d clip %q, want %q", i+1, ev.ClipName, want)
		}
	}

	// The export is listed, and downloads again under its own name.
	var list []*client.Export
	c.json(&list, "export", "list")
	if len(list) != 1 || list[0].ID != page.ID {
		t.Fatalf("export list = %+v", list)
	}
	mustContain(t, "export show", c.ok("export", "show", page.ID), "succeeded", "1280x720", "Keeper")
	again := filepath.Join(dir, "again.mp4")
	c.ok("export", "download", page.ID, "-o", again)
	if a, b := fileBytes(t, file), fileBytes(t, again); !bytes.Equal(a, b) {
		t.Fatal("a second download differs from the first")
	}
}

func durations(shots []*slate.Shot) []int64 {
	out := make([]int64, len(shots))
	for i, sh := range shots {
		out[i] = sh.DurationMS
	}
	return out
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
