package api_test

import (
	"slate"
)

// eventOperations are the matrix rows of the live feed and webhooks.
var eventOperations = []operation{
	// follow=false ends the stream once the stored events are sent, so the
	// row finishes like any other request.
	{"streamEvents", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/events?follow=false", m.org.ID)}
	}},
	{"createWebhook", slate.PermBilling, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/orgs/%s/webhooks", m.freshOrg(h, as)),
			body: slate.WebhookInput{URL: "https://hooks.example.test/slate", Kinds: []string{"job"}}}
	}},
	{"listWebhooks", slate.PermBilling, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/webhooks", m.org.ID)}
	}},
	{"deleteWebhook", slate.PermBilling, 204, func(h *harness, m *matrix, as *person) call {
		w := m.webhook(h)
		return call{method: "DELETE", path: path("/api/v1/orgs/%s/webhooks/%s", m.org.ID, w.ID)}
	}},
	{"listWebhookDeliveries", slate.PermBilling, 200, func(h *harness, m *matrix, as *person) call {
		w := m.webhook(h)
		return call{method: "GET", path: path("/api/v1/orgs/%s/webhooks/%s/deliveries?limit=5", m.org.ID, w.ID)}
	}},
}

// webhook is a fresh webhook of the shared org, made by its founder.
func (m *matrix) webhook(h *harness) *slate.Webhook {
	var w slate.Webhook
	h.must(call{method: "POST", path: path("/api/v1/orgs/%s/webhooks", m.org.ID), token: m.founder.Token,
		body: slate.WebhookInput{URL: "https://hooks.example.test/slate"}}, 201, &w)
	return &w
}
