package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"slate"
	"slate/demo"
	"slate/pricing"
	"slate/session"
	"slate/store/storetest"
)

// demoSite seeds the demo organisation and project and signs its producer
// in through the API, as the login page does. It returns the browser, the
// seed and the project's tree.
func demoSite(t *testing.T, s *site) (*browser, *demo.Result, *slate.Tree) {
	t.Helper()
	res, err := demo.Seed(context.Background(), demo.Services{Users: s.env.DB, Orgs: s.env.DB, Projects: s.env.DB, Tree: s.env.DB})
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser()
	r := b.send("POST", "/api/v1/auth/login", map[string]string{"email": res.Email, "password": res.Password}, "")
	if r.Status != http.StatusOK {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	var sess struct {
		Token string      `json:"token"`
		User  *slate.User `json:"user"`
	}
	r.decode(t, &sess)
	b.User, b.Email, b.Token, b.Ctx = sess.User, res.Email, sess.Token, storetest.Ctx(sess.User)
	tree, err := s.env.DB.Tree(b.Ctx, res.Project.ID)
	if err != nil {
		t.Fatal(err)
	}
	return b, res, tree
}

// firstShot returns the first scene of the tree and its first shot.
func firstShot(t *testing.T, tree *slate.Tree) (*slate.TreeAct, *slate.TreeScene, *slate.Shot) {
	t.Helper()
	for _, a := range tree.Acts {
		for _, sc := range a.Scenes {
			if len(sc.Shots) > 0 {
				return a, sc, sc.Shots[0]
			}
		}
	}
	t.Fatal("the tree has no shot")
	return nil, nil, nil
}

// TestPageSecurityHeaders: every page, fragment, error and redirect of the
// web app answers a strict Content-Security-Policy (script-src 'self', no
// 'unsafe-inline'), nosniff and, for HTML, no-store; static files are
// cacheable but carry the policy too.
func TestPageSecurityHeaders(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		b, res, tree := demoSite(t, s)
		a, sc, sh := firstShot(t, tree)
		p := res.Project.ID
		csrf := b.csrf("/projects/" + p)
		anon := s.browser()
		estimate := map[string]any{"selection": slate.Selection{All: true}}
		tests := []struct {
			name, method, path string
			who                *browser
			body               any
			status             int
			html               bool
		}{
			{"home", "GET", "/", b, nil, http.StatusSeeOther, false},
			{"login", "GET", "/login?next=/projects/" + p, anon, nil, 200, true},
			{"signup", "GET", "/signup", anon, nil, 200, true},
			{"new org", "GET", "/orgs/new", b, nil, 200, true},
			{"org", "GET", "/orgs/" + res.Org.ID, b, nil, 200, true},
			{"project", "GET", "/projects/" + p, b, nil, 200, true},
			{"project shot", "GET", "/projects/" + p + "?shot=" + sh.ID, b, nil, 200, true},
			{"project scene", "GET", "/projects/" + p + "?scene=" + sc.ID, b, nil, 200, true},
			{"project act", "GET", "/projects/" + p + "?act=" + a.ID, b, nil, 200, true},
			{"project tag", "GET", "/projects/" + p + "?tag=exterior", b, nil, 200, true},
			{"tree fragment", "GET", "/panel/tree/" + p, b, nil, 200, true},
			{"project panel", "GET", "/panel/project/" + p, b, nil, 200, true},
			{"shot panel", "GET", "/panel/project/" + p + "/shot/" + sh.ID, b, nil, 200, true},
			{"scene panel", "GET", "/panel/project/" + p + "/scene/" + sc.ID, b, nil, 200, true},
			{"act panel", "GET", "/panel/project/" + p + "/act/" + a.ID, b, nil, 200, true},
			{"estimate dialog", "POST", "/panel/estimate/" + p, b, estimate, 200, true},
			{"missing project", "GET", "/projects/no-such-project", b, nil, 404, true},
			{"missing panel", "GET", "/panel/project/" + p + "/shot/no-such-shot", b, nil, 404, true},
			{"signed out page", "GET", "/projects/" + p, anon, nil, http.StatusSeeOther, false},
			{"signed out fragment", "GET", "/panel/tree/" + p, anon, nil, http.StatusUnauthorized, true},
			{"estimate without token", "POST", "/panel/estimate/" + p, b, estimate, http.StatusForbidden, true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				who := tc.who.with(t)
				token := ""
				if tc.method == "POST" && tc.status == 200 {
					token = csrf
				}
				r := who.send(tc.method, tc.path, tc.body, token)
				if r.Status != tc.status {
					t.Fatalf("%s %s: %d, want %d: %.300s", tc.method, tc.path, r.Status, tc.status, r.Body)
				}
				what := tc.method + " " + tc.path
				checkHeaders(t, what, r.Header, tc.html)
				if got := r.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("%s: Cache-Control %q, want no-store", what, got)
				}
				if got := r.Header.Get("X-Frame-Options"); got != "DENY" {
					t.Errorf("%s: X-Frame-Options %q", what, got)
				}
				if tc.html {
					checkInert(t, what, parseHTML(string(r.Body)))
				}
			})
		}
		t.Run("static", func(t *testing.T) {
			t.Parallel()
			for _, path := range []string{"/static/app.js", "/static/app.css"} {
				r := anon.with(t).get(path)
				if r.Status != 200 {
					t.Fatalf("GET %s: %d", path, r.Status)
				}
				checkHeaders(t, "GET "+path, r.Header, false)
				if strings.Contains(r.Header.Get("Cache-Control"), "no-store") {
					t.Errorf("GET %s: Cache-Control %q; static files may be cached", path, r.Header.Get("Cache-Control"))
				}
			}
		})
	})
}

