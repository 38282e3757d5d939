package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/media"
	"slate/waitfor"
)

// submit posts a batch as who and returns it.
func (h *harness) submit(who *person, projectID string, in slate.BatchInput) *slate.Batch {
	h.t.Helper()
	var b slate.Batch
	h.must(call{method: "POST", path: path("/api/v1/projects/%s/batches", projectID), token: who.Token, body: in}, 201, &b)
	return &b
}

// takeEngine is the engine of the jobs take renders; nothing else in these
// tests submits work to it, so a claim for it finds only take's job.
const takeEngine = "wan-2.1"

// takeMu keeps one take's claim from picking up another's job.
var takeMu sync.Mutex

// take renders ids.Shot the way a worker would, through the store's worker
// API: it submits the shot as who, claims the job, stores data as its media
// and finishes it. The harness has no worker of its own.
func (h *harness) take(who *person, ids treeIDs, data []byte) *slate.Take {
	h.t.Helper()
	takeMu.Lock()
	defer takeMu.Unlock()
	b := h.submit(who, ids.Project, slate.BatchInput{Selection: &slate.Selection{Shots: []string{ids.Shot}},
		Engine: takeEngine, Tier: "draft"})
	ctx := context.Background()
	worker := fmt.Sprintf("api-test-%d", seq.Add(1))
	c := h.claim(worker, takeEngine)
	if c == nil || c.Job.ID != b.Items[0].ID {
		h.t.Fatalf("claimed %+v, want job %s", c, b.Items[0].ID)
	}
	key := h.putMedia("takes", data)
	j, err := h.env.DB.Finish(ctx, c.Job.ID, worker, slate.RenderResult{MediaKey: key, MediaType: "video/mp4",
		Size: int64(len(data)), Width: c.Spec.Width, Height: c.Spec.Height, FrameRate: c.Spec.FrameRate,
		DurationMS: c.Spec.DurationMS})
	if err != nil {
		h.t.Fatal(err)
	}
	if j.State != slate.JobSucceeded || j.TakeID == "" {
		h.t.Fatalf("finished job %+v, want succeeded with a take", j)
	}
	var takes slate.Page[*slate.Take]
	h.must(call{method: "GET", path: path("/api/v1/shots/%s/takes", ids.Shot), token: who.Token}, 200, &takes)
	for _, t := range takes.Items {
		if t.ID == j.TakeID {
			return t
		}
	}
	h.t.Fatalf("take %s not among the shot's takes %+v", j.TakeID, takes.Items)
	return nil
}

// claim claims as a worker serving engine would. On PostgreSQL a claim
// passes over an organisation's lane while another transaction holds it
// (tests running in parallel submit to the same organisation), and a worker
// would simply ask again, so this asks again until it has a job.
func (h *harness) claim(worker, engine string) *slate.Claim {
	h.t.Helper()
	var c *slate.Claim
	waitfor.Until(h.t, func() error {
		var err error
		if c, err = h.env.DB.Claim(context.Background(), slate.ClaimRequest{WorkerID: worker, Engines: []string{engine}}); err != nil {
			h.t.Fatal(err)
		}
		if c == nil {
			return fmt.Errorf("no %s job to claim", engine)
		}
		return nil
	})
	return c
}

// putMedia stores data under a new key below prefix in the media
// directory, as a worker's finished file, and returns the key.
func (h *harness) putMedia(prefix string, data []byte) string {
	h.t.Helper()
	key, err := media.NewKey(prefix, ".mp4")
	if err != nil {
		h.t.Fatal(err)
	}
	file, err := h.media.Path(key)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		h.t.Fatal(err)
	}
	return key
}

// queueState is what a refused submission must leave as it was: the
// balance and the organisation's jobs.
func (h *harness) queueState(who *person, orgID string) (slate.Credits, []*slate.Job) {
	h.t.Helper()
	var c slate.Credits
	h.must(call{method: "GET", path: path("/api/v1/orgs/%s/credits", orgID), token: who.Token}, 200, &c)
	var jobs slate.Page[*slate.Job]
	h.must(call{method: "GET", path: path("/api/v1/orgs/%s/jobs?limit=200", orgID), token: who.Token}, 200, &jobs)
	return c, jobs.Items
}

