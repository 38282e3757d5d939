package main_test

import (
	"os"
	"strings"
	"testing"

	"slate"
)

func TestCLIEndToEnd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, dir)
	ada := newCLI(t, "ada")

	ada.ok("signup", "--server", srv.URL, "--email", "ada@example.test", "--password", "correct horse battery", "--name", "Ada")
	ada.ok("logout")
	if r := ada.run("org", "list"); r.code != 1 || !strings.Contains(r.stderr, "not logged in") {
		t.Fatalf("org list after logout: exit %d, stderr %q; want 1 and a hint to log in", r.code, r.stderr)
	}
	// The password comes from stdin, so it stays out of the process list.
	if r := ada.runIn("correct horse battery\n", "login", "--email", "ada@example.test"); r.code != 0 {
		t.Fatalf("login: exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, "me", ada.ok("org", "list"), "ID", "NAME")
	if fi, err := os.Stat(ada.config); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("config file mode %v, want 0600: it holds the token", fi.Mode().Perm())
	}

	org := ada.id("org", "create", "Lighthouse Films", "--plan", "business")
	ada.ok("org", "use", org)
	project := ada.id("project", "create", "The Lighthouse", "--format", "short")
	ada.ok("project", "use", project)
	act := ada.id("act", "add", "Arrival")
	cliff := ada.id("scene", "add", act, "The Cliff Road", "--location", "cliff road", "--time", "dusk")
	cottage := ada.id("scene", "add", act, "The Cottage", "--time", "night")
	wide := ada.id("shot", "add", cliff, "Wide establishing", "--duration", "4s",
		"--prompt", "A lighthouse on a cliff at dusk", "--shot-type", "wide", "--lens", "24mm")
	walk := ada.id("shot", "add", cliff, "The keeper walks", "--duration", "2500ms", "--prompt", "A man walks the cliff path")
	door := ada.id("shot", "add", cottage, "Door opens", "--duration", "3s", "--prompt", "A door creaks open")

	ada.ok("tag", "add", "scene", cliff, "Exterior")
	ada.ok("tag", "add", "shot", door, "for review", "night")
	ada.ok("tag", "remove", "shot", door, "NIGHT")
	tree := ada.ok("tree")
	mustContain(t, "tree", tree, "The Lighthouse", "1  Arrival", "1.1  The Cliff Road (cliff road, dusk)",
		"1.1.1  Wide establishing", "4.0s", "2.5s", "1.2.1  Door opens", "[Exterior]", "[for review]", wide, door)
	if strings.Contains(firstLine(tree, "Door opens"), "night") {
		t.Errorf("tag remove left the tag: %s", firstLine(tree, "Door opens"))
	}

	var picked []*slate.Shot
	ada.json(&picked, "select", "--tag", "exterior")
	if len(picked) != 2 || picked[0].ID != wide || picked[1].ID != walk {
		t.Errorf("select --tag exterior = %v, want the cliff road's two shots", picked)
	}

	ada.ok("lock", "scene", cliff, "--reason", "picture lock for the trailer")
	r := ada.run("shot", "edit", wide, "--prompt", "something else")
	if r.code == 0 || !strings.Contains(r.stderr, "picture lock for the trailer") || !strings.Contains(r.stderr, "locked") {
		t.Errorf("edit under a lock: exit %d, stderr %q; want a failure naming the lock's reason", r.code, r.stderr)
	}
	mustContain(t, "tree under lock", ada.ok("tree"), "LOCKED by Ada: picture lock for the trailer", "(locked scene)")
	ada.ok("unlock", "scene", cliff)
	ada.ok("shot", "edit", wide, "--prompt", "A lighthouse at dawn", "--angle", "high")
	var edited slate.Shot
	ada.json(&edited, "shot", "show", wide)
	if edited.Prompt != "A lighthouse at dawn" || edited.Camera.Angle != "high" || edited.Camera.ShotType != "wide" {
		t.Errorf("after edit: prompt %q camera %+v; want the new prompt and angle, the old shot type", edited.Prompt, edited.Camera)
	}

	if r := ada.run("review", wide, "approved"); r.code != 1 || !strings.Contains(r.stderr, "take") {
		t.Errorf("approve without a take: exit %d, stderr %q; want 1 and a word about takes", r.code, r.stderr)
	}
	ada.ok("review", wide, "flagged", "--note", "horizon tilted")
	mustContain(t, "tree after review", ada.ok("tree"), "flagged: horizon tilted")

	var bulk slate.BulkResult
	ada.json(&bulk, "bulk", "tag", "trailer", "--scene", cliff, "--shot", door)
	if bulk.Selected != 3 || bulk.Changed != 3 {
		t.Errorf("bulk tag = %+v, want 3 selected and changed", bulk)
	}

	var inv slate.Invitation
	ada.json(&inv, "invite", "bob@example.test", "--perm", "modify", "--perm", "run_ai")
	if inv.Token == "" {
		t.Fatal("invitation without a token")
	}
	bob := newCLI(t, "bob")
	bob.ok("signup", "--server", srv.URL, "--email", "bob@example.test", "--password", "another good password", "--name", "Bob")
	bob.ok("invitation", "accept", inv.Token)
	bob.ok("project", "use", project)
	var bobTree slate.Tree
	bob.json(&bobTree, "tree")
	if a, s, sh := counts(&bobTree); a != 1 || s != 2 || sh != 3 {
		t.Errorf("bob's tree has %d acts, %d scenes, %d shots; want 1, 2, 3", a, s, sh)
	}
	bob.ok("shot", "edit", door, "--duration", "3500ms")
	if r := bob.run("project", "delete", project); r.code != 1 || !strings.Contains(r.stderr, "missing permission: owner") {
		t.Errorf("bob deleting the project: exit %d, stderr %q; want a 403 naming owner", r.code, r.stderr)
	}
	var members []*slate.Member
	ada.json(&members, "member", "list")
	if len(members) != 2 {
		t.Errorf("members = %d, want 2", len(members))
	}

	var audit slate.Page[*slate.AuditEntry]
	ada.json(&audit, "audit")
	actions := map[string]bool{}
	for _, e := range audit.Items {
		actions[e.Action] = true
	}
	if len(audit.Items) == 0 {
		t.Errorf("audit log is empty; want the lock and unlock at least")
	}
	t.Logf("audit actions: %v", actions)

	// A log shows one page and the command for the next; --all follows
	// the cursors, and lists the same entries as one large page.
	var whole, followed slate.Page[*slate.AuditEntry]
	ada.json(&whole, "audit", "--limit", "200")
	ada.json(&followed, "audit", "--all", "--limit", "2")
	if len(whole.Items) < 3 || len(followed.Items) != len(whole.Items) || followed.NextCursor != "" {
		t.Fatalf("audit --all by 2 = %d entries (cursor %q), one page = %d; want the same, at least 3",
			len(followed.Items), followed.NextCursor, len(whole.Items))
	}
	for i, e := range followed.Items {
		if e.ID != whole.Items[i].ID {
			t.Fatalf("audit --all entry %d is %s, want %s", i, e.ID, whole.Items[i].ID)
		}
	}
	first := ada.ok("audit", "--limit", "2")
	hint := firstLine(first, "more: slate audit --cursor ")
	cursor, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(hint), "more: slate audit --cursor "), " ")
	if !ok || cursor == "" {
		t.Fatalf("audit --limit 2 does not say how to read on:\n%s", first)
	}
	var second slate.Page[*slate.AuditEntry]
	ada.json(&second, "audit", "--limit", "2", "--cursor", cursor)
	if len(second.Items) == 0 || second.Items[0].ID != whole.Items[2].ID {
		t.Errorf("the page after the hint starts with %v, want entry 3 (%s)", second.Items, whole.Items[2].ID)
	}
	if r := ada.run("audit", "--limit", "500"); r.code != 1 || !strings.Contains(r.stderr, "limit") {
		t.Errorf("audit --limit 500: exit %d, stderr %q; want 1 and a word about the limit", r.code, r.stderr)
	}

	srv.stop(t)
}