// TestPageSession: pages send a browser without a session to sign in and
// back; signing in sets an HttpOnly, SameSite=Lax cookie; a change made
// with the cookie needs the page's CSRF token, at the API and at the
// estimate fragment, and without it changes nothing; signing out ends it.
func TestPageSession(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		res, err := demo.Seed(context.Background(), demo.Services{Users: s.env.DB, Orgs: s.env.DB, Projects: s.env.DB, Tree: s.env.DB})
		if err != nil {
			t.Fatal(err)
		}
		p := res.Project.ID
		b := s.browser()

		t.Run("signed out", func(t *testing.T) {
			for _, path := range []string{"/projects/" + p + "?shot=x&tag=a+b", "/orgs/" + res.Org.ID, "/orgs/new"} {
				r := b.with(t).get(path)
				want := "/login?next=" + q(path)
				if r.Status != http.StatusSeeOther || r.Header.Get("Location") != want {
					t.Errorf("GET %s: %d to %q, want 303 to %q", path, r.Status, r.Header.Get("Location"), want)
				}
			}
			if r := b.with(t).get("/"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
				t.Errorf("GET /: %d to %q", r.Status, r.Header.Get("Location"))
			}
			d := b.with(t).page("/login?next=" + q("/projects/"+p))
			f := d.byID("login-form")
			if f == nil || f.attr("data-api") != "POST /api/v1/auth/login" || f.attr("data-done") != "go:/projects/"+p {
				t.Errorf("login form = %v", f)
			}
			for _, next := range []string{"//evil.test/", "https://evil.test/", "javascript:alert(1)", "/\\evil.test/", "/\t/evil.test/"} {
				d := b.with(t).page("/login?next=" + q(next))
				if f := d.byID("login-form"); f == nil || f.attr("data-done") != "go:/" {
					t.Errorf("next=%s: login form %v, want it to go to /", next, f)
				}
			}
			if r := b.with(t).send("POST", "/panel/estimate/"+p, map[string]any{"selection": slate.Selection{All: true}}, ""); r.Status != http.StatusUnauthorized {
				t.Errorf("estimate signed out: %d", r.Status)
			}
		})

		r := b.send("POST", "/api/v1/auth/login", map[string]string{"email": res.Email, "password": res.Password}, "")
		if r.Status != http.StatusOK {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		var sess struct {
			Token string `json:"token"`
		}
		r.decode(t, &sess)
		b.Token = sess.Token
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == session.CookieName {
				cookie = c
			}
		}
		if cookie == nil || cookie.Value != sess.Token || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode ||
			cookie.Path != "/" || cookie.Secure {
			t.Fatalf("login cookie = %+v (Set-Cookie %q)", cookie, r.Header.Values("Set-Cookie"))
		}

		page := b.get("/projects/" + p)
		d := b.html(page, "GET /projects/"+p)
		if strings.Contains(string(page.Body), sess.Token) {
			t.Error("the page holds the session secret")
		}
		meta := d.first(func(e *element) bool { return e.Name == "meta" && e.attr("name") == "csrf-token" })
		if meta == nil || meta.attr("content") == "" {
			t.Fatal("no csrf-token meta")
		}
		csrf := meta.attr("content")

		title := func() string {
			var pr slate.Project
			b.bearer("GET", "/api/v1/projects/"+p, nil, 200, &pr)
			return pr.Title
		}
		acts := func() int {
			var tr slate.Tree
			b.bearer("GET", "/api/v1/projects/"+p+"/tree", nil, 200, &tr)
			return len(tr.Acts)
		}
		before, actsBefore := title(), acts()
		for _, tc := range []struct{ name, token string }{{"no token", ""}, {"wrong token", "not-the-token"}, {"session secret as token", sess.Token}} {
			t.Run("refused/"+tc.name, func(t *testing.T) {
				b := b.with(t)
				for _, req := range []struct {
					method, path string
					body         any
				}{
					{"PATCH", "/api/v1/projects/" + p, map[string]string{"title": "Renamed"}},
					{"POST", "/api/v1/projects/" + p + "/acts", slate.ActInput{Name: "Act by a forged request"}},
					{"POST", "/api/v1/projects/" + p + "/estimates", slate.EstimateInput{Selection: slate.Selection{All: true}}},
				} {
					r := b.send(req.method, req.path, req.body, tc.token)
					var pr struct {
						Status int    `json:"status"`
						Code   string `json:"code"`
						Detail string `json:"detail"`
					}
					if r.Status != http.StatusForbidden || r.Header.Get("Content-Type") != "application/problem+json" {
						t.Fatalf("%s %s: %d %s %s", req.method, req.path, r.Status, r.Header.Get("Content-Type"), r.Body)
					}
					r.decode(t, &pr)
					if pr.Status != 403 || pr.Code != string(slate.EFORBIDDEN) || !strings.Contains(pr.Detail, session.CSRFHeader) {
						t.Errorf("%s %s: problem %+v", req.method, req.path, pr)
					}
				}
				if got := title(); got != before {
					t.Errorf("title %q after refused requests, want %q", got, before)
				}
				if got := acts(); got != actsBefore {
					t.Errorf("%d acts after refused requests, want %d", got, actsBefore)
				}
				r := b.send("POST", "/panel/estimate/"+p, map[string]any{"selection": slate.Selection{All: true}}, tc.token)
				if r.Status != http.StatusForbidden {
					t.Errorf("estimate fragment: %d, want 403", r.Status)
				}
				if d := parseHTML(string(r.Body)); d.byID("estimate") != nil {
					t.Error("the refused estimate fragment rendered the dialog")
				}
			})
		}

		r = b.send("PATCH", "/api/v1/projects/"+p, map[string]string{"title": "Renamed by the page"}, csrf)
		if r.Status != http.StatusOK {
			t.Fatalf("PATCH with the page's token: %d %s", r.Status, r.Body)
		}
		if got := title(); got != "Renamed by the page" {
			t.Errorf("title %q after the page's change", got)
		}
		r = b.send("POST", "/panel/estimate/"+p, map[string]any{"selection": slate.Selection{All: true}}, csrf)
		if d := b.html(r, "POST /panel/estimate"); d.byID("estimate-total") == nil {
			t.Error("the estimate dialog with the page's token has no total")
		}

		r = b.send("POST", "/api/v1/auth/logout", nil, csrf)
		if r.Status != http.StatusNoContent {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		if r := b.get("/projects/" + p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login?next=") {
			t.Errorf("after sign-out the page answers %d to %q", r.Status, r.Header.Get("Location"))
		}
		stale := s.browser()
		stale.client.Jar.SetCookies(mustURL(t, s.url), []*http.Cookie{{Name: session.CookieName, Value: sess.Token, Path: "/"}})
		if r := stale.get("/projects/" + p); r.Status != http.StatusSeeOther {
			t.Errorf("the signed-out session still opens the page: %d", r.Status)
		}
	})
}

