package main_test

import (
	"fmt"
	"testing"

	"slate"
)

// hostile are strings that would run script if any page put them into
// HTML unescaped: in text, in an attribute, in a textarea, as a URL or as
// a template.
var hostile = []string{
	`<script>alert("t1")</script>`,
	`"><img src=x onerror=alert("t2")>`,
	`' onmouseover='alert(3)' data-x='`,
	`</textarea><svg onload=alert(4)>`,
	`javascript:alert(5)`,
	`{{.}} ${alert(6)} <!--`,
}

// h returns the i-th hostile string, marked so each field's is distinct.
func h(i int) string { return fmt.Sprintf("%s #%d", hostile[i%len(hostile)], i) }

// injected lists what a page runs or shows that it should not: scripts
// other than app.js, inline event handlers, javascript: URLs, and
// elements the hostile strings would create.
const injected = `(() => {
  const bad = [];
  for (const s of document.scripts) if (!s.src || !s.src.endsWith("/static/app.js")) bad.push("script " + s.outerHTML.slice(0, 60));
  for (const el of document.querySelectorAll("*")) for (const a of el.attributes) if (a.name.startsWith("on")) bad.push(el.tagName + " " + a.name);
  for (const el of document.querySelectorAll("[href], [src]")) {
    const v = el.getAttribute("href") || el.getAttribute("src") || "";
    if (/^\s*javascript:/i.test(v)) bad.push("javascript URL on " + el.tagName);
  }
  for (const el of document.querySelectorAll("img[src=x], svg, [data-x]")) bad.push("injected " + el.tagName);
  return bad.join("; ");
})()`

