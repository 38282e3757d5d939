package api_test

import (
	"net/http"
	"strings"
	"testing"

	"slate"
	"slate/store/storetest"
)

// badFixture is an owner with two projects: one with an act holding a scene
// with two shots, and another with a scene of its own.
type badFixture struct {
	owner  *person
	member *person
	org    *slate.Org
	ids    treeIDs
	shot2  string
	other  treeIDs
	// small is an org of the owner's on a plan that sells no packs.
	small *slate.Org
}

func setupBad(h *harness) *badFixture {
	f := &badFixture{owner: h.signup("owner"), member: h.signup("editor")}
	f.org = h.createOrg(f.owner)
	f.ids = h.buildTree(f.owner, h.createProject(f.owner, f.org.ID).ID)
	var sh slate.Shot
	h.must(call{method: "POST", path: "/api/v1/scenes/" + f.ids.Scene + "/shots", token: f.owner.Token,
		body: slate.ShotInput{Name: "Close", DurationMS: 2000}}, http.StatusCreated, &sh)
	f.shot2 = sh.ID
	f.other = h.buildTree(f.owner, h.createProject(f.owner, f.org.ID).ID)
	h.join(f.owner, f.org.ID, f.member, slate.PermModify)
	f.small = &slate.Org{}
	h.must(call{method: "POST", path: "/api/v1/orgs", token: f.owner.Token,
		body: slate.OrgInput{Name: "Small Films", Plan: "standard"}}, http.StatusCreated, f.small)
	return f
}

// snapshot reads back everything a bad request might have written: what
// the API shows, and every row of every table of the database.
func (f *badFixture) snapshot(h *harness) string {
	var b strings.Builder
	b.WriteString(storetest.Dump(h.t, h.env))
	for _, p := range []string{
		"/api/v1/orgs",
		"/api/v1/orgs/" + f.org.ID + "/members",
		"/api/v1/orgs/" + f.org.ID + "/invitations",
		"/api/v1/orgs/" + f.org.ID + "/projects",
		"/api/v1/projects/" + f.ids.Project + "/tree",
		"/api/v1/projects/" + f.other.Project + "/tree",
		"/api/v1/orgs/" + f.org.ID + "/credits",
		"/api/v1/orgs/" + f.org.ID + "/credits/transactions",
		"/api/v1/orgs/" + f.org.ID + "/budget",
		"/api/v1/projects/" + f.ids.Project + "/budget",
		"/api/v1/orgs/" + f.small.ID + "/credits",
		"/api/v1/orgs/" + f.small.ID + "/credits/transactions",
	} {
		b.WriteString("\nGET " + p + ": " + string(h.get(f.owner, p)))
	}
	return b.String()
}

