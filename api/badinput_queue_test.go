package api_test

import (
	"strings"
	"testing"

	"slate"
)

// queueFixture is the bad-input fixture with a batch of the owner's queued
// on its first project.
type queueFixture struct {
	*badFixture
	h     *harness
	batch *slate.Batch
	job   *slate.Job
}

// snapshot reads back everything a bad queue request might have written:
// the fixture's state, the queue and the batch.
func (f *queueFixture) snapshot(h *harness) string {
	var b strings.Builder
	b.WriteString(f.badFixture.snapshot(h))
	for _, p := range []string{
		"/api/v1/orgs/" + f.org.ID + "/jobs?limit=200",
		"/api/v1/batches/" + f.batch.ID,
		"/api/v1/shots/" + f.ids.Shot + "/takes",
		"/api/v1/projects/" + f.ids.Project + "/exports",
	} {
		b.WriteString("\nGET " + p + ": " + string(h.get(f.owner, p)))
	}
	return b.String()
}

// TestBadQueueInput: every malformed or impossible queue request is a 400
// problem naming what to fix, and changes nothing.
func TestBadQueueInput(t *testing.T) {
	t.Parallel()
	all := &slate.Selection{All: true}
	cases := []struct {
		name  string
		req   func(f *queueFixture) call
		field string // when the answer must name the field
	}{
		{"unknown job action", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/jobs/" + f.job.ID + "/explode"}
		}, ""},
		{"top is for one job, not a batch", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/batches/" + f.batch.ID + "/top"}
		}, ""},
		{"unknown batch action", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/batches/" + f.batch.ID + "/delete"}
		}, ""},
		{"unknown selection action", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/jobs/explode",
				body: map[string]any{"selection": all}}
		}, ""},
		{"priority over 100", func(f *queueFixture) call {
			return call{method: "PATCH", path: "/api/v1/jobs/" + f.job.ID, body: map[string]any{"priority": 101}}
		}, "priority"},
		{"negative priority", func(f *queueFixture) call {
			return call{method: "PATCH", path: "/api/v1/jobs/" + f.job.ID, body: map[string]any{"priority": -1}}
		}, "priority"},
		{"priority not a number", func(f *queueFixture) call {
			return call{method: "PATCH", path: "/api/v1/jobs/" + f.job.ID, body: `{"priority": "urgent"}`}
		}, "priority"},
		{"submit at priority 150", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/batches",
				body: map[string]any{"selection": all, "priority": 150}}
		}, "priority"},
		{"both quote and selection", func(f *queueFixture) call {
			var q slate.Quote
			h := f.h
			h.must(call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/estimates", token: f.owner.Token,
				body: slate.EstimateInput{Selection: *all}}, 201, &q)
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/batches",
				body: slate.BatchInput{QuoteID: q.ID, Selection: all}}
		}, "quote_id"},
		{"neither quote nor selection", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/batches", body: `{"tier": "draft"}`}
		}, "selection"},
		{"empty selection", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/batches",
				body: map[string]any{"selection": map[string]any{}}}
		}, "selection"},
		{"empty selection for an action", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/jobs/pause",
				body: map[string]any{"selection": map[string]any{}}}
		}, "selection"},
		{"action without a selection", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/jobs/pause", body: `{}`}
		}, "selection"},
		{"unknown engine", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/batches",
				body: slate.BatchInput{Selection: all, Engine: "sora"}}
		}, "engine"},
		{"unknown tier", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/batches",
				body: slate.BatchInput{Selection: all, Tier: "8k"}}
		}, "tier"},
		{"unknown field", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/batches",
				body: map[string]any{"selection": all, "urgent": true}}
		}, ""},
		{"unknown state filter", func(f *queueFixture) call {
			return call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/jobs?state=exploded"}
		}, "state"},
		{"malformed cursor", func(f *queueFixture) call {
			return call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/jobs?cursor=bogus"}
		}, "cursor"},
		{"another list's cursor", func(f *queueFixture) call {
			var page slate.Page[*slate.Transaction]
			f.h.must(call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/credits/transactions?limit=1",
				token: f.owner.Token}, 200, &page)
			if page.NextCursor == "" {
				f.h.t.Fatal("no transactions cursor to misuse")
			}
			return call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/jobs?cursor=" + page.NextCursor}
		}, "cursor"},
		{"export with an unknown preset", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/exports",
				body: slate.ExportInput{Selection: *all, Preset: "avi"}}
		}, "preset"},
		{"export without a preset", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/exports",
				body: map[string]any{"selection": all}}
		}, "preset"},
		{"export stretched", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/exports",
				body: map[string]any{"selection": all, "preset": "webm", "reframe": "stretch"}}
		}, ""},
		{"export of nothing", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/exports",
				body: map[string]any{"selection": map[string]any{}, "preset": "webm"}}
		}, "selection"},
		{"export with an unknown field", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/exports",
				body: map[string]any{"selection": all, "preset": "webm", "resolution": "8k"}}
		}, ""},
		{"export at priority 101", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/exports",
				body: map[string]any{"selection": all, "preset": "webm", "priority": 101}}
		}, "priority"},
		{"malformed exports cursor", func(f *queueFixture) call {
			return call{method: "GET", path: "/api/v1/projects/" + f.ids.Project + "/exports?cursor=bogus"}
		}, "cursor"},
		{"negative limit", func(f *queueFixture) call {
			return call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/jobs?limit=-1"}
		}, ""},
		{"submit with invalid UTF-8 in a selected tag", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/batches",
				body: "{\"selection\": {\"tags\": [\"ext\xe9rieur\"]}, \"tier\": \"draft\"}"}
		}, "selection.tags[0]"},
		{"submit with a duplicate key", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/batches",
				body: `{"selection": {"all": true}, "tier": "draft", "tier": "final"}`}
		}, "tier"},
		{"priority given twice", func(f *queueFixture) call {
			return call{method: "PATCH", path: "/api/v1/jobs/" + f.job.ID, body: `{"priority": 10, "priority": 90}`}
		}, "priority"},
		{"action on a job id that is not UTF-8", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/jobs/job_%E9t%E9/pause"}
		}, "job"},
		{"export with invalid UTF-8 in its preset", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/exports",
				body: "{\"selection\": {\"all\": true}, \"preset\": \"web\xff\"}"}
		}, "preset"},
		{"selection action with a duplicate key", func(f *queueFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/jobs/pause",
				body: `{"selection": {"shots": ["a"], "shots": ["b"]}}`}
		}, "selection.shots"},
	}
	eachBackend(t, func(t *testing.T, h *harness) {
		f := &queueFixture{badFixture: setupBad(h)}
		f.batch = h.submit(f.owner, f.ids.Project, slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: "draft"})
		f.job = f.batch.Items[0]
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := h.with(t)
				f := *f
				f.h = h
				c := tc.req(&f)
				before := f.snapshot(h)
				c.token = f.owner.Token
				p := h.do(c).problem(t, 400, "invalid")
				if tc.field != "" && p.Field != tc.field {
					t.Errorf("field %q, want %q: %s", p.Field, tc.field, p.Detail)
				}
				unchanged(t, before, f.snapshot(h))
			})
		}
	})
}