// The hostile strings every user-editable field is made of.
var hostiles = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`' onmouseover='alert(1)`,
	`javascript:alert(1)`,
	`{{.}}`,
	`</textarea><script>x</script>`,
	`</title><svg onload=alert(1)>`,
	`&lt;b&gt;&amp;`,
}

// hostile is label followed by every hostile string.
func hostile(t *testing.T, label string) string {
	t.Helper()
	s := label + " " + strings.Join(hostiles, " ")
	if len([]rune(s)) > slate.MaxNameLen {
		t.Fatalf("hostile %q is longer than a name may be", label)
	}
	return s
}

// hostileWorld is a project whose every user-editable field is hostile.
type hostileWorld struct {
	User, OrgName, Title string
	Org                  *slate.Org
	Project              *slate.Project
	// An act with a scene of two shots, one locked, one flagged in review
	// and tagged; and a locked act with one scene.
	Act, LockedAct                  *slate.Act
	ActName, ActDesc, LockedActName string
	Scene, SceneOfLocked            *slate.Scene
	SceneName, SceneDesc            string
	Location, TimeOfDay             string
	SceneOfLockedName               string
	Locked, Open                    *slate.Shot
	LockedName, OpenName            string
	Prompt, Negative                string
	Camera                          slate.Camera
	Note                            string
	Tags                            []string
	Lock, ActLock                   string // reasons
}

func buildHostile(t *testing.T, s *site) (*browser, *hostileWorld) {
	t.Helper()
	w := &hostileWorld{User: hostile(t, "user")}
	b := s.signup(w.User)
	db, ctx := s.env.DB, b.Ctx
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	w.OrgName = hostile(t, "org")
	w.Org, err = db.CreateOrg(ctx, slate.OrgInput{Name: w.OrgName, Plan: "business"})
	must(err)
	w.Title = hostile(t, "project")
	w.Project, err = db.CreateProject(ctx, w.Org.ID, slate.ProjectInput{Title: w.Title})
	must(err)
	w.ActName, w.ActDesc = hostile(t, "act"), hostile(t, "act description")
	w.Act, err = db.CreateAct(ctx, w.Project.ID, slate.ActInput{Name: w.ActName, Description: w.ActDesc})
	must(err)
	w.SceneName, w.SceneDesc = hostile(t, "scene"), hostile(t, "scene description")
	w.Location, w.TimeOfDay = hostile(t, "where"), hostile(t, "when")
	w.Scene, err = db.CreateScene(ctx, w.Act.ID, slate.SceneInput{Name: w.SceneName, Description: w.SceneDesc,
		Location: w.Location, TimeOfDay: w.TimeOfDay})
	must(err)
	w.Tags = hostiles
	_, err = db.SetTags(ctx, slate.ElementRef{Kind: slate.KindScene, ID: w.Scene.ID}, w.Tags)
	must(err)
	w.Prompt, w.Negative = hostile(t, "prompt"), hostile(t, "negative")
	w.Camera = slate.Camera{ShotType: hostile(t, "type"), Angle: hostile(t, "angle"), Movement: hostile(t, "move"), Lens: hostile(t, "lens")}
	w.LockedName, w.OpenName = hostile(t, "locked shot"), hostile(t, "open shot")
	w.Locked, err = db.CreateShot(ctx, w.Scene.ID, slate.ShotInput{Name: w.LockedName, DurationMS: 4000,
		Prompt: w.Prompt, NegativePrompt: w.Negative, Camera: &w.Camera})
	must(err)
	w.Open, err = db.CreateShot(ctx, w.Scene.ID, slate.ShotInput{Name: w.OpenName, DurationMS: 2500,
		Prompt: w.Prompt, NegativePrompt: w.Negative, Camera: &w.Camera})
	must(err)
	_, err = db.SetTags(ctx, slate.ElementRef{Kind: slate.KindShot, ID: w.Open.ID}, w.Tags)
	must(err)
	w.Note = hostile(t, "note")
	_, err = db.SetReview(ctx, w.Open.ID, slate.Review{Status: slate.ReviewFlagged, Note: w.Note})
	must(err)
	w.Lock = hostile(t, "reason")
	_, err = db.Lock(ctx, slate.ElementRef{Kind: slate.KindShot, ID: w.Locked.ID}, w.Lock)
	must(err)
	w.LockedActName = hostile(t, "locked act")
	w.LockedAct, err = db.CreateAct(ctx, w.Project.ID, slate.ActInput{Name: w.LockedActName})
	must(err)
	w.SceneOfLockedName = hostile(t, "locked scene")
	w.SceneOfLocked, err = db.CreateScene(ctx, w.LockedAct.ID, slate.SceneInput{Name: w.SceneOfLockedName})
	must(err)
	w.ActLock = hostile(t, "act reason")
	_, err = db.Lock(ctx, slate.ElementRef{Kind: slate.KindAct, ID: w.LockedAct.ID}, w.ActLock)
	must(err)
	return b, w
}