// TestBrowserHostileText types hostile strings into every field a person
// can edit, through the pages' own forms, and checks that every page shows
// them as text and runs nothing of them.
func TestBrowserHostileText(t *testing.T) {
	t.Parallel()
	srv, b := serveDesk(t, "1")

	b.open("/signup")
	b.signUp(h(0), "hostile@slate.test", h(1))
	b.fill(`#project-form input[name=title]`, h(2))
	b.submit(`#project-form button[type=submit]`)
	b.until("the project page", `document.querySelector("#new-act-form") !== null`)

	// Every field of the act, scene and shot forms.
	b.fill(`#new-act-form input[name=name]`, h(3))
	b.submit(`#new-act-form button[type=submit]`)
	b.until("the act panel", `document.querySelector("#act-form") !== null`)
	b.fill(`#act-form textarea[name=description]`, h(4))
	b.submit(`#act-form button[type=submit]`)
	b.until("the act saved", fmt.Sprintf(`document.querySelector("#act-form textarea[name=description]")?.value === %s`, jsString(h(4))))
	b.fill(`#new-scene-form input[name=name]`, h(5))
	b.fill(`#new-scene-form input[name=location]`, h(6))
	b.submit(`#new-scene-form button[type=submit]`)
	b.until("the scene panel", `document.querySelector("#scene-form") !== null`)
	b.fill(`#scene-form textarea[name=description]`, h(7))
	b.fill(`#scene-form input[name=time_of_day]`, h(8))
	b.submit(`#scene-form button[type=submit]`)
	b.until("the scene saved", fmt.Sprintf(`document.querySelector("#scene-form input[name=time_of_day]")?.value === %s`, jsString(h(8))))
	b.fill(`#panel .tags-form input[name=tags]`, `<b>bold</b>, "quoted"`)
	b.submit(`#panel .tags-form button[type=submit]`)
	b.until("the scene's tags", `document.querySelectorAll("#tree li.scene > .tag").length === 2`)
	b.fill(`#new-shot-form input[name=name]`, h(9))
	b.fill(`#new-shot-form input[name=prompt]`, h(10))
	b.submit(`#new-shot-form button[type=submit]`)
	b.until("the shot panel", `document.querySelector("#shot-form") !== null`)
	fields := map[string]int{
		"textarea[name=negative_prompt]": 11, "input[name='camera.shot_type']": 12,
		"input[name='camera.angle']": 13, "input[name='camera.movement']": 14, "input[name='camera.lens']": 15,
	}
	for sel, i := range fields {
		b.fill("#shot-form "+sel, h(i))
	}
	b.submit(`#shot-form button[type=submit]`)
	b.until("the shot saved", fmt.Sprintf(`document.querySelector("#shot-form input[name='camera.lens']")?.value === %s`, jsString(h(15))))
	b.fill(`#panel .tags-form input[name=tags]`, `<i>x</i>, onload=alert(7)`)
	b.submit(`#panel .tags-form button[type=submit]`)
	b.until("the shot's tags", `document.querySelectorAll("#tree li.shot .tag").length === 2`)
	b.click(`#review-form input[value=flagged]`)
	b.fill(`#review-form input[name=note]`, h(16))
	b.submit(`#review-form button[type=submit]`)
	b.until("the review note", fmt.Sprintf(`document.querySelector("#panel .status")?.textContent.includes(%s)`, jsString(h(16))))
	b.fill(`#panel .lock-form input[name=reason]`, h(17))
	b.submit(`#panel .lock-form button[type=submit]`)
	b.until("the lock", `document.querySelector("#panel .lockinfo strong") !== null`)

	// Reload and read every page that shows them.
	owner := login(t, srv.URL, "hostile@slate.test", testPassword)
	var orgs struct{ Items []*slate.Org }
	owner.must("GET", "/api/v1/orgs", nil, &orgs)
	orgID := orgs.Items[0].ID
	var projects struct{ Items []*slate.Project }
	owner.must("GET", "/api/v1/orgs/"+orgID+"/projects", nil, &projects)
	var tree slate.Tree
	owner.must("GET", "/api/v1/projects/"+projects.Items[0].ID+"/tree", nil, &tree)
	act := tree.Acts[0]
	scene := act.Scenes[0]
	shot := scene.Shots[0]
	project := "/projects/" + tree.Project.ID
	pages := []struct {
		path  string
		texts []int // hostile strings the page must show as text
	}{
		{"/orgs/" + orgID, []int{0, 2}},
		{project, []int{2, 3, 5, 9}},
		{project + "?act=" + act.ID, []int{3, 5}},
		{project + "?scene=" + scene.ID, []int{5, 9}},
		{project + "?shot=" + shot.ID, []int{9, 16, 17, 0}},
		{"/orgs/" + orgID + "/queue", nil},
		{"/orgs/" + orgID + "/settings/members", []int{0}},
		{"/orgs/" + orgID + "/settings/billing", nil},
	}
	for _, p := range pages {
		b.open(p.path)
		b.until("the page "+p.path, `document.readyState === "complete"`)
		if bad := eval[string](b, injected); bad != "" {
			t.Errorf("%s: %s", p.path, bad)
		}
		for _, i := range p.texts {
			if !eval[bool](b, fmt.Sprintf(`document.body.innerText.includes(%s)`, jsString(h(i)))) {
				t.Errorf("%s does not show %q as text", p.path, h(i))
			}
		}
	}
	// Field values come back exactly as typed.
	b.open(project + "?shot=" + shot.ID)
	for sel, i := range fields {
		if got := eval[string](b, fmt.Sprintf(`document.querySelector(%s).value`, jsString("#shot-form "+sel))); got != h(i) {
			t.Errorf("%s holds %q, want %q", sel, got, h(i))
		}
	}
	if got := b.text("#panel-title"); got != h(9) {
		t.Errorf("title %q, want %q", got, h(9))
	}
	// The estimate dialog and the credits drawer show the names too.
	b.open(project + "?scene=" + scene.ID)
	b.click(`#panel button[data-estimate]`)
	b.until("the estimate dialog", `document.querySelector("#dialog[open] table") !== null`)
	if bad := eval[string](b, injected); bad != "" {
		t.Errorf("estimate dialog: %s", bad)
	}
	if got := b.text(`#dialog tbody th`); got != h(9) {
		t.Errorf("the dialog names the shot %q, want %q", got, h(9))
	}
	b.click(`#dialog [data-close]`)
	b.click(`#credits-counter`)
	b.until("the credits drawer", `document.querySelector("#drawer:not([hidden]) #credits-panel") !== null`)
	if bad := eval[string](b, injected); bad != "" {
		t.Errorf("credits drawer: %s", bad)
	}
	b.screenshot("hostile-text")
	b.noAlerts()
}
