package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/api"
	"slate/events"
	"slate/session"
	"slate/store/storetest"
)

func TestJobActions(t *testing.T) {
	t.Parallel()
	all := Can{RunAI: true, UseCredits: true}
	steer := Can{RunAI: true}
	spend := Can{UseCredits: true}
	A := func(as ...slate.JobAction) []slate.JobAction { return as }
	tests := []struct {
		name    string
		state   slate.JobState
		charged int64
		can     Can
		want    []slate.JobAction
	}{
		{"awaiting, may do all", slate.JobAwaitingApproval, 0, all,
			A(slate.ActionApprove, slate.ActionReject, slate.ActionCancel)},
		{"awaiting, may only steer", slate.JobAwaitingApproval, 0, steer, A(slate.ActionCancel)},
		{"awaiting, may only spend", slate.JobAwaitingApproval, 0, spend, A(slate.ActionApprove, slate.ActionReject)},
		{"queued", slate.JobQueued, 0, all, A(slate.ActionPause, slate.ActionCancel)},
		{"paused", slate.JobPaused, 0, all, A(slate.ActionResume, slate.ActionCancel)},
		{"running", slate.JobRunning, 0, all, A(slate.ActionCancel)},
		{"stopping", slate.JobCancelRequested, 0, all, nil},
		{"succeeded", slate.JobSucceeded, 10, all, nil},
		{"failed", slate.JobFailed, 0, all, A(slate.ActionRetry)},
		{"failed, retry resubmits without use_credits", slate.JobFailed, 0, steer, A(slate.ActionRetry)},
		{"cancelled", slate.JobCanceled, 0, all, A(slate.ActionRetry)},
		{"cancelled after a partial charge", slate.JobCanceled, 3, all, nil},
		{"read only", slate.JobQueued, 0, Can{Modify: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := jobActions(tt.state, tt.charged, tt.can); !slices.Equal(got, tt.want) {
				t.Errorf("jobActions(%s, %d, %+v) = %v, want %v", tt.state, tt.charged, tt.can, got, tt.want)
			}
		})
	}
}

func TestBatchActions(t *testing.T) {
	t.Parallel()
	all := Can{RunAI: true, UseCredits: true}
	A := func(as ...slate.JobAction) []slate.JobAction { return as }
	tests := []struct {
		name   string
		states map[slate.JobState]int
		can    Can
		want   []slate.JobAction
	}{
		{"mixed", map[slate.JobState]int{slate.JobQueued: 2, slate.JobPaused: 1, slate.JobFailed: 1}, all,
			A(slate.ActionPause, slate.ActionResume, slate.ActionRetry, slate.ActionCancel)},
		{"finished", map[slate.JobState]int{slate.JobSucceeded: 3}, all, nil},
		{"zero counts do not count", map[slate.JobState]int{slate.JobQueued: 0, slate.JobSucceeded: 1}, all, nil},
		{"awaiting, may only spend", map[slate.JobState]int{slate.JobAwaitingApproval: 2}, Can{UseCredits: true},
			A(slate.ActionApprove, slate.ActionReject)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := batchActions(tt.states, tt.can); !slices.Equal(got, tt.want) {
				t.Errorf("batchActions(%v) = %v, want %v", tt.states, got, tt.want)
			}
		})
	}
}

func TestPresetLabels(t *testing.T) {
	t.Parallel()
	for _, p := range slate.ExportPresets {
		if presetLabels[p] == "" {
			t.Errorf("preset %s has no label", p)
		}
	}
	if c := presetChoices(); len(c) != len(slate.ExportPresets) {
		t.Errorf("%d preset choices for %d presets", len(c), len(slate.ExportPresets))
	}
}

// queueApp is the web app with the API beside it, on a real store, as
// `slate serve` wires them.
func queueApp(t *testing.T, env *storetest.Env) http.Handler {
	t.Helper()
	db := env.DB
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	broker := events.Start(db, events.Options{Clock: env.Clock, Poll: 20 * time.Millisecond, Heartbeat: time.Second})
	t.Cleanup(broker.Stop)
	a := &api.Server{Users: db, Orgs: db, Projects: db, Tree: db, Credits: db, Catalog: db.Catalog, Keys: db,
		Queue: db, Takes: db, Exports: db, Webhooks: db, Events: broker, Clock: env.Clock, Logger: quiet, Ready: db.Ping}
	s := &Server{Users: db, Orgs: db, Projects: db, Tree: db, Credits: db, Queue: db, Takes: db, Exports: db,
		Webhooks: db, Catalog: db.Catalog, Logger: quiet, API: a.Handler()}
	return s.Handler()
}

// browser sends requests as a signed-in user's page script does.
type browser struct {
	t      *testing.T
	app    http.Handler
	secret string
}

func signIn(t *testing.T, env *storetest.Env, app http.Handler, email string) *browser {
	t.Helper()
	tok, _, err := env.DB.Login(context.Background(), email, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, app: app, secret: tok.Secret}
}

