package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"slate"
	"slate/waitfor"
)

// ownerEmail is the producer's, who signs up in the browser.
const ownerEmail = "producer@slate.test"

// TestBrowserProducerDesk walks the producer's desk in headless Chromium
// against the real binary: sign up, create an organisation and project,
// build a small tree, tag two shots, estimate them from the tag (checked
// against the API's quote), submit, and watch the renders succeed and the
// credits counter drop by exactly the total without a reload. A second,
// read-only session has no edit controls and sees a lock appear live.
func TestBrowserProducerDesk(t *testing.T) {
	t.Parallel()
	srv, b := serveDesk(t, "2")

	// Sign up, then the first organisation and project.
	b.open("/")
	b.until("the sign-in page", `location.pathname === "/login"`)
	b.click(`a[href^="/signup"]`)
	b.signUp("Pat Producer", ownerEmail, "Harbour Films")
	b.fill(`#project-form input[name=title]`, "Night Ferry")
	b.submit(`#project-form button[type=submit]`)
	b.until("the project page", `location.pathname.startsWith("/projects/")`)
	projectID := strings.TrimPrefix(eval[string](b, `location.pathname`), "/projects/")

	// Build the tree: an act, a scene, three shots.
	b.fill(`#new-act-form input[name=name]`, "Act One")
	b.submit(`#new-act-form button[type=submit]`)
	b.until("the act panel", `document.querySelector("#panel-title")?.textContent === "Act One"`)
	b.fill(`#new-scene-form input[name=name]`, "The Quay")
	b.submit(`#new-scene-form button[type=submit]`)
	b.until("the scene panel", `document.querySelector("#panel-title")?.textContent === "The Quay"`)
	shots := []string{"Ferry arrives", "Keeper waves", "Lamp turns"}
	for i, name := range shots {
		if i > 0 {
			b.click(`.crumbs a[data-panel^="scene/"]`)
			b.until("back at the scene", `document.querySelector("#new-shot-form") !== null`)
		}
		b.fill(`#new-shot-form input[name=name]`, name)
		b.fill(`#new-shot-form input[name=duration_ms]`, fmt.Sprint(2+i))
		b.fill(`#new-shot-form input[name=prompt]`, "A wide shot of "+strings.ToLower(name))
		b.submit(`#new-shot-form button[type=submit]`)
		b.until("the shot panel of "+name, fmt.Sprintf(`document.querySelector("#panel-title")?.textContent === %s`, jsString(name)))
	}
	b.until("three shots in the tree", `document.querySelectorAll("#tree li.shot").length === 3`)

	owner := login(t, srv.URL, ownerEmail, testPassword)
	var tree slate.Tree
	owner.must("GET", "/api/v1/projects/"+projectID+"/tree", nil, &tree)
	ids := map[string]string{}
	for _, sh := range tree.Acts[0].Scenes[0].Shots {
		ids[sh.Name] = sh.ID
	}
	orgID := tree.Project.OrgID

	// Tag two shots with the Tags field; the tree shows the tags.
	for _, name := range shots[:2] {
		b.clickText("#tree li.shot a", name)
		b.until("the shot panel of "+name, fmt.Sprintf(`document.querySelector("#panel-title")?.textContent === %s`, jsString(name)))
		b.fill(`#panel .tags-form input[name=tags]`, "hero, night")
		b.submit(`#panel .tags-form button[type=submit]`)
		b.until("the tags in the tree", fmt.Sprintf(`document.querySelectorAll('#tree li.shot[data-shot=%s] .tag').length === 2`, jsString(ids[name])))
	}
	// Bad input: the API's problem shows in the form, and nothing changes.
	b.fill(`#panel .tags-form input[name=tags]`, "hero, "+strings.Repeat("x", 51))
	b.submit(`#panel .tags-form button[type=submit]`)
	if msg := b.text(`#panel .tags-form [data-errors]`); !strings.Contains(msg, "longer than 50 characters") {
		t.Errorf("a too-long tag shows %q", msg)
	}
	if n := eval[int](b, fmt.Sprintf(`document.querySelectorAll('#tree li.shot[data-shot=%s] .tag').length`, jsString(ids[shots[1]]))); n != 2 {
		t.Errorf("a refused tag change left %d tags in the tree, want the 2 from before", n)
	}
	b.screenshot("project-shot-panel")

	// Filter the tree by the tag and estimate the tag: the dialog's total
	// is the API's quote for the same selection.
	b.choose(`#tree select[name=tag]`, "hero")
	b.until("the filtered tree", `location.search === "?tag=hero" && document.querySelectorAll("#tree li.shot").length === 2`)
	b.click(`#estimate-tag`)
	b.until("the estimate dialog", `document.querySelector("#dialog[open] #estimate-total") !== null`)
	var quote slate.Quote
	owner.must("POST", "/api/v1/projects/"+projectID+"/estimates",
		slate.EstimateInput{Selection: slate.Selection{Tags: []string{"hero"}}}, &quote)
	total := eval[int64](b, `Number(document.querySelector("#estimate-total").dataset.total)`)
	if total != quote.Total || len(quote.Lines) != 2 || total <= 0 {
		t.Fatalf("dialog total %d, API quote %d over %d lines", total, quote.Total, len(quote.Lines))
	}
	b.screenshot("estimate-dialog")

	// Untick a shot: the total loses exactly its line. Change the tier: the
	// numbers are the API's for that tier. Then back.
	first := quote.Lines[0]
	b.click(fmt.Sprintf(`#dialog input[name=keep][value=%s]`, jsString(first.ShotID)))
	b.until("the total without the unticked shot", fmt.Sprintf(
		`Number(document.querySelector("#estimate-total")?.dataset.total) === %d`, total-first.Cost))
	b.click(fmt.Sprintf(`#dialog input[name=keep][value=%s]`, jsString(first.ShotID)))
	b.until("the whole total again", fmt.Sprintf(`Number(document.querySelector("#estimate-total")?.dataset.total) === %d`, total))
	var standard slate.Quote
	owner.must("POST", "/api/v1/projects/"+projectID+"/estimates",
		slate.EstimateInput{Selection: slate.Selection{Tags: []string{"hero"}}, Tier: "standard"}, &standard)
	b.choose(`#dialog select[name=tier]`, "standard")
	b.until("the standard-tier total", fmt.Sprintf(`Number(document.querySelector("#estimate-total")?.dataset.total) === %d`, standard.Total))
	b.choose(`#dialog select[name=tier]`, "")
	b.until("the shots' own tier again", fmt.Sprintf(`Number(document.querySelector("#estimate-total")?.dataset.total) === %d`, total))

	// Submit. The counter drops by exactly the total, live, and both
	// renders succeed, with no reload of the page.
	// An alert threshold the submission will cross, to see it arrive.
	owner.must("PUT", "/api/v1/orgs/"+orgID+"/budget", slate.Budget{AlertAvailableBelow: []int64{credits0(t, owner, orgID)}}, nil)
	before := eval[int64](b, `(window.slateMark = "same page", Number(document.querySelector("#credits-available").dataset.credits))`)
	b.click(`#estimate-submit`)
	b.until("the dialog to close", `!document.querySelector("#dialog").open`)
	b.until("both shots rendered in the tree", `document.querySelectorAll("#tree .st.rendered").length === 2`)
	b.until("the counter to drop by the total", fmt.Sprintf(
		`Number(document.querySelector("#credits-available").dataset.credits) === %d`, before-total))
	var jobs slate.Page[*slate.Job]
	owner.must("GET", "/api/v1/orgs/"+orgID+"/jobs", nil, &jobs)
	if len(jobs.Items) != 2 {
		t.Fatalf("jobs: %d, want 2", len(jobs.Items))
	}
	for _, j := range jobs.Items {
		if j.State != slate.JobSucceeded || j.CostCharged != j.Cost {
			t.Errorf("job %s: %s, charged %d of %d", j.ShotName, j.State, j.CostCharged, j.Cost)
		}
	}
	var credits slate.Credits
	owner.must("GET", "/api/v1/orgs/"+orgID+"/credits", nil, &credits)
	if shown := eval[int64](b, `Number(document.querySelector("#credits-available").dataset.credits)`); shown != credits.Available {
		t.Errorf("counter shows %d, the API says %d available", shown, credits.Available)
	}
	if mark := eval[string](b, `window.slateMark || "reloaded"`); mark != "same page" {
		t.Errorf("the page reloaded")
	}
	// The alert and the finished batch arrived as notifications.
	b.until("the notifications", `document.querySelector("#notification-list").textContent.includes("Budget alert") &&
		document.querySelector("#notification-list").textContent.includes("Batch finished: 2 succeeded")`)
	b.click(`#bell`)
	b.until("the notifications open", `!document.querySelector("#notifications").hidden`)
	b.screenshot("notifications")
	b.click(`#bell`)
	b.clickText("#tree li.shot a", shots[0])
	b.until("the take's player", `document.querySelector("#panel .take video") !== null`)
	b.screenshot("project-rendered")

	// A read-only member: invited, signed in in a browser of their own.
	var inv slate.Invitation
	owner.must("POST", "/api/v1/orgs/"+orgID+"/invitations",
		slate.InvitationInput{Email: "reader@slate.test", Permissions: []slate.Permission{slate.PermRead}}, &inv)
	reader := &apiClient{t: t, base: srv.URL}
	var rs struct{ Token string }
	reader.must("POST", "/api/v1/auth/signup", slate.Signup{Email: "reader@slate.test", Password: testPassword, Name: "Rae Reader"}, &rs)
	reader.token = rs.Token
	reader.must("POST", "/api/v1/invitations/"+inv.Token+"/accept", nil, nil)

	r := b.session()
	r.open("/login?next=/projects/" + projectID)
	r.fill(`#login-form input[name=email]`, "reader@slate.test")
	r.fill(`#login-form input[name=password]`, testPassword)
	r.click(`#login-form button[type=submit]`)
	r.until("the project page", `document.querySelector("#tree") !== null`)
	r.clickText("#tree li.shot a", shots[0])
	r.until("the shot panel", fmt.Sprintf(`document.querySelector("#panel-title")?.textContent === %s`, jsString(shots[0])))
	if n := eval[int](r, `document.querySelectorAll('[data-api]:not(#sign-out), [data-estimate], [data-estimate-picked], .select-take').length`); n != 0 {
		t.Errorf("the read-only member sees %d edit controls", n)
	}
	if n := eval[int](r, `document.querySelectorAll('#panel input:not(:disabled), #panel textarea:not(:disabled), #panel select:not(:disabled)').length`); n != 0 {
		t.Errorf("the read-only member has %d enabled fields", n)
	}
	eval[bool](r, `(window.slateMark = "same page", true)`)

	// The owner locks the shot; the reader sees the lock arrive live.
	b.fill(`#panel .lock-form input[name=reason]`, "Picture locked for the cut")
	b.submit(`#panel .lock-form button[type=submit]`)
	b.until("the owner's unlock button", `document.querySelector("#panel .unlock") !== null`)
	r.until("the lock in the reader's tree", fmt.Sprintf(`document.querySelector('#tree li.shot[data-shot=%s] .lock') !== null`, jsString(ids[shots[0]])))
	r.until("the lock's reason in the reader's panel", `document.querySelector("#panel .lockinfo")?.textContent.includes("Picture locked for the cut")`)
	if who := r.text("#panel .lockinfo strong"); who != "Pat Producer" {
		t.Errorf("lock shows by %q", who)
	}
	if mark := eval[string](r, `window.slateMark || "reloaded"`); mark != "same page" {
		t.Errorf("the reader's page reloaded")
	}
	r.screenshot("reader-sees-lock")

	// The queue shows both jobs succeeded; export the tagged shots from it
	// and download the file and the EDL.
	b.open("/orgs/" + orgID + "/queue?project=" + projectID)
	b.until("two succeeded jobs", `document.querySelectorAll("tr.job[data-state=succeeded]").length === 2`)
	b.screenshot("queue")
	eval[bool](b, `(document.querySelector("#export-form input[name='selection.all']").checked = false, true)`)
	b.fill(`#export-form select[name='selection.tags']`, "hero")
	b.fill(`#export-form select[name=preset]`, "mp4-h264")
	b.fill(`#export-form select[name=reframe]`, "pad")
	downloads := b.downloads(t.TempDir())
	b.submit(`#export-form button[type=submit]`)
	b.until("the export to finish, live", `document.querySelector("tr.export-row[data-state=succeeded] a.download-file") !== null`)
	b.screenshot("queue-export-done")
	b.click(`tr.export-row a.download-file`)
	file := waitDownload(t, downloads)
	if got := probeDuration(t, file); got < 4.9 || got > 5.1 {
		t.Errorf("the downloaded export lasts %.3f s, want the two shots' 5 s", got)
	}
	b.click(`tr.export-row a.download-edl`)
	edl := waitDownload(t, downloads)
	if body, err := os.ReadFile(edl); err != nil || !strings.HasPrefix(string(body), "TITLE: Night Ferry") ||
		strings.Count(string(body), "* FROM CLIP NAME:") != 2 {
		t.Errorf("the downloaded EDL (%v):\n%s", err, body)
	}

	// The other pages, for a reviewer, at desk and phone widths.
	b.click(`#credits-counter`)
	b.until("the credits drawer", `document.querySelector("#drawer:not([hidden]) #credits-panel") !== null`)
	b.screenshot("credits-drawer")
	b.open("/orgs/" + orgID + "/settings/members")
	b.fits(1280, "members")
	b.screenshot("members")
	b.open("/orgs/" + orgID + "/settings/billing")
	b.fits(1280, "billing")
	b.screenshot("billing")
	b.do("phone width", chromedp.EmulateViewport(390, 844))
	for _, p := range []struct{ path, name string }{
		{"/projects/" + projectID + "?shot=" + ids[shots[0]], "project-390px"},
		{"/orgs/" + orgID + "/queue", "queue-390px"},
		{"/orgs/" + orgID + "/settings/members", "members-390px"},
		{"/orgs/" + orgID + "/settings/billing", "billing-390px"},
	} {
		b.open(p.path)
		b.fits(390, p.name)
		b.screenshot(p.name)
	}
	b.noAlerts()
	r.noAlerts()
}

// credits0 is the organisation's available balance now.
func credits0(t *testing.T, c *apiClient, orgID string) int64 {
	t.Helper()
	var cr slate.Credits
	c.must("GET", "/api/v1/orgs/"+orgID+"/credits", nil, &cr)
	return cr.Available
}

// waitDownload waits for the browser to finish a download.
func waitDownload(t *testing.T, done <-chan string) string {
	t.Helper()
	f, _ := waitfor.Recv(t, "finished download", done)
	return f
}

// probeDuration reads a media file's duration with ffprobe.
func probeDuration(t *testing.T, file string) float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", file).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", file, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe %s: %q", file, out)
	}
	return d
}
