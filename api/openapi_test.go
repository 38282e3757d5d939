package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"slate/api"
)

// newDocServer is a server without services: enough to build the document.
func newDocServer() *api.Server {
	return &api.Server{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// TestOpenAPIDocument: the served document parses, lists every path the API
// serves, declares the bearer scheme and documents problem responses.
// TestOpenAPILintRules holds it to the linter's rules.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	srv := newDocServer()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	res, err := http.Get(ts.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			OperationID string                `json:"operationId"`
			Security    []map[string][]string `json:"security"`
			Responses   map[string]struct {
				Content map[string]json.RawMessage `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			SecuritySchemes map[string]struct {
				Type, Scheme string
			} `json:"securitySchemes"`
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatalf("document does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("bearer scheme %+v", s)
	}
	if _, ok := doc.Components.Schemas["Problem"]; !ok {
		t.Errorf("no Problem schema in %v", keys(doc.Components.Schemas))
	}

	want := []string{
		"GET /healthz",
		"POST /api/v1/auth/signup", "POST /api/v1/auth/login", "POST /api/v1/auth/logout",
		"POST /api/v1/tokens", "GET /api/v1/me",
		"POST /api/v1/orgs", "GET /api/v1/orgs", "GET /api/v1/orgs/{org}", "GET /api/v1/orgs/{org}/audit",
		"GET /api/v1/orgs/{org}/members", "PATCH /api/v1/orgs/{org}/members/{user}", "DELETE /api/v1/orgs/{org}/members/{user}",
		"POST /api/v1/orgs/{org}/invitations", "GET /api/v1/orgs/{org}/invitations", "POST /api/v1/invitations/{token}/accept",
		"POST /api/v1/orgs/{org}/projects", "GET /api/v1/orgs/{org}/projects",
		"GET /api/v1/projects/{project}", "PATCH /api/v1/projects/{project}", "DELETE /api/v1/projects/{project}",
		"GET /api/v1/projects/{project}/tree", "PUT /api/v1/projects/{project}/access",
		"POST /api/v1/projects/{project}/acts", "PATCH /api/v1/acts/{act}", "DELETE /api/v1/acts/{act}",
		"POST /api/v1/acts/{act}/scenes", "PATCH /api/v1/scenes/{scene}", "DELETE /api/v1/scenes/{scene}",
		"POST /api/v1/scenes/{scene}/shots", "GET /api/v1/shots/{shot}", "PATCH /api/v1/shots/{shot}", "DELETE /api/v1/shots/{shot}",
		"PUT /api/v1/projects/{project}/order", "PUT /api/v1/acts/{act}/order", "PUT /api/v1/scenes/{scene}/order",
		"PUT /api/v1/scenes/{scene}/tags", "PUT /api/v1/shots/{shot}/tags",
		"POST /api/v1/acts/{id}/lock", "DELETE /api/v1/acts/{id}/lock",
		"POST /api/v1/scenes/{id}/lock", "DELETE /api/v1/scenes/{id}/lock",
		"POST /api/v1/shots/{id}/lock", "DELETE /api/v1/shots/{id}/lock",
		"POST /api/v1/shots/{shot}/review", "POST /api/v1/projects/{project}/bulk", "POST /api/v1/projects/{project}/selection",
		"GET /api/v1/plans", "GET /api/v1/credit-packs", "GET /api/v1/price-book",
		"GET /api/v1/engines", "POST /api/v1/engines/{engine}/check", "GET /api/v1/orgs/{org}/credits/margin",
		"GET /api/v1/orgs/{org}/credits", "GET /api/v1/orgs/{org}/credits/transactions", "GET /api/v1/orgs/{org}/credits/forecast",
		"POST /api/v1/orgs/{org}/credits/purchases", "PUT /api/v1/orgs/{org}/plan", "DELETE /api/v1/orgs/{org}/plan",
		"GET /api/v1/orgs/{org}/budget", "PUT /api/v1/orgs/{org}/budget",
		"GET /api/v1/projects/{project}/budget", "PUT /api/v1/projects/{project}/budget",
		"POST /api/v1/projects/{project}/estimates", "GET /api/v1/quotes/{quote}",
		"GET /api/v1/orgs/{org}/events",
		"POST /api/v1/orgs/{org}/webhooks", "GET /api/v1/orgs/{org}/webhooks", "DELETE /api/v1/orgs/{org}/webhooks/{webhook}",
		"GET /api/v1/orgs/{org}/webhooks/{webhook}/deliveries",
		"POST /api/v1/projects/{project}/batches", "GET /api/v1/orgs/{org}/jobs", "GET /api/v1/jobs/{job}",
		"PATCH /api/v1/jobs/{job}", "POST /api/v1/jobs/{job}/{action}", "GET /api/v1/batches/{batch}",
		"POST /api/v1/batches/{batch}/{action}", "POST /api/v1/projects/{project}/jobs/{action}",
		"GET /api/v1/shots/{shot}/takes", "POST /api/v1/takes/{take}/select", "GET /api/v1/takes/{take}/media",
		"POST /api/v1/projects/{project}/exports", "GET /api/v1/projects/{project}/exports", "GET /api/v1/exports/{export}",
		"GET /api/v1/exports/{export}/file", "GET /api/v1/exports/{export}/edl",
	}
	listed := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			listed[strings.ToUpper(m)+" "+p] = true
		}
	}
	for _, w := range want {
		if !listed[w] {
			t.Errorf("document lacks %s", w)
		}
	}
	if len(listed) != len(want) {
		t.Errorf("document lists %d operations, want %d", len(listed), len(want))
	}

	public := map[string]bool{"healthz": true, "signup": true, "login": true}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			name := strings.ToUpper(m) + " " + p
			if op.OperationID == "" {
				t.Errorf("%s has no operation id", name)
			}
			if !public[op.OperationID] && op.Security != nil {
				t.Errorf("%s declares security %v of its own; the document's global requirement applies", name, op.Security)
			}
			if _, ok := op.Responses["422"]; ok {
				t.Errorf("%s documents 422; the API answers 400", name)
			}
			for _, code := range []string{"400", "500"} {
				r, ok := op.Responses[code]
				if !ok {
					t.Errorf("%s does not document %s", name, code)
					continue
				}
				if _, ok := r.Content["application/problem+json"]; !ok {
					t.Errorf("%s %s is not application/problem+json: %v", name, code, keys(r.Content))
				}
			}
			if !public[op.OperationID] {
				if _, ok := op.Responses["401"]; !ok {
					t.Errorf("%s does not document 401", name)
				}
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestOpenAPIMethod: the Go value and the served document are one.
func TestOpenAPIMethod(t *testing.T) {
	t.Parallel()
	doc := newDocServer().OpenAPI()
	if doc.Paths["/api/v1/projects/{project}/tree"] == nil || doc.Paths["/api/v1/projects/{project}/tree"].Get == nil {
		t.Fatal("OpenAPI() lacks the tree operation")
	}
}