// want is a string a page must show: as text, or in an attribute.
type want struct {
	attr, value string
}

func text(vs ...string) []want {
	var out []want
	for _, v := range vs {
		out = append(out, want{"", v})
	}
	return out
}

func inAttr(name string, vs ...string) []want {
	var out []want
	for _, v := range vs {
		out = append(out, want{name, v})
	}
	return out
}

func wants(lists ...[]want) []want {
	var out []want
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// TestPageHostileStrings: hostile strings in every user-editable field
// (user, organisation, project, act, scene, shot, tags, camera, lock
// reasons, review note) render as text on every page and fragment that
// shows them: no script but the app's, no event-handler attribute, no
// javascript: URL, and the strings come back, decoded, where they belong;
// the JSON the script reads from data attributes decodes to what was meant.
func TestPageHostileStrings(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		b, w := buildHostile(t, s)
		p := w.Project.ID
		csrf := b.csrf("/orgs/" + w.Org.ID)
		tag := hostiles[1]
		layout := wants(text(w.User, w.OrgName))
		tree := wants(text(w.Title, w.ActName, w.SceneName, w.LockedName, w.OpenName, w.LockedActName, w.SceneOfLockedName),
			text(w.Tags...),
			inAttr("aria-label", "Tick "+w.OpenName),
			inAttr("title", "Locked by "+w.User+": "+w.Lock, "Locked by "+w.User+": "+w.ActLock))
		projectPanel := wants(text(w.Title, w.ActName, w.LockedActName), inAttr("value", w.Title))
		actPanel := wants(text(w.ActName, w.Title, w.ActDesc, w.SceneName), inAttr("value", w.ActName),
			inAttr("data-confirm", w.ActName))
		lockedActPanel := wants(text(w.LockedActName, w.User, w.ActLock, w.SceneOfLockedName), inAttr("value", w.LockedActName))
		scenePanel := wants(text(w.SceneName, w.ActName, w.SceneDesc, w.LockedName, w.OpenName, w.LockedActName),
			inAttr("value", w.SceneName, w.Location, w.TimeOfDay), inAttr("value", w.Tags...),
			inAttr("data-confirm", w.SceneName))
		lockedScenePanel := wants(text(w.SceneOfLockedName, w.LockedActName, w.User, w.ActLock, "(through the act “"+w.LockedActName+"”)"))
		openShot := wants(text(w.OpenName, w.SceneName, w.Note, w.Prompt, w.Negative, w.ActName+" / "+w.SceneName),
			inAttr("value", w.OpenName, w.Note, w.Camera.ShotType, w.Camera.Angle, w.Camera.Movement, w.Camera.Lens),
			inAttr("value", w.Tags...),
			inAttr("data-confirm", w.OpenName))
		lockedShot := wants(text(w.LockedName, w.User, w.Lock, w.Prompt, w.Negative), inAttr("value", w.LockedName, w.Camera.Lens))
		filtered := wants(text(w.OpenName, "tagged “"+tag+"”"), inAttr("aria-label", "Tick "+w.OpenName))
		dialog := wants(text(w.LockedName, w.OpenName), inAttr("aria-label", "Render "+w.OpenName))

		tests := []struct {
			name, method, path string
			body               any
			want               []want
		}{
			{"org", "GET", "/orgs/" + w.Org.ID, nil, wants(layout, text(w.Title, w.OrgName+" · Slate"))},
			{"project", "GET", "/projects/" + p, nil, wants(layout, tree, projectPanel, text(w.Title+" · Slate"))},
			{"project act", "GET", "/projects/" + p + "?act=" + w.Act.ID, nil, wants(layout, tree, actPanel)},
			{"project locked act", "GET", "/projects/" + p + "?act=" + w.LockedAct.ID, nil, wants(layout, tree, lockedActPanel)},
			{"project scene", "GET", "/projects/" + p + "?scene=" + w.Scene.ID, nil, wants(layout, tree, scenePanel)},
			{"project locked scene", "GET", "/projects/" + p + "?scene=" + w.SceneOfLocked.ID, nil, wants(layout, tree, lockedScenePanel)},
			{"project shot", "GET", "/projects/" + p + "?shot=" + w.Open.ID, nil, wants(layout, tree, openShot)},
			{"project locked shot", "GET", "/projects/" + p + "?shot=" + w.Locked.ID, nil, wants(layout, tree, lockedShot)},
			{"project tag", "GET", "/projects/" + p + "?tag=" + q(tag), nil, wants(layout, filtered)},
			{"tree", "GET", "/panel/tree/" + p, nil, tree},
			{"tree tag", "GET", "/panel/tree/" + p + "?tag=" + q(tag), nil, filtered},
			{"project panel", "GET", "/panel/project/" + p, nil, projectPanel},
			{"act panel", "GET", "/panel/project/" + p + "/act/" + w.Act.ID, nil, actPanel},
			{"locked act panel", "GET", "/panel/project/" + p + "/act/" + w.LockedAct.ID, nil, lockedActPanel},
			{"scene panel", "GET", "/panel/project/" + p + "/scene/" + w.Scene.ID, nil, scenePanel},
			{"locked scene panel", "GET", "/panel/project/" + p + "/scene/" + w.SceneOfLocked.ID, nil, lockedScenePanel},
			{"shot panel", "GET", "/panel/project/" + p + "/shot/" + w.Open.ID, nil, openShot},
			{"locked shot panel", "GET", "/panel/project/" + p + "/shot/" + w.Locked.ID, nil, lockedShot},
			{"estimate", "POST", "/panel/estimate/" + p, map[string]any{"selection": slate.Selection{Scenes: []string{w.Scene.ID}}}, dialog},
			{"estimate tag", "POST", "/panel/estimate/" + p, map[string]any{"selection": slate.Selection{Tags: []string{tag}},
				"skip": []string{w.Open.ID}}, wants(text(w.OpenName))},
			{"login", "GET", "/login?email=" + q(w.Prompt) + "&next=" + q("/"+w.Note), nil, wants(inAttr("value", w.Prompt),
				inAttr("data-done", "go:/"+w.Note))},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				b := b.with(t)
				what := tc.method + " " + tc.path
				var d *doc
				if tc.method == "GET" {
					d = b.page(tc.path)
				} else {
					d = b.html(b.send(tc.method, tc.path, tc.body, csrf), what)
				}
				for _, wt := range tc.want {
					if wt.attr == "" && !d.hasText(wt.value) {
						t.Errorf("%s: no text %q", what, wt.value)
					}
					if wt.attr != "" && !d.hasAttr(wt.attr, wt.value) {
						t.Errorf("%s: no %s=%q", what, wt.attr, wt.value)
					}
				}
				checkDataJSON(t, what, d)
			})
		}

		t.Run("data attributes", func(t *testing.T) {
			t.Parallel()
			d := b.with(t).page("/projects/" + p + "?tag=" + q(tag))
			btn := d.byID("estimate-tag")
			var sel slate.Selection
			if btn == nil || json.Unmarshal([]byte(btn.attr("data-estimate")), &sel) != nil ||
				!reflect.DeepEqual(sel.Tags, []string{tag}) || btn.Text != "Estimate tag “"+tag+"”" {
				t.Errorf("tag estimate button %v (%q), want the selection of tag %q", btn, btnText(btn), tag)
			}
			if opt := d.first(func(e *element) bool {
				return e.Name == "option" && e.has("selected") && e.within("select").attr("name") == "tag"
			}); opt == nil || opt.Text != tag {
				t.Errorf("selected filter option %v", opt)
			}
			d = b.with(t).page("/projects/" + p + "?shot=" + w.Open.ID)
			gen := d.byID("generate")
			sel = slate.Selection{}
			if gen == nil || json.Unmarshal([]byte(gen.attr("data-estimate")), &sel) != nil ||
				!reflect.DeepEqual(sel, slate.Selection{Shots: []string{w.Open.ID}}) {
				t.Errorf("generate button %v", gen)
			}
			r := b.with(t).send("POST", "/panel/estimate/"+p, map[string]any{"selection": slate.Selection{Tags: []string{tag, hostiles[0]}}}, csrf)
			d = b.with(t).html(r, "estimate")
			form := d.byID("estimate")
			sel = slate.Selection{}
			if form == nil || json.Unmarshal([]byte(form.attr("data-selection")), &sel) != nil ||
				!reflect.DeepEqual(sel.Tags, []string{tag, hostiles[0]}) {
				t.Errorf("estimate form %v, want it to carry the selection", form)
			}
		})

		t.Run("error pages", func(t *testing.T) {
			t.Parallel()
			b := b.with(t)
			for _, path := range []string{
				"/projects/" + q(hostiles[0]),
				"/panel/project/" + p + "/shot/" + q(hostiles[1]),
				"/panel/project/" + p + "/" + q(hostiles[2]) + "/x",
				"/orgs/" + q(hostiles[5]),
			} {
				r := b.get(path)
				if r.Status != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", path, r.Status)
				}
				checkHeaders(t, "GET "+path, r.Header, true)
				checkInert(t, "GET "+path, parseHTML(string(r.Body)))
			}
		})
	})
}

