package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"slate"
)

// mustHave and mustLack look for markup the queue's templates write, as
// text: browser.body has already parsed the page and checked it inert.
func mustHave(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %s", what, w)
		}
	}
}

func mustLack(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s has %s", what, w)
		}
	}
}

// The queue page lists a batch with each job's controls, follows the
// actions its buttons send, filters by state, and exports what has takes.
func TestQueuePage(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		env := s.env
		o := env.NewOwner(t)
		ctx, db := o.Ctx, env.DB
		act, err := db.CreateAct(ctx, o.Project.ID, slate.ActInput{Name: "Act"})
		must(t, err)
		scenes := map[string]string{} // shot id → scene id
		for _, name := range []string{"Shot 1", "Shot 2"} {
			sc, err := db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Scene of " + name})
			must(t, err)
			sh, err := db.CreateShot(ctx, sc.ID, slate.ShotInput{Name: name, DurationMS: 2000, Prompt: "a lighthouse"})
			must(t, err)
			scenes[sh.ID] = sc.ID
		}
		batch, err := db.Submit(ctx, o.Project.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
		must(t, err)
		c, err := db.Claim(context.Background(), slate.ClaimRequest{WorkerID: "w", Engines: []string{"preview"}, Lease: time.Minute})
		if err != nil || c == nil {
			t.Fatalf("claim = %v, %v", c, err)
		}
		_, err = db.Finish(context.Background(), c.Job.ID, "w", slate.RenderResult{MediaKey: "takes/x.mp4",
			MediaType: "video/mp4", Size: 1000, Width: c.Spec.Width, Height: c.Spec.Height, FrameRate: c.Spec.FrameRate,
			DurationMS: c.Spec.DurationMS})
		must(t, err)
		done := c.Job
		var waiting *slate.Job
		for _, j := range batch.Items {
			if j.ID != done.ID {
				waiting = j
			}
		}
		owner := s.browser()
		owner.login(o.User.Email, password)
		queuePath := "/orgs/" + o.Org.ID + "/queue"

		page := owner.body(queuePath, http.StatusOK)
		mustHave(t, "queue page", page,
			`id="batch-`+batch.ID+`"`, `data-src="/panel/queue/`+o.Org.ID+`"`, `data-live="state"`,
			`id="job-`+waiting.ID+`" class="job" data-state="queued"`,
			`id="job-`+done.ID+`" class="job" data-state="succeeded"`,
			`id="job-`+waiting.ID+`-pause"`, `aria-label="Pause `+waiting.ShotName+`"`,
			`id="job-`+waiting.ID+`-up"`, `data-body="{&#34;priority&#34;:51}"`, `id="job-`+waiting.ID+`-top"`,
			`data-job="`+waiting.ID+`"`, `id="batch-`+batch.ID+`-pause"`, `id="batch-`+batch.ID+`-cancel"`,
			`href="/projects/`+o.Project.ID+`?shot=`+waiting.ShotID+`"`, o.User.Name, "2 jobs",
			`<option value="awaiting_approval">`, `id="exports"`)
		mustLack(t, "queue page", page, `id="job-`+waiting.ID+`-resume"`, `id="job-`+done.ID+`-pause"`,
			`id="job-`+done.ID+`-up"`, `id="batch-`+batch.ID+`-resume"`, `id="export-form"`)

		csrf := owner.csrf(queuePath)
		if r := owner.send(http.MethodPost, "/api/v1/jobs/"+waiting.ID+"/pause", nil, csrf); r.Status != http.StatusOK {
			t.Fatalf("pause = %d %s", r.Status, r.Body)
		}
		frag := owner.body("/panel/queue/"+o.Org.ID+"?state=paused", http.StatusOK)
		mustHave(t, "paused fragment", frag, `data-state="paused"`, `id="job-`+waiting.ID+`-resume"`,
			"1 of 2 jobs shown", `data-src="/panel/queue/`+o.Org.ID+`?state=paused"`, `id="batch-`+batch.ID+`-resume"`)
		mustLack(t, "paused fragment", frag, `id="job-`+done.ID+`"`, "<html")
		owner.body(queuePath+"?project=nope", http.StatusNotFound)

		// The body the export form makes for "whole project" is refused while
		// a shot has no take; the scene of the rendered shot exports.
		exports := "/api/v1/projects/" + o.Project.ID + "/exports"
		if r := owner.send(http.MethodPost, exports, json.RawMessage(`{"selection":{"all":true,"acts":[],"scenes":[],"tags":[]},`+
			`"preset":"mp4-h264","reframe":"crop"}`), csrf); r.Status != http.StatusConflict {
			t.Fatalf("export of the whole project = %d %s", r.Status, r.Body)
		}
		if r := owner.send(http.MethodPost, exports, json.RawMessage(`{"selection":{"all":false,"acts":[],"scenes":["`+
			scenes[done.ShotID]+`"],"tags":[]},"preset":"youtube","reframe":"pad"}`), csrf); r.Status != http.StatusCreated {
			t.Fatalf("export of a scene = %d %s", r.Status, r.Body)
		}
		list, err := db.Exports(ctx, o.Project.ID, slate.PageRequest{})
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("exports = %v, %v", list, err)
		}
		e := list.Items[0]
		frag = owner.body("/panel/exports/"+o.Org.ID+"?project="+o.Project.ID, http.StatusOK)
		mustHave(t, "exports fragment", frag, `id="export-`+e.ID+`" class="export-row" data-state="queued"`,
			`href="/api/v1/exports/`+e.ID+`/edl" download`, `id="export-`+e.ID+`-cancel"`, "youtube · pad")
		mustLack(t, "exports fragment", frag, `/api/v1/exports/`+e.ID+`/file`)
		page = owner.body(queuePath+"?project="+o.Project.ID, http.StatusOK)
		mustHave(t, "project queue page", page, `id="export-form"`, `data-api="POST /api/v1/projects/`+o.Project.ID+`/exports"`,
			`name="selection.all"`, `name="selection.scenes" data-type="list"`, `name="preset"`, `name="reframe"`,
			`<option value="mp4-h264" selected>`, `id="batch-exports"`, `id="job-`+e.JobID+`"`,
			`aria-label="Cancel Export of `+o.Project.Title+`"`, `href="#export-`+e.ID+`"`,
			`data-src="/panel/exports/`+o.Org.ID+`?project=`+o.Project.ID+`"`)

		// A member who may only read sees the queue and no control.
		viewer := s.member(owner, o.Org.ID, "viewer", slate.PermRead)
		page = viewer.body(queuePath+"?project="+o.Project.ID, http.StatusOK)
		mustHave(t, "viewer's page", page, `id="job-`+waiting.ID+`"`, `id="export-`+e.ID+`"`, "Exporting needs the Run AI permission")
		mustLack(t, "viewer's page", page, `data-api="POST /api/v1/jobs/`, `data-api="PATCH`, `data-api="POST /api/v1/batches/`,
			`id="export-form"`)
	})
}
