package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"slate"
)

// pagedLists are the list operations that page: every list that grows with
// what members make. listPlans and listCreditPacks (the operator's
// catalogue) and resolveSelection (one project's tree) answer one page.
var pagedLists = []string{
	"listOrgs", "listProjects", "listMembers", "listInvitations", "listTakes", "listWebhooks",
	"listWebhookDeliveries", "listJobs", "listTransactions", "listAudit", "listExports",
}

// TestListsDocumentPaging: every operation answering a page takes cursor
// and limit, with the limits of slate.DefaultPageLimit and MaxPageLimit;
// the only pages without them are the documented single-page lists.
func TestListsDocumentPaging(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(newDocServer().Handler())
	defer ts.Close()
	res, err := http.Get(ts.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	type schema struct {
		Ref        string                     `json:"$ref"`
		Properties map[string]json.RawMessage `json:"properties"`
		Minimum    *float64                   `json:"minimum"`
		Maximum    *float64                   `json:"maximum"`
		Default    any                        `json:"default"`
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Parameters  []struct {
				Name   string `json:"name"`
				In     string `json:"in"`
				Schema schema `json:"schema"`
			} `json:"parameters"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema schema `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	single := map[string]bool{"listPlans": true, "listCreditPacks": true, "resolveSelection": true, "listEngines": true}
	var paged []string
	for p, ops := range doc.Paths {
		for m, op := range ops {
			body := op.Responses["200"].Content["application/json"].Schema
			if ref, ok := strings.CutPrefix(body.Ref, "#/components/schemas/"); ok {
				body = doc.Components.Schemas[ref]
			}
			_, items := body.Properties["items"]
			_, next := body.Properties["next_cursor"]
			if !items || !next {
				continue
			}
			name := fmt.Sprintf("%s %s (%s)", strings.ToUpper(m), p, op.OperationID)
			params := map[string]schema{}
			for _, pr := range op.Parameters {
				if pr.In == "query" {
					params[pr.Name] = pr.Schema
				}
			}
			cursor, hasCursor := params["cursor"]
			limit, hasLimit := params["limit"]
			if single[op.OperationID] {
				if hasCursor || hasLimit {
					t.Errorf("%s is one page but takes cursor or limit", name)
				}
				continue
			}
			paged = append(paged, op.OperationID)
			if !hasCursor || !hasLimit {
				t.Errorf("%s answers a page but does not take cursor and limit: %v", name, keys(params))
				continue
			}
			if cursor.Ref != "" || limit.Minimum == nil || *limit.Minimum != 1 || limit.Maximum == nil ||
				*limit.Maximum != slate.MaxPageLimit || fmt.Sprint(limit.Default) != strconv.Itoa(slate.DefaultPageLimit) {
				t.Errorf("%s limit is %+v; want 1..%d, default %d", name, limit, slate.MaxPageLimit, slate.DefaultPageLimit)
			}
		}
	}
	slices.Sort(paged)
	want := slices.Clone(pagedLists)
	slices.Sort(want)
	if !slices.Equal(paged, want) {
		t.Errorf("paged operations %v, want %v", paged, want)
	}
}

// listCase is one paged list: setup makes at least five of its items and
// returns the list's path.
type listCase struct {
	name  string
	key   string // the field naming an item: "id", or "user_id" for members
	setup func(h *harness, f *listFixture) string
}

// listFixture is an owner's org with a project of one shot.
type listFixture struct {
	owner *person
	org   *slate.Org
	ids   treeIDs
}

const listItems = 5

var listCases = []listCase{
	{"orgs", "id", func(h *harness, f *listFixture) string {
		for range listItems {
			h.createOrg(f.owner)
		}
		return "/api/v1/orgs"
	}},
	{"projects", "id", func(h *harness, f *listFixture) string {
		for range listItems {
			h.createProject(f.owner, f.org.ID)
		}
		return path("/api/v1/orgs/%s/projects", f.org.ID)
	}},
	{"members", "user_id", func(h *harness, f *listFixture) string {
		for range listItems {
			h.join(f.owner, f.org.ID, h.signup("member"))
		}
		return path("/api/v1/orgs/%s/members", f.org.ID)
	}},
	{"invitations", "id", func(h *harness, f *listFixture) string {
		for i := range listItems {
			h.must(call{method: "POST", path: path("/api/v1/orgs/%s/invitations", f.org.ID), token: f.owner.Token,
				body: slate.InvitationInput{Email: fmt.Sprintf("guest-%d-%d@example.test", i, seq.Add(1))}}, 201, nil)
		}
		return path("/api/v1/orgs/%s/invitations", f.org.ID)
	}},
	{"takes", "id", func(h *harness, f *listFixture) string {
		for i := range listItems {
			h.take(f.owner, f.ids, []byte("take "+strconv.Itoa(i)))
		}
		return path("/api/v1/shots/%s/takes", f.ids.Shot)
	}},
	{"webhooks", "id", func(h *harness, f *listFixture) string {
		for range listItems {
			h.must(call{method: "POST", path: path("/api/v1/orgs/%s/webhooks", f.org.ID), token: f.owner.Token,
				body: slate.WebhookInput{URL: "https://hooks.example.test/slate"}}, 201, nil)
		}
		return path("/api/v1/orgs/%s/webhooks", f.org.ID)
	}},
	{"deliveries", "id", func(h *harness, f *listFixture) string {
		var w slate.Webhook
		h.must(call{method: "POST", path: path("/api/v1/orgs/%s/webhooks", f.org.ID), token: f.owner.Token,
			body: slate.WebhookInput{URL: "https://hooks.example.test/slate", Kinds: []string{slate.EventLock}}}, 201, &w)
		for i := range listItems {
			h.lock(f.owner, "shots", f.ids.Shot, i%2 == 1)
		}
		if _, err := h.env.DB.EnqueueDeliveries(context.Background()); err != nil {
			h.t.Fatal(err)
		}
		return path("/api/v1/orgs/%s/webhooks/%s/deliveries", f.org.ID, w.ID)
	}},
	{"jobs", "id", func(h *harness, f *listFixture) string {
		for range listItems {
			h.submit(f.owner, f.ids.Project, slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: "draft"})
		}
		return path("/api/v1/orgs/%s/jobs", f.org.ID)
	}},
	{"transactions", "id", func(h *harness, f *listFixture) string {
		for range listItems {
			h.submit(f.owner, f.ids.Project, slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: "draft"})
		}
		return path("/api/v1/orgs/%s/credits/transactions", f.org.ID)
	}},
	{"audit", "id", func(h *harness, f *listFixture) string {
		for i := range listItems {
			h.lock(f.owner, "shots", f.ids.Shot, i%2 == 1)
		}
		return path("/api/v1/orgs/%s/audit", f.org.ID)
	}},
	{"exports", "id", func(h *harness, f *listFixture) string {
		h.take(f.owner, f.ids, []byte("a take"))
		for range listItems {
			h.export(f.owner, f.ids.Project, slate.ExportInput{Selection: slate.Selection{All: true}, Preset: slate.PresetWebM})
		}
		return path("/api/v1/projects/%s/exports", f.ids.Project)
	}},
}