// addShot adds a shot of durationMS to ids.Scene.
func (h *harness) addShot(who *person, sceneID string, durationMS int64) *slate.Shot {
	h.t.Helper()
	var sh slate.Shot
	h.must(call{method: "POST", path: path("/api/v1/scenes/%s/shots", sceneID), token: who.Token,
		body: slate.ShotInput{Name: "Long", DurationMS: durationMS, Prompt: "the sea"}}, 201, &sh)
	return &sh
}

// TestSubmitRefusals: a submission that cannot go ahead answers the
// problem the spec names for it, with what it carries, and holds nothing.
func TestSubmitRefusals(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		var free slate.Org
		h.must(call{method: "POST", path: "/api/v1/orgs", token: owner.Token,
			body: slate.OrgInput{Name: "Tiny Films", Plan: "free"}}, 201, &free)
		ids := h.buildTree(owner, h.createProject(owner, free.ID).ID)
		// 4 s + 60 s of veo-3.1 at high: 8 × 4 × 64 = 2,048 credits of a
		// free plan's 800.
		h.addShot(owner, ids.Scene, 60_000)
		locked := h.buildTree(owner, h.createProject(owner, free.ID).ID)
		h.must(call{method: "POST", path: path("/api/v1/scenes/%s/lock", locked.Scene), token: owner.Token,
			body: slate.LockInput{Reason: "picture lock"}}, 200, nil)
		var quote slate.Quote
		h.must(call{method: "POST", path: path("/api/v1/projects/%s/estimates", ids.Project), token: owner.Token,
			body: slate.EstimateInput{Selection: slate.Selection{Shots: []string{ids.Shot}}, Tier: "draft"}}, 201, &quote)

		cases := []struct {
			name   string
			before func()
			req    call
			status int
			code   string
			check  func(t *testing.T, p problem)
		}{
			{name: "short of credits", req: call{method: "POST", path: path("/api/v1/projects/%s/batches", ids.Project),
				body: slate.BatchInput{Selection: &slate.Selection{All: true}, Engine: "veo-3.1", Tier: "high"}},
				status: 402, code: "insufficient_credits", check: func(t *testing.T, p problem) {
					if p.Shortfall != 2_048-800 {
						t.Errorf("shortfall %d, want %d", p.Shortfall, 2_048-800)
					}
					kinds := map[string]bool{}
					for _, r := range p.Remedies {
						kinds[r.Kind] = true
						if r.Kind == "tier" && r.Tier != "draft" {
							t.Errorf("tier remedy %+v, want draft: the one tier that fits", r)
						}
					}
					if !kinds["tier"] || !kinds["plan"] || kinds["pack"] {
						t.Errorf("remedies %+v, want a tier and a plan and no pack on the free plan", p.Remedies)
					}
				}},
			{name: "locked scene", req: call{method: "POST", path: path("/api/v1/projects/%s/batches", locked.Project),
				body: slate.BatchInput{Selection: &slate.Selection{All: true}}},
				status: 423, code: "locked", check: func(t *testing.T, p problem) {
					if p.Lock == nil || p.Lock.Reason != "picture lock" || p.Lock.Element.ID != locked.Scene || p.Lock.By != owner.User.ID {
						t.Errorf("lock %+v, want the scene's lock by the owner with its reason", p.Lock)
					}
				}},
			{name: "expired quote", before: func() { h.env.Clock.Advance(16 * time.Minute) },
				req:    call{method: "POST", path: path("/api/v1/projects/%s/batches", ids.Project), body: slate.BatchInput{QuoteID: quote.ID}},
				status: 410, code: "expired"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := h.with(t)
				if tc.before != nil {
					tc.before()
				}
				credits, jobs := h.queueState(owner, free.ID)
				c := tc.req
				c.token = owner.Token
				p := h.do(c).problem(t, tc.status, tc.code)
				if tc.check != nil {
					tc.check(t, p)
				}
				if c2, j2 := h.queueState(owner, free.ID); !reflect.DeepEqual(credits, c2) || len(j2) != len(jobs) {
					t.Errorf("a refused submission changed the balance %+v → %+v or the jobs %d → %d", credits, c2, len(jobs), len(j2))
				}
			})
		}
		// A quote still valid is honoured.
		h.must(call{method: "POST", path: path("/api/v1/projects/%s/estimates", ids.Project), token: owner.Token,
			body: slate.EstimateInput{Selection: slate.Selection{Shots: []string{ids.Shot}}, Tier: "draft"}}, 201, &quote)
		b := h.submit(owner, ids.Project, slate.BatchInput{QuoteID: quote.ID})
		if b.QuoteID != quote.ID || b.Estimate != quote.Total || b.Held != quote.Total || len(b.Items) != 1 {
			t.Errorf("batch from quote %+v = %+v, want its one job held at its total", quote, b)
		}
	})
}