func TestCLIUsageErrors(t *testing.T) {
	t.Parallel()
	c := newCLI(t, "nobody")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bogus"}, 2, "unknown command"},
		{[]string{"org", "bogus"}, 2, "unknown command"},
		{[]string{"shot", "edit"}, 2, "usage: slate shot edit"},
		{[]string{"shot", "add", "scene-id", "x", "--duration", "forever"}, 2, "invalid argument"},
		{[]string{"lock", "project", "p1"}, 2, "not one of act, scene, shot"},
		{[]string{"select"}, 2, "select something"},
		{[]string{"tree"}, 2, "no project chosen"},
		{[]string{"org", "list"}, 1, "not logged in"},
		{[]string{"credits", "bogus"}, 2, "unknown command"},
		{[]string{"credits", "buy"}, 2, "usage: slate credits buy PACK"},
		{[]string{"credits", "history", "--from", "yesterday"}, 2, "want a date"},
		{[]string{"budget", "set", "--cap", "5", "--no-cap"}, 2, "contradict"},
		{[]string{"project", "budget", "p1", "--set", "5", "--clear"}, 2, "contradict"},
		{[]string{"estimate"}, 2, "no project chosen"},
		{[]string{"plan", "set"}, 2, "usage: slate plan set PLAN"},
		{[]string{"ledger", "verify", "--db", "mysql://db"}, 1, "want sqlite:PATH or postgres://"},
	} {
		r := c.run(tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("slate %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.code, tc.want)
		}
	}
	mustContain(t, "version", c.ok("version"), "slate ")
}

func TestServeDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for run := range 2 { // the second start must find the demo, not seed it again
		srv := startServer(t, dir, "--demo")
		out := srv.stdout.String()
		mustContain(t, "serve --demo output", out, "Demo login: demo@slate.test / slate-demo-password", srv.URL)
		c := newCLI(t, "demo")
		c.ok("login", "--server", srv.URL, "--email", "demo@slate.test", "--password", "slate-demo-password")
		var projects []*slate.Project
		c.json(&projects, "project", "list")
		if len(projects) != 1 {
			t.Fatalf("start %d: demo org has %d projects, want 1", run+1, len(projects))
		}
		var tree slate.Tree
		c.json(&tree, "tree", projects[0].ID)
		if a, s, sh := counts(&tree); a != 2 || s != 4 || sh < 10 || sh > 14 {
			t.Errorf("start %d: demo tree has %d acts, %d scenes, %d shots; want 2, 4, about 12", run+1, a, s, sh)
		}
		mustContain(t, "demo tree", c.ok("tree", projects[0].ID), "exterior", "for review")
		srv.stop(t)
	}
}