// TestListsPage: every paged list, walked two at a time, lists what one
// full page lists, once each and in the same order; sizes outside
// 1..MaxPageLimit and cursors no list gave out are 400 invalid.
func TestListsPage(t *testing.T) {
	t.Parallel()
	if len(listCases) != len(pagedLists) {
		t.Fatalf("%d list cases for %d paged lists", len(listCases), len(pagedLists))
	}
	eachBackend(t, func(t *testing.T, h *harness) {
		for _, tc := range listCases {
			t.Run(tc.name, func(t *testing.T) {
				h := h.with(t)
				owner := h.signup("owner")
				org := h.createOrg(owner)
				f := &listFixture{owner: owner, org: org, ids: h.buildTree(owner, h.createProject(owner, org.ID).ID)}
				base := tc.setup(h, f)
				get := func(query string) *response {
					return h.do(call{method: "GET", path: base + "?" + query, token: owner.Token})
				}

				var whole page
				mustPage(t, get("limit="+strconv.Itoa(slate.MaxPageLimit)), &whole)
				if whole.NextCursor != "" || len(whole.Items) < listItems {
					t.Fatalf("a full page has %d items and cursor %q; want all of at least %d", len(whole.Items), whole.NextCursor, listItems)
				}
				want := whole.keys(t, tc.key)
				var got []string
				cursor := ""
				for pages := 1; ; pages++ {
					var p page
					mustPage(t, get("limit=2&cursor="+cursor), &p)
					if len(p.Items) > 2 || (p.NextCursor != "" && len(p.Items) != 2) {
						t.Fatalf("page %d has %d items, cursor %q", pages, len(p.Items), p.NextCursor)
					}
					got = append(got, p.keys(t, tc.key)...)
					if p.NextCursor == "" {
						break
					}
					if pages > len(want) {
						t.Fatal("paging does not end")
					}
					cursor = p.NextCursor
				}
				if !slices.Equal(got, want) {
					t.Errorf("pages of 2 list\n%v\nwant\n%v", got, want)
				}
				for _, bad := range []string{"limit=0", "limit=-1", "limit=" + strconv.Itoa(slate.MaxPageLimit+1), "limit=ten"} {
					get(bad).problem(t, 400, "invalid")
				}
				for _, bad := range []string{"bogus", "dDo", strings.Repeat("x", 201)} {
					p := get("cursor="+bad).problem(t, 400, "invalid")
					if len(bad) <= 200 && p.Field != "cursor" {
						t.Errorf("cursor %q: field %q, want cursor", bad, p.Field)
					}
				}
			})
		}
	}, unpaced)
}

// TestListDefaultPage: without a limit a list answers DefaultPageLimit
// items and a cursor to the rest.
func TestListDefaultPage(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner)
		for range slate.DefaultPageLimit + 1 {
			h.createProject(owner, org.ID)
		}
		var first, rest page
		mustPage(t, h.do(call{method: "GET", path: path("/api/v1/orgs/%s/projects", org.ID), token: owner.Token}), &first)
		if len(first.Items) != slate.DefaultPageLimit || first.NextCursor == "" {
			t.Fatalf("first page has %d items, cursor %q; want %d and a cursor", len(first.Items), first.NextCursor, slate.DefaultPageLimit)
		}
		mustPage(t, h.do(call{method: "GET", path: path("/api/v1/orgs/%s/projects?cursor=%s", org.ID, first.NextCursor),
			token: owner.Token}), &rest)
		if len(rest.Items) != 1 || rest.NextCursor != "" {
			t.Fatalf("second page has %d items, cursor %q; want the last one", len(rest.Items), rest.NextCursor)
		}
	})
}

// page is a list's answer with its items left as JSON objects.
type page struct {
	Items      []map[string]any `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

func mustPage(t *testing.T, r *response, p *page) {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	r.decode(t, p)
	if p.Items == nil {
		t.Fatalf("no items array in %s", r.Body)
	}
}

// keys are the items' key field, refusing repeats.
func (p *page) keys(t *testing.T, field string) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	for _, it := range p.Items {
		k, _ := it[field].(string)
		if k == "" || seen[k] {
			t.Fatalf("item without a unique %s: %v", field, it)
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}