func btnText(e *element) string {
	if e == nil {
		return ""
	}
	return e.Text
}

// checkDataJSON checks every JSON data attribute of a page decodes.
func checkDataJSON(t *testing.T, what string, d *doc) {
	t.Helper()
	for _, e := range d.Elements {
		for _, name := range []string{"data-estimate", "data-selection", "data-body"} {
			if !e.has(name) {
				continue
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(e.attr(name)), &v); err != nil {
				t.Errorf("%s: %s=%q on %s does not decode: %v", what, name, e.attr(name), e.Name, err)
			}
		}
	}
}

// writes returns the elements of a page that change something through
// the API (data-api with a method other than GET), leaving out signing out,
// which everyone may; usable says which of them can be used: a button not
// disabled, a form with a control not disabled.
func writes(d *doc) (all, usable []*element) {
	for _, e := range d.Elements {
		method, path, _ := strings.Cut(e.attr("data-api"), " ")
		if !e.has("data-api") || method == "GET" || path == "/api/v1/auth/logout" {
			continue
		}
		all = append(all, e)
		if e.Name != "form" {
			if !e.disabled() {
				usable = append(usable, e)
			}
			continue
		}
		for _, c := range d.Elements {
			if (c.Name == "input" || c.Name == "select" || c.Name == "textarea" || c.Name == "button") &&
				c.within("form") == e && !c.disabled() {
				usable = append(usable, e)
				break
			}
		}
	}
	return all, usable
}

