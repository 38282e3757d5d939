package web_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"slate"
)

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
	var err error
	w.OrgName = hostile(t, "org")
	w.Org, err = db.CreateOrg(ctx, slate.OrgInput{Name: w.OrgName, Plan: "business"})
	must(t, err)
	w.Title = hostile(t, "project")
	w.Project, err = db.CreateProject(ctx, w.Org.ID, slate.ProjectInput{Title: w.Title})
	must(t, err)
	w.ActName, w.ActDesc = hostile(t, "act"), hostile(t, "act description")
	w.Act, err = db.CreateAct(ctx, w.Project.ID, slate.ActInput{Name: w.ActName, Description: w.ActDesc})
	must(t, err)
	w.SceneName, w.SceneDesc = hostile(t, "scene"), hostile(t, "scene description")
	w.Location, w.TimeOfDay = hostile(t, "where"), hostile(t, "when")
	w.Scene, err = db.CreateScene(ctx, w.Act.ID, slate.SceneInput{Name: w.SceneName, Description: w.SceneDesc,
		Location: w.Location, TimeOfDay: w.TimeOfDay})
	must(t, err)
	w.Tags = hostiles
	_, err = db.SetTags(ctx, slate.ElementRef{Kind: slate.KindScene, ID: w.Scene.ID}, w.Tags)
	must(t, err)
	w.Prompt, w.Negative = hostile(t, "prompt"), hostile(t, "negative")
	w.Camera = slate.Camera{ShotType: hostile(t, "type"), Angle: hostile(t, "angle"), Movement: hostile(t, "move"), Lens: hostile(t, "lens")}
	w.LockedName, w.OpenName = hostile(t, "locked shot"), hostile(t, "open shot")
	w.Locked, err = db.CreateShot(ctx, w.Scene.ID, slate.ShotInput{Name: w.LockedName, DurationMS: 4000,
		Prompt: w.Prompt, NegativePrompt: w.Negative, Camera: &w.Camera})
	must(t, err)
	w.Open, err = db.CreateShot(ctx, w.Scene.ID, slate.ShotInput{Name: w.OpenName, DurationMS: 2500,
		Prompt: w.Prompt, NegativePrompt: w.Negative, Camera: &w.Camera})
	must(t, err)
	_, err = db.SetTags(ctx, slate.ElementRef{Kind: slate.KindShot, ID: w.Open.ID}, w.Tags)
	must(t, err)
	w.Note = hostile(t, "note")
	_, err = db.SetReview(ctx, w.Open.ID, slate.Review{Status: slate.ReviewFlagged, Note: w.Note})
	must(t, err)
	w.Lock = hostile(t, "reason")
	_, err = db.Lock(ctx, slate.ElementRef{Kind: slate.KindShot, ID: w.Locked.ID}, w.Lock)
	must(t, err)
	w.LockedActName = hostile(t, "locked act")
	w.LockedAct, err = db.CreateAct(ctx, w.Project.ID, slate.ActInput{Name: w.LockedActName})
	must(t, err)
	w.SceneOfLockedName = hostile(t, "locked scene")
	w.SceneOfLocked, err = db.CreateScene(ctx, w.LockedAct.ID, slate.SceneInput{Name: w.SceneOfLockedName})
	must(t, err)
	w.ActLock = hostile(t, "act reason")
	_, err = db.Lock(ctx, slate.ElementRef{Kind: slate.KindAct, ID: w.LockedAct.ID}, w.ActLock)
	must(t, err)
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