// TestApproval: a member who may run AI but not spend submits work that
// waits, unheld, until a member who may spend approves it.
func TestApproval(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner, artist, producer := h.signup("owner"), h.signup("artist"), h.signup("producer")
		org := h.createOrg(owner)
		h.join(owner, org.ID, artist, slate.PermRunAI)
		h.join(owner, org.ID, producer, slate.PermUseCredits)
		ids := h.buildTree(owner, h.createProject(owner, org.ID).ID)
		h.addShot(owner, ids.Scene, 2_000)
		before, _ := h.queueState(owner, org.ID)

		b := h.submit(artist, ids.Project, slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: "draft"})
		if len(b.Items) != 2 || b.States[slate.JobAwaitingApproval] != 2 || b.Held != 0 || b.Estimate != 6 {
			t.Fatalf("artist's batch = %+v, want 2 jobs awaiting approval, nothing held, 6 estimated", b)
		}
		if c, _ := h.queueState(owner, org.ID); c.Held != before.Held || c.Available != before.Available {
			t.Errorf("waiting work held credits: %+v → %+v", before, c)
		}
		// The artist may not approve their own work.
		p := h.do(call{method: "POST", path: path("/api/v1/jobs/%s/approve", b.Items[0].ID), token: artist.Token}).problem(t, 403, "forbidden")
		if p.MissingPermission != "use_credits" {
			t.Errorf("missing_permission %q, want use_credits", p.MissingPermission)
		}

		var j slate.Job
		h.must(call{method: "POST", path: path("/api/v1/jobs/%s/approve", b.Items[0].ID), token: producer.Token}, 200, &j)
		if j.State != slate.JobQueued || j.CostHeld != j.Cost || j.Cost != 4 {
			t.Errorf("approved job = %+v, want queued and held at its cost", j)
		}
		var res slate.ActionResult
		h.must(call{method: "POST", path: path("/api/v1/batches/%s/approve", b.ID), token: producer.Token}, 200, &res)
		if len(res.Changed) != 1 || res.Skipped != 1 || res.Changed[0].State != slate.JobQueued {
			t.Errorf("batch approve = %+v, want the other job queued and the approved one skipped", res)
		}
		var got slate.Batch
		h.must(call{method: "GET", path: "/api/v1/batches/" + b.ID, token: artist.Token}, 200, &got)
		if got.States[slate.JobQueued] != 2 || got.Held != 6 {
			t.Errorf("batch after approval = %+v, want both jobs queued and 6 held", got)
		}
		if c, _ := h.queueState(owner, org.ID); c.Held != before.Held+6 || c.Available != before.Available-6 {
			t.Errorf("after approval credits %+v, want 6 more held than %+v", c, before)
		}
		var page slate.Page[*slate.Job]
		h.must(call{method: "GET", path: path("/api/v1/orgs/%s/jobs?state=queued&batch=%s", org.ID, b.ID), token: owner.Token}, 200, &page)
		if len(page.Items) != 2 {
			t.Errorf("queued jobs of the batch = %+v, want 2", page.Items)
		}
	})
}