// TestPagePermissions: a member who may only read sees the project's pages
// with nothing that writes; one with modify gets the shot form; one with
// run_ai gets Generate, priced as the price book prices the shot.
func TestPagePermissions(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		owner, res, tree := demoSite(t, s)
		a, sc, sh := firstShot(t, tree)
		p := res.Project.ID
		book := pricing.Default().PriceBook
		cost, err := book.ShotCost(sh.EffectiveEngine, sh.EffectiveTier, sh.DurationMS)
		if err != nil {
			t.Fatal(err)
		}
		member := func(name string, perms ...slate.Permission) *browser {
			m := s.signup(name)
			inv, err := s.env.DB.Invite(owner.Ctx, res.Org.ID, slate.InvitationInput{Email: m.Email, Permissions: perms})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.env.DB.AcceptInvitation(m.Ctx, inv.Token); err != nil {
				t.Fatal(err)
			}
			return m
		}
		pages := []string{
			"/projects/" + p, "/projects/" + p + "?shot=" + sh.ID, "/projects/" + p + "?scene=" + sc.ID,
			"/projects/" + p + "?act=" + a.ID, "/panel/tree/" + p, "/panel/project/" + p + "/shot/" + sh.ID,
			"/orgs/" + res.Org.ID,
		}
		tests := []struct {
			name                   string
			who                    *browser
			modify, runAI, canEdit bool
		}{
			{"read", member("Reader"), false, false, false},
			{"modify", member("Editor", slate.PermModify), true, false, true},
			{"run_ai", member("Director", slate.PermRunAI), false, true, false},
			{"owner", owner, true, true, true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				b := tc.who.with(t)
				for _, path := range pages {
					d := b.page(path)
					all, usable := writes(d)
					if !tc.canEdit && len(all) > 0 {
						t.Errorf("%s: a member without modify is offered %v", path, all)
					}
					if tc.canEdit && len(usable) == 0 && path != "/panel/tree/"+p {
						t.Errorf("%s: a member with modify has nothing to change", path)
					}
					estimates := d.all(func(e *element) bool { return e.has("data-estimate") || e.has("data-estimate-picked") })
					if !tc.runAI && len(estimates) > 0 {
						t.Errorf("%s: a member without run_ai sees %v", path, estimates)
					}
					if tc.runAI && strings.HasPrefix(path, "/projects/") && len(estimates) == 0 {
						t.Errorf("%s: a member with run_ai has nothing to estimate", path)
					}
				}
				d := b.page("/projects/" + p + "?shot=" + sh.ID)
				form := d.byID("shot-form")
				if form == nil || (form.attr("data-api") == "PATCH /api/v1/shots/"+sh.ID) != tc.modify {
					t.Fatalf("shot form %v", form)
				}
				save := d.first(func(e *element) bool { return e.Name == "button" && e.within("form") == form })
				usable := save != nil && !save.disabled() && strings.TrimSpace(save.Text) == "Save shot"
				if usable != tc.modify {
					t.Errorf("Save shot usable = %v (%v), want %v", usable, save, tc.modify)
				}
				for _, id := range []string{"review-form", "move-form"} {
					if (d.byID(id) != nil) != tc.modify {
						t.Errorf("#%s shown = %v, want %v", id, d.byID(id) != nil, tc.modify)
					}
				}
				gen := d.byID("generate")
				if (gen != nil) != tc.runAI {
					t.Fatalf("Generate shown = %v, want %v", gen != nil, tc.runAI)
				}
				if gen != nil {
					got := strings.Join(strings.Fields(gen.Text), " ")
					n, ok := strings.CutPrefix(got, "Generate · ")
					n, ok2 := strings.CutSuffix(n, " credits")
					v, err := strconv.ParseInt(strings.ReplaceAll(n, ",", ""), 10, 64)
					if !ok || !ok2 || err != nil || v != cost || gen.disabled() {
						t.Errorf("Generate button %q (disabled %v), want it to cost %d credits", got, gen.disabled(), cost)
					}
				}
			})
		}
	})
}

// dialogView is what the estimate dialog shows.
type dialogView struct {
	Total, Shortfall int64
	HasTotal         bool
	Costs            map[string]int64 // shot → its line's cost
	Skipped          map[string]bool  // shot → its line is unticked
	Tiers            map[string]string
	Tier             string // the tier chosen
	Doc              *doc
}

