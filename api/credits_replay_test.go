package api_test

import (
	"reflect"
	"testing"

	"slate"
)

// Replaying any mutating credits request with its Idempotency-Key answers
// the first answer again and never changes the balance or the ledger twice.
func TestCreditsReplaysChangeNothing(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner) // business: sells packs
		p := h.createProject(owner, org.ID)
		h.buildTree(owner, p.ID) // shots to estimate
		state := func() (slate.Credits, int) {
			t.Helper()
			var c slate.Credits
			h.must(call{method: "GET", path: "/api/v1/orgs/" + org.ID + "/credits", token: owner.Token}, 200, &c)
			var page slate.Page[*slate.Transaction]
			h.must(call{method: "GET", path: "/api/v1/orgs/" + org.ID + "/credits/transactions?limit=200", token: owner.Token}, 200, &page)
			return c, len(page.Items)
		}
		requests := []struct {
			name   string
			method string
			path   string
			body   any
			status int
		}{
			{"buy a pack", "POST", "/api/v1/orgs/" + org.ID + "/credits/purchases", slate.PurchaseInput{Pack: "pack-5k"}, 201},
			{"upgrade", "PUT", "/api/v1/orgs/" + org.ID + "/plan", map[string]string{"plan": "enterprise"}, 200},
			{"downgrade", "PUT", "/api/v1/orgs/" + org.ID + "/plan", map[string]string{"plan": "standard"}, 200},
			{"cancel", "DELETE", "/api/v1/orgs/" + org.ID + "/plan", nil, 200},
			{"budget", "PUT", "/api/v1/orgs/" + org.ID + "/budget", slate.Budget{AlertPercentUsed: []int64{50}}, 200},
			{"project budget", "PUT", "/api/v1/projects/" + p.ID + "/budget", map[string]any{"budget": 5000}, 200},
			{"estimate", "POST", "/api/v1/projects/" + p.ID + "/estimates", slate.EstimateInput{Selection: slate.Selection{All: true}}, 201},
		}
		for _, r := range requests {
			c := call{method: r.method, path: r.path, token: owner.Token, body: r.body,
				header: map[string]string{"Idempotency-Key": "replay-" + r.name}}
			first := h.do(c)
			if first.Status != r.status {
				t.Fatalf("%s: %d %s", r.name, first.Status, first.Body)
			}
			before, n := state()
			again := h.do(c)
			after, m := state()
			if again.Status != first.Status || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("%s: replay answered %d %s", r.name, again.Status, again.Body)
			}
			if !reflect.DeepEqual(before, after) || n != m {
				t.Errorf("%s: replay changed the balance %+v → %+v or the ledger %d → %d entries", r.name, before, after, n, m)
			}
		}
		c, _ := state()
		if c.Purchased != 5_000 || c.Plan != "enterprise" || !c.CancelAtPeriodEnd {
			t.Fatalf("credits after the requests = %+v", c)
		}
	})
}
