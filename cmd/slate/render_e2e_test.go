package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/demo"
	"slate/media"
)

// demoCLI serves the demo with that many in-process workers, signs in as the
// demo producer and chooses the demo project; it returns the CLI, the
// project and the server.
func demoCLI(t *testing.T, dir, workers string) (*cli, *slate.Project, *server) {
	t.Helper()
	srv := startServer(t, dir, "--demo", "--workers", workers, "--poll", "100ms")
	c := newCLI(t, "demo")
	c.ok("login", "--server", srv.URL, "--email", demo.Email, "--password", demo.Password)
	var projects []*slate.Project
	c.json(&projects, "project", "list")
	if len(projects) != 1 || projects[0].Title != demo.Title {
		t.Fatalf("demo projects = %+v", projects)
	}
	c.ok("project", "use", projects[0].ID)
	return c, projects[0], srv
}

// TestCLIRender renders the demo project through the binary only: render
// estimates, asks and submits; the server's own workers render real clips
// with the preview engine; queue watch follows them to the end; every take
// downloads as a clip of the shot's length, the draft frame and the
// project's rate; and the balance drops by exactly the quoted total.
func TestCLIRender(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, p, srv := demoCLI(t, dir, "4")
	var tree slate.Tree
	c.json(&tree, "tree")
	shots := map[string]*slate.Shot{}
	for _, a := range tree.Acts {
		for _, sc := range a.Scenes {
			for _, sh := range sc.Shots {
				shots[sh.ID] = sh
			}
		}
	}
	var before slate.Credits
	c.json(&before, "credits")

	// Without an answer render refuses; answered no, it submits nothing.
	if r := c.run("render", "--all", "--tier", "draft"); r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("render without an answer: exit %d, stderr %q; want 2 pointing at --yes", r.code, r.stderr)
	}
	r := c.runIn("n\n", "render", "--all", "--tier", "draft")
	if r.code != 1 || !strings.Contains(r.stdout, "BALANCE AFTER") || !strings.Contains(r.stderr, "not submitted") {
		t.Errorf("render answered no: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	var page slate.Page[*slate.Job]
	c.json(&page, "queue")
	if len(page.Items) != 0 {
		t.Fatalf("queue after refusals = %+v, want empty", page.Items)
	}

	// --yes submits the quote it showed; under --json the estimate goes to
	// stderr and stdout is the batch.
	r = c.run("render", "--all", "--tier", "draft", "--yes", "--json")
	if r.code != 0 {
		t.Fatalf("render: exit %d\n%s", r.code, r.stderr)
	}
	var b slate.Batch
	decodeJSON(t, r.stdout, &b)
	total := quotedTotal(t, r.stderr)
	if len(b.Items) != len(shots) || b.QuoteID == "" || b.Estimate != total || b.Held != total || total == 0 {
		t.Fatalf("batch = %+v, want all %d shots held at the quoted %d", b, len(shots), total)
	}

	// Watch follows the batch live and exits once every job has finished;
	// its output is a pipe, so it prints lines rather than redrawing.
	start := time.Now()
	watch := c.run("queue", "watch", "--batch", b.ID)
	if watch.code != 0 || strings.Contains(watch.stdout, "\x1b[") {
		t.Fatalf("watch: exit %d after %s\nstdout %s\nstderr %s", watch.code, time.Since(start), watch.stdout, watch.stderr)
	}
	mustContain(t, "watch", watch.stdout, "succeeded", "balance:", "batch "+b.ID+" finished: "+strconv.Itoa(len(shots))+" succeeded")

	// The queue agrees: every job succeeded and was charged its quote.
	c.json(&page, "queue", "--batch", b.ID, "--all", "--limit", "5")
	if len(page.Items) != len(shots) {
		t.Fatalf("queue --batch lists %d jobs, want %d", len(page.Items), len(shots))
	}
	mustContain(t, "queue table", c.ok("queue", "--state", "succeeded"), "HELD/CHARGED", "succeeded", demo.UserName)
	ctx := context.Background()
	for _, j := range page.Items {
		sh := shots[j.ShotID]
		if j.State != slate.JobSucceeded || j.CostCharged != j.Cost || j.CostHeld != 0 || j.TakeID == "" || sh == nil {
			t.Errorf("job %+v, want succeeded, charged its cost, with a take of a demo shot", j)
			continue
		}
		var takes []*slate.Take
		c.json(&takes, "takes", sh.ID)
		if len(takes) != 1 || takes[0].ID != j.TakeID || !takes[0].Selected {
			t.Errorf("takes of %s = %+v, want the job's one selected take", sh.Name, takes)
			continue
		}
		file := filepath.Join(dir, j.TakeID+".mp4")
		c.ok("takes", "download", j.TakeID, "-o", file)
		info, err := media.Probe(ctx, "", file)
		if err != nil {
			t.Fatal(err)
		}
		frame := int64(1000 / p.FrameRate)
		if d := info.DurationMS - sh.DurationMS; d < -frame || d > frame || info.Width != 854 || info.Height != 480 ||
			info.FrameRate != p.FrameRate {
			t.Errorf("%s: %dx%d at %d fps, %d ms; want 854x480 (draft 16:9) at %d fps, %d ms ±1 frame",
				sh.Name, info.Width, info.Height, info.FrameRate, info.DurationMS, p.FrameRate, sh.DurationMS)
		}
	}

	var after slate.Credits
	c.json(&after, "credits")
	if after.Available != before.Available-total || after.Held != 0 {
		t.Errorf("credits %+v → %+v, want exactly the quoted %d spent and nothing held", before, after, total)
	}

	// The event stream, read as an SSE client from its start, tells the
	// same story in order: ids only grow, every job goes queued → running
	// → succeeded with its progress never going back, and the last balance
	// is the one the credits command shows.
	stream := c.ok("events", "--no-follow", "--json")
	var lastID string
	var lastBalance *slate.Credits
	seen := map[string][]slate.JobState{}
	progress := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(stream), "\n") {
		var e slate.Event
		decodeJSON(t, line, &e)
		if e.ID <= lastID {
			t.Fatalf("event %s after %s: the stream is out of order", e.ID, lastID)
		}
		lastID = e.ID
		body, _ := json.Marshal(e.Payload)
		switch e.Kind {
		case slate.EventJob:
			var j slate.Job
			decodeJSON(t, string(body), &j)
			if st := seen[j.ID]; len(st) == 0 || st[len(st)-1] != j.State {
				seen[j.ID] = append(st, j.State)
			}
			if j.Progress < progress[j.ID] && j.State == slate.JobRunning {
				t.Errorf("job %s progress went back from %d to %d", j.ID, progress[j.ID], j.Progress)
			}
			progress[j.ID] = j.Progress
		case slate.EventBalance:
			lastBalance = &slate.Credits{}
			decodeJSON(t, string(body), lastBalance)
		}
	}
	for _, j := range b.Items {
		if got := fmt.Sprint(seen[j.ID]); got != "[queued running succeeded]" {
			t.Errorf("job %s went %s on the stream, want [queued running succeeded]", j.ID, got)
		}
	}
	if lastBalance == nil || lastBalance.Available != after.Available || lastBalance.Held != 0 {
		t.Errorf("last balance event %+v, want available %d and nothing held", lastBalance, after.Available)
	}

	// Work that does not fit shows the shortfall and what would fix it,
	// and submits nothing: four minutes at high on the free plan's 800.
	tiny := c.id("org", "create", "Tiny Films", "--plan", "free")
	epic := c.id("project", "create", "Epic", "--org", tiny)
	scene := c.id("scene", "add", c.id("act", "add", "One", "--project", epic), "Storm")
	for i := range 4 {
		c.id("shot", "add", scene, fmt.Sprintf("Wave %d", i+1), "--duration", "60s")
	}
	r = c.run("render", "--all", "--tier", "high", "--yes", "--org", tiny, "--project", epic)
	if r.code != 1 || !strings.Contains(r.stderr, "nothing submitted") {
		t.Errorf("render short of credits: exit %d, stderr %q; want 1 and nothing submitted", r.code, r.stderr)
	}
	mustContain(t, "short estimate", r.stdout, "960", "SHORTFALL", "160", "REMEDY 1", "--tier standard", "slate plan set")
	c.json(&page, "queue", "--org", tiny)
	if len(page.Items) != 0 {
		t.Errorf("queue of the short org = %+v, want empty", page.Items)
	}
	srv.stop(t)
}

// decodeJSON decodes a command's JSON output into v.
func decodeJSON(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
}

// quotedTotal reads the TOTAL row of an estimate table.
func quotedTotal(t *testing.T, out string) int64 {
	t.Helper()
	f := strings.Fields(firstLine(out, "TOTAL"))
	if len(f) == 0 {
		t.Fatalf("no TOTAL row in:\n%s", out)
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(f[len(f)-1], ",", ""), 10, 64)
	if err != nil {
		t.Fatalf("TOTAL row %q: %v", f, err)
	}
	return n
}