func (b *browser) dialog(projectID, csrf string, sel slate.Selection, tier string, skip ...string) *dialogView {
	b.t.Helper()
	r := b.send("POST", "/panel/estimate/"+projectID, map[string]any{"selection": sel, "tier": tier, "engine": "", "skip": skip}, csrf)
	d := b.html(r, "POST /panel/estimate")
	v := &dialogView{Costs: map[string]int64{}, Skipped: map[string]bool{}, Tiers: map[string]string{}, Doc: d}
	num := func(s string) int64 {
		b.t.Helper()
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 10, 64)
		if err != nil {
			b.t.Fatalf("number %q: %v", s, err)
		}
		return n
	}
	if tot := d.byID("estimate-total"); tot != nil {
		v.HasTotal = true
		v.Total = num(tot.attr("data-total"))
		if shown := num(tot.Text); shown != v.Total {
			b.t.Errorf("total shows %d, data-total %d", shown, v.Total)
		}
	}
	var row *element
	cells := 0
	for _, e := range d.Elements {
		switch {
		case e.Name == "tr" && e.has("data-shot"):
			row, cells = e, 0
			v.Skipped[e.attr("data-shot")] = e.class("skipped")
		case row != nil && e.Name == "td" && e.within("tr") == row:
			cells++
			if cells == 3 {
				v.Tiers[row.attr("data-shot")] = strings.TrimSpace(e.Text)
			}
			if e.has("data-cost") {
				v.Costs[row.attr("data-shot")] = num(e.attr("data-cost"))
			}
		case row != nil && e.Name == "input" && e.attr("name") == "keep" && e.within("tr") == row:
			if e.attr("value") != row.attr("data-shot") || e.has("checked") == v.Skipped[e.attr("value")] {
				b.t.Errorf("row %s: checkbox %v against skipped %v", row.attr("data-shot"), e, v.Skipped[e.attr("value")])
			}
		case e.Name == "select" && e.attr("name") == "tier":
			for _, o := range d.Elements {
				if o.Name == "option" && o.within("select") == e && o.has("selected") {
					v.Tier = strings.TrimSpace(o.Text)
				}
			}
		}
	}
	if sf := d.first(func(e *element) bool { return e.class("shortfall") }); sf != nil {
		s, _, _ := strings.Cut(sf.Text, " short")
		_, s, _ = strings.Cut(s, "Not enough credits:")
		v.Shortfall = num(s)
	}
	return v
}