// get answers the body of a GET that must succeed.
func (h *harness) get(p *person, path string) []byte {
	h.t.Helper()
	r := h.do(call{method: "GET", path: path, token: p.Token})
	if r.Status != 200 {
		h.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return r.Body
}

// unchanged fails t, listing the lines that differ, unless a snapshot taken
// after a refused request is the one taken before it.
func unchanged(t *testing.T, before, after string) {
	t.Helper()
	if before == after {
		return
	}
	was := map[string]bool{}
	for _, l := range strings.Split(before, "\n") {
		was[l] = true
	}
	is := map[string]bool{}
	var diff []string
	for _, l := range strings.Split(after, "\n") {
		is[l] = true
		if !was[l] {
			diff = append(diff, "+ "+l)
		}
	}
	for _, l := range strings.Split(before, "\n") {
		if !is[l] {
			diff = append(diff, "- "+l)
		}
	}
	t.Errorf("a refused request changed state:\n%s", strings.Join(diff, "\n"))
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", slate.MaxTextLen+1)
	cases := []struct {
		name   string
		req    func(f *badFixture) call
		status int
		code   string
		field  string // when the answer must name the field
	}{
		{"malformed JSON", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts", body: `{"name": "Act Two"`}
		}, 400, "invalid", ""},
		{"not an object", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts", body: `["Act Two"]`}
		}, 400, "invalid", ""},
		{"empty body", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts", body: ``}
		}, 400, "invalid", ""},
		{"unknown field", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts", body: `{"name": "Act Two", "colour": "red"}`}
		}, 400, "invalid", ""},
		{"missing required field", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/scenes/" + f.ids.Scene + "/shots", body: `{"duration_ms": 3000}`}
		}, 400, "invalid", "name"},
		{"wrong type", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/scenes/" + f.ids.Scene + "/shots", body: `{"name": "Tilt", "duration_ms": "long"}`}
		}, 400, "invalid", "duration_ms"},
		{"duration too short", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/scenes/" + f.ids.Scene + "/shots", body: slate.ShotInput{Name: "Blink", DurationMS: 999}}
		}, 400, "invalid", "duration_ms"},
		{"duration too long", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/shots/" + f.ids.Shot, body: map[string]any{"duration_ms": 60_001}}
		}, 400, "invalid", "duration_ms"},
		{"prompt of 4001 characters", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/shots/" + f.ids.Shot, body: map[string]any{"prompt": long}}
		}, 400, "invalid", "prompt"},
		{"name over schema limit", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/acts/" + f.ids.Act, body: map[string]any{"name": strings.Repeat("n", 201)}}
		}, 400, "invalid", "name"},
		{"unknown plan", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/orgs", body: slate.OrgInput{Name: "Lunar", Plan: "platinum"}}
		}, 400, "invalid", "plan"},
		{"unknown format", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/projects/" + f.ids.Project, body: map[string]any{"format": "opera"}}
		}, 400, "invalid", "format"},
		{"duplicate ids in reorder", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/scenes/" + f.ids.Scene + "/order", body: slate.Reorder{IDs: []string{f.ids.Shot, f.ids.Shot}}}
		}, 400, "invalid", "ids"},
		{"reorder missing a child", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/scenes/" + f.ids.Scene + "/order", body: slate.Reorder{IDs: []string{f.shot2}}}
		}, 400, "invalid", "ids"},
		{"move shot into another project", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/shots/" + f.ids.Shot, body: map[string]any{"scene_id": f.other.Scene}}
		}, 400, "invalid", "scene_id"},
		{"position out of range", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/shots/" + f.ids.Shot, body: map[string]any{"position": 9}}
		}, 400, "invalid", "position"},
		{"unknown permission in patch", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/orgs/" + f.org.ID + "/members/" + f.member.User.ID,
				body: map[string]any{"permissions": []string{"read", "admin"}}}
		}, 400, "invalid", "permissions"},
		{"unknown permission in invitation", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/orgs/" + f.org.ID + "/invitations",
				body: map[string]any{"email": "guest@example.test", "permissions": []string{"superuser"}}}
		}, 400, "invalid", "permissions"},
		{"bad review status", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/shots/" + f.ids.Shot + "/review", body: map[string]any{"status": "great"}}
		}, 400, "invalid", "status"},
		{"approve without a take", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/shots/" + f.ids.Shot + "/review", body: map[string]any{"status": "approved"}}
		}, 0, "", ""},
		{"empty selection", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/bulk", body: map[string]any{"selection": map[string]any{}, "action": "tag", "tag": "x"}}
		}, 400, "invalid", "selection"},
		{"negative project budget", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/projects/" + f.ids.Project + "/budget", body: map[string]any{"budget": -5}}
		}, 400, "invalid", "budget"},
		{"project budget not a number", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/projects/" + f.ids.Project + "/budget", body: `{"budget": "lots"}`}
		}, 400, "invalid", "budget"},
		{"negative spend cap", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/orgs/" + f.org.ID + "/budget",
				body: map[string]any{"alert_percent_used": []int{}, "alert_available_below": []int{}, "monthly_spend_cap": -1}}
		}, 400, "invalid", "monthly_spend_cap"},
		{"alert over 100 percent", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/orgs/" + f.org.ID + "/budget",
				body: map[string]any{"alert_percent_used": []int{50, 120}, "alert_available_below": []int{}}}
		}, 400, "invalid", "alert_percent_used"},
		{"limit for a stranger", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/orgs/" + f.org.ID + "/budget",
				body: map[string]any{"alert_percent_used": []int{}, "alert_available_below": []int{}, "member_limits": map[string]int{"usr_nobody": 10}}}
		}, 400, "invalid", "member_limits"},
		{"unknown pack", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/orgs/" + f.org.ID + "/credits/purchases", body: slate.PurchaseInput{Pack: "pack-1m"}}
		}, 400, "invalid", "pack"},
		{"pack on a plan without packs", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/orgs/" + f.small.ID + "/credits/purchases", body: slate.PurchaseInput{Pack: "pack-5k"}}
		}, 403, "plan_limit", ""},
		{"unknown plan change", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/orgs/" + f.org.ID + "/plan", body: map[string]any{"plan": "platinum"}}
		}, 400, "invalid", "plan"},
		{"unknown engine in estimate", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/estimates",
				body: slate.EstimateInput{Selection: slate.Selection{All: true}, Engine: "sora"}}
		}, 400, "invalid", "engine"},
		{"unknown tier in estimate", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/estimates",
				body: slate.EstimateInput{Selection: slate.Selection{All: true}, Tier: "8k"}}
		}, 400, "invalid", "tier"},
		{"4k on a plan without it", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/estimates",
				body: slate.EstimateInput{Selection: slate.Selection{All: true}, Tier: "4k"}}
		}, 403, "plan_limit", ""},
		{"estimate of nothing", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/estimates",
				body: map[string]any{"selection": map[string]any{}}}
		}, 400, "invalid", "selection"},
		{"unknown transaction kind", func(f *badFixture) call {
			return call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/credits/transactions?kind=refund"}
		}, 400, "invalid", "kind"},
		{"malformed transactions cursor", func(f *badFixture) call {
			return call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/credits/transactions?cursor=bogus"}
		}, 400, "invalid", "cursor"},
		{"transactions from after to", func(f *badFixture) call {
			return call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/credits/transactions?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z"}
		}, 400, "invalid", "to"},
		{"transactions from not a time", func(f *badFixture) call {
			return call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/credits/transactions?from=yesterday"}
		}, 400, "invalid", ""},
		{"body over the limit", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts",
				body: `{"name": "Big", "description": "` + strings.Repeat("d", 1<<20) + `"}`}
		}, 413, "too_large", ""},
		{"over-long idempotency key", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts", body: slate.ActInput{Name: "Act Two"},
				header: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}}
		}, 400, "invalid", ""},
		{"malformed authorization", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts", body: slate.ActInput{Name: "Act Two"},
				header: map[string]string{"Authorization": "Basic b3duZXI6cHc="}}
		}, 401, "unauthenticated", ""},
	}
	eachBackend(t, func(t *testing.T, h *harness) {
		f := setupBad(h)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := h.with(t)
				before := f.snapshot(h)
				c := tc.req(f)
				c.token = f.owner.Token
				res := h.do(c)
				if tc.status == 0 {
					// Refused by a rule, whatever its code: a 4xx problem.
					if res.Status < 400 || res.Status >= 500 {
						t.Fatalf("status %d, want a 4xx: %s", res.Status, res.Body)
					}
					res.problem(t, res.Status, codeFor(res.Status))
				} else {
					p := res.problem(t, tc.status, tc.code)
					if tc.field != "" && p.Field != tc.field {
						t.Errorf("field %q, want %q: %s", p.Field, tc.field, res.Body)
					}
				}
				unchanged(t, before, f.snapshot(h))
			})
		}
	})
}

// TestValidationKeepsErrors: schema violations keep huma's per-field list.
func TestValidationKeepsErrors(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		f := setupBad(h)
		res := h.do(call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts", token: f.owner.Token,
			body: `{"name": "Act", "colour": "red", "mood": "grim"}`})
		p := res.problem(t, 400, "invalid")
		if len(p.Errors) != 2 {
			t.Fatalf("errors %+v, want one per unknown field", p.Errors)
		}
		for _, e := range p.Errors {
			if !strings.HasPrefix(e.Location, "body") || e.Message == "" {
				t.Errorf("error detail %+v lacks location or message", e)
			}
		}
	})
}