func (b *browser) do(method, path, body string) (int, string) {
	b.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.AddCookie(&http.Cookie{Name: session.CookieName, Value: b.secret})
	if method != http.MethodGet {
		r.Header.Set(session.CSRFHeader, session.CSRFToken(b.secret))
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	b.app.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func (b *browser) get(path string, want int) string {
	b.t.Helper()
	code, body := b.do(http.MethodGet, path, "")
	if code != want {
		b.t.Fatalf("GET %s = %d, want %d: %s", path, code, want, body)
	}
	return body
}

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
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		app := queueApp(t, env)
		o := env.NewOwner(t)
		ctx, db := o.Ctx, env.DB
		act, err := db.CreateAct(ctx, o.Project.ID, slate.ActInput{Name: "Act"})
		if err != nil {
			t.Fatal(err)
		}
		scenes := map[string]string{} // shot id → scene id
		for _, name := range []string{"Shot 1", "Shot 2"} {
			sc, err := db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Scene of " + name})
			if err != nil {
				t.Fatal(err)
			}
			sh, err := db.CreateShot(ctx, sc.ID, slate.ShotInput{Name: name, DurationMS: 2000, Prompt: "a lighthouse"})
			if err != nil {
				t.Fatal(err)
			}
			scenes[sh.ID] = sc.ID
		}
		batch, err := db.Submit(ctx, o.Project.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.Claim(context.Background(), slate.ClaimRequest{WorkerID: "w", Engines: []string{"preview"}, Lease: time.Minute})
		if err != nil || c == nil {
			t.Fatalf("claim = %v, %v", c, err)
		}
		if _, err := db.Finish(context.Background(), c.Job.ID, "w", slate.RenderResult{MediaKey: "takes/x.mp4",
			MediaType: "video/mp4", Size: 1000, Width: c.Spec.Width, Height: c.Spec.Height, FrameRate: c.Spec.FrameRate,
			DurationMS: c.Spec.DurationMS}); err != nil {
			t.Fatal(err)
		}
		done := c.Job
		var waiting *slate.Job
		for _, j := range batch.Items {
			if j.ID != done.ID {
				waiting = j
			}
		}
		owner := signIn(t, env, app, o.User.Email)
		queuePath := "/orgs/" + o.Org.ID + "/queue"

		page := owner.get(queuePath, http.StatusOK)
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

		if code, body := owner.do(http.MethodPost, "/api/v1/jobs/"+waiting.ID+"/pause", ""); code != http.StatusOK {
			t.Fatalf("pause = %d %s", code, body)
		}
		frag := owner.get("/panel/queue/"+o.Org.ID+"?state=paused", http.StatusOK)
		mustHave(t, "paused fragment", frag, `data-state="paused"`, `id="job-`+waiting.ID+`-resume"`,
			"1 of 2 jobs shown", `data-src="/panel/queue/`+o.Org.ID+`?state=paused"`, `id="batch-`+batch.ID+`-resume"`)
		mustLack(t, "paused fragment", frag, `id="job-`+done.ID+`"`, "<html")
		owner.get(queuePath+"?project=nope", http.StatusNotFound)

		// The body the export form makes for "whole project" is refused while
		// a shot has no take; the scene of the rendered shot exports.
		exports := "/api/v1/projects/" + o.Project.ID + "/exports"
		if code, body := owner.do(http.MethodPost, exports, `{"selection":{"all":true,"acts":[],"scenes":[],"tags":[]},`+
			`"preset":"mp4-h264","reframe":"crop"}`); code != http.StatusConflict {
			t.Fatalf("export of the whole project = %d %s", code, body)
		}
		code, body := owner.do(http.MethodPost, exports, `{"selection":{"all":false,"acts":[],"scenes":["`+
			scenes[done.ShotID]+`"],"tags":[]},"preset":"youtube","reframe":"pad"}`)
		if code != http.StatusCreated {
			t.Fatalf("export of a scene = %d %s", code, body)
		}
		list, err := db.Exports(ctx, o.Project.ID, slate.PageRequest{})
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("exports = %v, %v", list, err)
		}
		e := list.Items[0]
		frag = owner.get("/panel/exports/"+o.Org.ID+"?project="+o.Project.ID, http.StatusOK)
		mustHave(t, "exports fragment", frag, `id="export-`+e.ID+`" class="export-row" data-state="queued"`,
			`href="/api/v1/exports/`+e.ID+`/edl" download`, `id="export-`+e.ID+`-cancel"`, "youtube · pad")
		mustLack(t, "exports fragment", frag, `/api/v1/exports/`+e.ID+`/file`)
		page = owner.get(queuePath+"?project="+o.Project.ID, http.StatusOK)
		mustHave(t, "project queue page", page, `id="export-form"`, `data-api="POST /api/v1/projects/`+o.Project.ID+`/exports"`,
			`name="selection.all"`, `name="selection.scenes" data-type="list"`, `name="preset"`, `name="reframe"`,
			`<option value="mp4-h264" selected>`, `id="batch-exports"`, `id="job-`+e.JobID+`"`,
			`aria-label="Cancel Export of `+o.Project.Title+`"`, `href="#export-`+e.ID+`"`,
			`data-src="/panel/exports/`+o.Org.ID+`?project=`+o.Project.ID+`"`)

		// A member who may only read sees the queue and no control.
		m, mctx := env.NewUser(t, "viewer")
		inv, err := db.Invite(ctx, o.Org.ID, slate.InvitationInput{Email: m.Email, Permissions: []slate.Permission{slate.PermRead}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AcceptInvitation(mctx, inv.Token); err != nil {
			t.Fatal(err)
		}
		viewer := signIn(t, env, app, m.Email)
		page = viewer.get(queuePath+"?project="+o.Project.ID, http.StatusOK)
		mustHave(t, "viewer's page", page, `id="job-`+waiting.ID+`"`, `id="export-`+e.ID+`"`, "Exporting needs the Run AI permission")
		mustLack(t, "viewer's page", page, `data-api="POST /api/v1/jobs/`, `data-api="PATCH`, `data-api="POST /api/v1/batches/`,
			`id="export-form"`)
	})
}