// TestPageEstimateDialog: the estimate dialog's numbers are the API's for
// the same selection and tier; unticking a shot takes its line off the
// total; another tier changes the prices; a balance too small shows the
// shortfall with its remedies and keeps Render disabled.
func TestPageEstimateDialog(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		b := s.signup("Producer")
		db, ctx := s.env.DB, b.Ctx
		build := func(plan string, shots []slate.ShotInput) (*slate.Project, []*slate.Shot) {
			org, err := db.CreateOrg(ctx, slate.OrgInput{Name: "Estimates " + plan, Plan: plan})
			if err != nil {
				t.Fatal(err)
			}
			pr, err := db.CreateProject(ctx, org.ID, slate.ProjectInput{Title: "Night Shift"})
			if err != nil {
				t.Fatal(err)
			}
			act, err := db.CreateAct(ctx, pr.ID, slate.ActInput{Name: "One"})
			if err != nil {
				t.Fatal(err)
			}
			night, err := db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Harbour at night"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SetTags(ctx, slate.ElementRef{Kind: slate.KindScene, ID: night.ID}, []string{"night"}); err != nil {
				t.Fatal(err)
			}
			day, err := db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Harbour by day"})
			if err != nil {
				t.Fatal(err)
			}
			var out []*slate.Shot
			for i, in := range shots {
				scene := night.ID
				if i == len(shots)-1 {
					scene = day.ID // the last shot is not tagged night
				}
				sh, err := db.CreateShot(ctx, scene, in)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, sh)
			}
			return pr, out
		}
		api := func(projectID string, sel slate.Selection, tier string) *slate.Quote {
			var qt slate.Quote
			b.bearer("POST", "/api/v1/projects/"+projectID+"/estimates", slate.EstimateInput{Selection: sel, Tier: tier}, http.StatusCreated, &qt)
			return &qt
		}
		night := slate.Selection{Tags: []string{"night"}}

		t.Run("prices", func(t *testing.T) {
			t.Parallel()
			b := b.with(t)
			pr, shots := build("business", []slate.ShotInput{
				{Name: "Wide", DurationMS: 4000},
				{Name: "Close", DurationMS: 6000, Engine: "veo-3.1"},
				{Name: "Insert", DurationMS: 2500, Engine: "wan-2.1", Tier: "standard"},
				{Name: "Day", DurationMS: 5000},
			})
			csrf := b.csrf("/projects/" + pr.ID)
			tagged := shots[:3]

			all := b.dialog(pr.ID, csrf, night, "")
			want := api(pr.ID, night, "")
			if !all.HasTotal || all.Total != want.Total || all.Total <= 0 || len(all.Costs) != len(tagged) {
				t.Fatalf("dialog total %d over %d lines, API %d over %d", all.Total, len(all.Costs), want.Total, len(want.Lines))
			}
			for _, l := range want.Lines {
				if all.Costs[l.ShotID] != l.Cost {
					t.Errorf("shot %s: dialog %d, API %d", l.ShotName, all.Costs[l.ShotID], l.Cost)
				}
			}
			for _, sh := range tagged {
				if all.Skipped[sh.ID] {
					t.Errorf("shot %s unticked before anything was", sh.Name)
				}
			}
			if _, ok := all.Costs[shots[3].ID]; ok {
				t.Error("the untagged shot is in the tag's estimate")
			}
			if before := all.Doc.byID("balance-before"); before == nil || strings.ReplaceAll(before.Text, ",", "") != strconv.FormatInt(want.BalanceBefore, 10) {
				t.Errorf("balance before %v, API %d", before, want.BalanceBefore)
			}

			skip := tagged[1]
			less := b.dialog(pr.ID, csrf, night, "", skip.ID)
			if less.Total != all.Total-all.Costs[skip.ID] || !less.Skipped[skip.ID] {
				t.Errorf("unticking %s (%d): total %d → %d, skipped %v", skip.Name, all.Costs[skip.ID], all.Total, less.Total, less.Skipped[skip.ID])
			}
			if _, ok := less.Costs[skip.ID]; ok {
				t.Error("the unticked shot keeps its cost")
			}
			if got := api(pr.ID, slate.Selection{Shots: []string{tagged[0].ID, tagged[2].ID}}, "").Total; less.Total != got {
				t.Errorf("unticked total %d, API for the rest %d", less.Total, got)
			}

			high := b.dialog(pr.ID, csrf, night, "high")
			wantHigh := api(pr.ID, night, "high")
			if high.Total != wantHigh.Total || high.Total == all.Total || high.Tier != "high" {
				t.Errorf("at high: dialog %d (tier %q), API %d, own tiers %d", high.Total, high.Tier, wantHigh.Total, all.Total)
			}
			for _, sh := range tagged {
				if high.Tiers[sh.ID] != "high" || high.Costs[sh.ID] == all.Costs[sh.ID] && sh.Tier != "high" {
					t.Errorf("shot %s at high: tier %q, cost %d (own tier %d)", sh.Name, high.Tiers[sh.ID], high.Costs[sh.ID], all.Costs[sh.ID])
				}
			}
			draft := b.dialog(pr.ID, csrf, night, "draft")
			if draft.Total != api(pr.ID, night, "draft").Total || draft.Total >= high.Total {
				t.Errorf("at draft: dialog %d, high %d", draft.Total, high.Total)
			}
			if submit := high.Doc.byID("estimate-submit"); submit == nil || submit.disabled() {
				t.Errorf("Render button %v, want it enabled", submit)
			}
		})

		t.Run("shortfall", func(t *testing.T) {
			t.Parallel()
			b := b.with(t)
			pr, shots := build("free", []slate.ShotInput{
				{Name: "Storm", DurationMS: 60_000, Engine: "veo-3.1"},
				{Name: "Calm", DurationMS: 1_000},
			})
			csrf := b.csrf("/projects/" + pr.ID)
			sel := slate.Selection{Shots: []string{shots[0].ID}}
			want := api(pr.ID, sel, "high")
			if want.Shortfall <= 0 {
				t.Fatalf("the API sees no shortfall: %+v", want)
			}
			v := b.dialog(pr.ID, csrf, sel, "high")
			if v.Total != want.Total || v.Shortfall != want.Shortfall {
				t.Errorf("dialog total %d short %d, API %d short %d", v.Total, v.Shortfall, want.Total, want.Shortfall)
			}
			if submit := v.Doc.byID("estimate-submit"); submit == nil || !submit.disabled() {
				t.Errorf("Render button %v, want it disabled", submit)
			}
			var got []slate.Remedy
			for _, e := range v.Doc.Elements {
				if e.Name != "button" || e.within("ul") == nil || !e.within("ul").class("remedies") {
					continue
				}
				switch {
				case e.has("data-set-tier"):
					got = append(got, slate.Remedy{Kind: "tier", Tier: e.attr("data-set-tier")})
				case strings.HasSuffix(e.attr("data-api"), "/plan"):
					var body map[string]string
					if err := json.Unmarshal([]byte(e.attr("data-body")), &body); err != nil {
						t.Errorf("plan remedy body %q: %v", e.attr("data-body"), err)
					}
					got = append(got, slate.Remedy{Kind: "plan", Plan: body["plan"]})
					if e.disabled() {
						t.Errorf("the owner's upgrade button is disabled: %v", e)
					}
				case strings.HasSuffix(e.attr("data-api"), "/credits/purchases"):
					var body slate.PurchaseInput
					if err := json.Unmarshal([]byte(e.attr("data-body")), &body); err != nil {
						t.Errorf("pack remedy body %q: %v", e.attr("data-body"), err)
					}
					got = append(got, slate.Remedy{Kind: "pack", Pack: body.Pack})
				default:
					t.Errorf("remedy button %v", e)
				}
			}
			var wantRemedies []slate.Remedy
			for _, r := range want.Remedies {
				wantRemedies = append(wantRemedies, slate.Remedy{Kind: r.Kind, Tier: r.Tier, Pack: r.Pack, Plan: r.Plan})
			}
			if len(wantRemedies) == 0 || !reflect.DeepEqual(got, wantRemedies) {
				t.Errorf("remedies shown %+v, API %+v", got, wantRemedies)
			}

			fits := b.dialog(pr.ID, csrf, slate.Selection{Shots: []string{shots[1].ID}}, "")
			if fits.Shortfall != 0 || fits.Doc.first(func(e *element) bool { return e.class("shortfall") }) != nil {
				t.Errorf("a one-second shot shows a shortfall of %d", fits.Shortfall)
			}
		})
	})
}