// TestTakeMedia: a take's video downloads with its type, whole or by
// range; a take whose file is gone is 404.
func TestTakeMedia(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner, viewer := h.signup("owner"), h.signup("viewer")
		org := h.createOrg(owner)
		h.join(owner, org.ID, viewer)
		ids := h.buildTree(owner, h.createProject(owner, org.ID).ID)
		data := make([]byte, 1000)
		for i := range data {
			data[i] = byte(i * 7)
		}
		tk := h.take(owner, ids, data)
		if !tk.Selected || tk.MediaType != "video/mp4" || tk.Size != 1000 || tk.Width != 854 || tk.Height != 480 || tk.DurationMS != 4000 {
			t.Errorf("take = %+v, want the selected 854×480 4 s video/mp4 of 1,000 bytes", tk)
		}
		mediaPath := path("/api/v1/takes/%s/media", tk.ID)

		res := h.do(call{method: "GET", path: mediaPath, token: viewer.Token})
		if res.Status != 200 || res.Header.Get("Content-Type") != "video/mp4" || !bytes.Equal(res.Body, data) {
			t.Fatalf("download: %d %q, %d bytes; want 200 video/mp4 with the file", res.Status, res.Header.Get("Content-Type"), len(res.Body))
		}
		if res.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("Accept-Ranges %q, want bytes", res.Header.Get("Accept-Ranges"))
		}

		res = h.do(call{method: "GET", path: mediaPath, token: viewer.Token, header: map[string]string{"Range": "bytes=100-199"}})
		if res.Status != http.StatusPartialContent || !bytes.Equal(res.Body, data[100:200]) ||
			res.Header.Get("Content-Range") != "bytes 100-199/1000" || res.Header.Get("Content-Type") != "video/mp4" {
			t.Errorf("range: %d %v, %d bytes; want 206 with bytes 100-199", res.Status, res.Header, len(res.Body))
		}
		// A range past the end is refused as a problem, like any error.
		res = h.do(call{method: "GET", path: mediaPath, token: viewer.Token, header: map[string]string{"Range": "bytes=5000-"}})
		res.problem(t, http.StatusRequestedRangeNotSatisfiable, "invalid")
		if res.Header.Get("Content-Range") != "bytes */1000" {
			t.Errorf("416 Content-Range %q, want bytes */1000", res.Header.Get("Content-Range"))
		}

		var shot slate.Shot
		h.must(call{method: "GET", path: "/api/v1/shots/" + ids.Shot, token: viewer.Token}, 200, &shot)
		if shot.SelectedTakeID != tk.ID {
			t.Errorf("shot's selected take %q, want %s", shot.SelectedTakeID, tk.ID)
		}

		// The key is not part of the answer; the one file in the store is it.
		files, _ := filepath.Glob(filepath.Join(h.media.Root(), "takes", "*", "*.mp4"))
		if len(files) != 1 {
			t.Fatalf("media files %v, want one", files)
		}
		file := files[0]
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		h.do(call{method: "GET", path: mediaPath, token: viewer.Token}).problem(t, 404, "not_found")
	})
}

// TestSubmitReplay: a batch submitted again with its Idempotency-Key is
// the first batch, held once.
func TestSubmitReplay(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner)
		ids := h.buildTree(owner, h.createProject(owner, org.ID).ID)
		c := call{method: "POST", path: path("/api/v1/projects/%s/batches", ids.Project), token: owner.Token,
			body:   slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: "standard"},
			header: map[string]string{"Idempotency-Key": "render-lighthouse-1"}}
		first := h.do(c)
		if first.Status != 201 {
			t.Fatalf("submit: %d %s", first.Status, first.Body)
		}
		credits, jobs := h.queueState(owner, org.ID)
		again := h.do(c)
		if again.Status != 201 || !bytes.Equal(again.Body, first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay answered %d %s", again.Status, again.Body)
		}
		credits2, jobs2 := h.queueState(owner, org.ID)
		if !reflect.DeepEqual(credits, credits2) || len(jobs) != 1 || len(jobs2) != 1 {
			t.Errorf("replay changed credits %+v → %+v or jobs %d → %d; want one job", credits, credits2, len(jobs), len(jobs2))
		}
		if credits.Held != 8 {
			t.Errorf("held %d, want 8: 4 s at standard, once", credits.Held)
		}
		// The same key for another request is a conflict, not a replay.
		c.body = slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: "high"}
		h.do(c).problem(t, 409, "conflict")
	})
}
