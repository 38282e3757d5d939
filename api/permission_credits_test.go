package api_test

import (
	"slate"
	"slate/api"
)

// creditOperations are the matrix rows of credits, plans, budgets and
// estimates.
var creditOperations = []operation{
	// The catalog needs only a signed-in user.
	{"listPlans", needUser, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/plans"}
	}},
	{"listCreditPacks", needUser, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/credit-packs"}
	}},
	{"getPriceBook", needUser, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/price-book"}
	}},
	{"listEngines", needUser, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/engines"}
	}},
	{"checkEngine", needUser, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: "/api/v1/engines/preview/check"}
	}},
	{"getMargin", slate.PermBilling, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/credits/margin?from=2026-01&to=2026-12", m.org.ID)}
	}},
	{"getCredits", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/credits", m.org.ID)}
	}},
	{"listTransactions", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/credits/transactions?kind=allocation&from=2026-01-01T00:00:00Z&limit=5", m.org.ID)}
	}},
	{"getForecast", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/credits/forecast", m.org.ID)}
	}},
	// The fixture org is on business, which sells packs.
	{"buyCredits", slate.PermBilling, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/orgs/%s/credits/purchases", m.org.ID), body: slate.PurchaseInput{Pack: "pack-5k"}}
	}},
	{"setPlan", slate.PermBilling, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PUT", path: path("/api/v1/orgs/%s/plan", m.freshOrg(h, as)), body: api.PlanChoice{Plan: "enterprise"}}
	}},
	{"cancelPlan", slate.PermBilling, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "DELETE", path: path("/api/v1/orgs/%s/plan", m.freshOrg(h, as))}
	}},
	{"getBudget", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/budget", m.org.ID)}
	}},
	{"setBudget", slate.PermBilling, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PUT", path: path("/api/v1/orgs/%s/budget", m.freshOrg(h, as)),
			body: slate.Budget{AlertPercentUsed: []int64{50, 80}, AlertAvailableBelow: []int64{}}}
	}},
	{"getProjectBudget", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/projects/%s/budget", m.shared.Project)}
	}},
	{"setProjectBudget", slate.PermBilling, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PUT", path: path("/api/v1/projects/%s/budget", m.freshTree(h).Project), body: map[string]any{"budget": 1000}}
	}},
	{"createEstimate", slate.PermRunAI, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/projects/%s/estimates", m.shared.Project),
			body: slate.EstimateInput{Selection: slate.Selection{All: true}}}
	}},
	{"getQuote", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		var q slate.Quote
		h.must(call{method: "POST", path: path("/api/v1/projects/%s/estimates", m.shared.Project), token: m.founder.Token,
			body: slate.EstimateInput{Selection: slate.Selection{All: true}, Tier: "high"}}, 201, &q)
		return call{method: "GET", path: "/api/v1/quotes/" + q.ID}
	}},
}

// freshOrg makes a new business org of the founder's for operations that
// change an org's plan or budget, so they cannot disturb the rows that read
// the shared one. The caller joins it with the one permission they hold in
// the matrix; the outsider and the anonymous caller do not.
func (m *matrix) freshOrg(h *harness, as *person) string {
	o := h.createOrg(m.founder)
	for p, u := range m.members {
		if u == as {
			h.join(m.founder, o.ID, u, p)
		}
	}
	return o.ID
}
