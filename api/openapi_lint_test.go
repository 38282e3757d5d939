package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// lintDoc is what the linter's rules look at in an OpenAPI document.
type lintDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title, Version, Description string
		License                     *struct{ Name, URL, Identifier string }
	} `json:"info"`
	Servers []struct {
		URL string `json:"url"`
	} `json:"servers"`
	Security []map[string][]string `json:"security"`
	Tags     []struct {
		Name, Description string
	} `json:"tags"`
	Paths map[string]map[string]struct {
		OperationID string   `json:"operationId"`
		Summary     string   `json:"summary"`
		Description string   `json:"description"`
		Tags        []string `json:"tags"`
		// A pointer tells "security": [] (public) from no security
		// (the global requirement applies).
		Security  *[]map[string][]string `json:"security"`
		Responses map[string]json.RawMessage
	} `json:"paths"`
	Components struct {
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

// TestOpenAPILintRules: both served documents, OpenAPI 3.1 and huma's 3.0
// downgrade, meet the rules `redocly lint` recommends (scripts/lint-openapi
// runs the linter itself): servers, a licence, a security requirement for
// every operation, tags that are declared and described, a summary and a
// description and a unique id for every operation, a 4xx response for each.
// And the document's idea of public is the server's: an operation with
// `security: []` answers without credentials, every other one answers 401.
func TestOpenAPILintRules(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(newDocServer().Handler())
	t.Cleanup(ts.Close)
	for _, name := range []string{"openapi.json", "openapi-3.0.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, err := http.Get(ts.URL + "/api/v1/" + name)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var doc lintDoc
			if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
				t.Fatal(err)
			}
			lintDocument(t, &doc)
			lintOperations(t, ts.URL, &doc)
		})
	}
}

func lintDocument(t *testing.T, doc *lintDoc) {
	t.Helper()
	if doc.Info.Title == "" || doc.Info.Version == "" || doc.Info.Description == "" {
		t.Errorf("info %+v lacks a title, version or description", doc.Info)
	}
	if doc.Info.License == nil || doc.Info.License.Name == "" {
		t.Errorf("info has no licence: %+v", doc.Info.License)
	}
	if len(doc.Servers) == 0 || doc.Servers[0].URL == "" {
		t.Errorf("servers %+v", doc.Servers)
	}
	want := []map[string][]string{{"bearer": {}}, {"session": {}}}
	if len(doc.Security) != len(want) {
		t.Errorf("global security %v, want bearer or session", doc.Security)
	}
	for _, req := range doc.Security {
		for scheme := range req {
			if _, ok := doc.Components.SecuritySchemes[scheme]; !ok {
				t.Errorf("security names scheme %q, which components do not define", scheme)
			}
		}
	}
	for _, tag := range doc.Tags {
		if tag.Description == "" {
			t.Errorf("tag %q has no description", tag.Name)
		}
	}
}

// pathParam matches a path template's parameters.
var pathParam = regexp.MustCompile(`\{[^}]+\}`)

func lintOperations(t *testing.T, base string, doc *lintDoc) {
	t.Helper()
	declared := map[string]bool{}
	for _, tag := range doc.Tags {
		declared[tag.Name] = true
	}
	ids := map[string]string{}
	var public []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			name := strings.ToUpper(method) + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", name)
			} else if other, ok := ids[op.OperationID]; ok {
				t.Errorf("%s and %s share the operationId %q", name, other, op.OperationID)
			}
			ids[op.OperationID] = name
			if op.Summary == "" || op.Description == "" {
				t.Errorf("%s (%s) lacks a summary or a description", name, op.OperationID)
			}
			if len(op.Tags) == 0 {
				t.Errorf("%s has no tag", name)
			}
			for _, tag := range op.Tags {
				if !declared[tag] {
					t.Errorf("%s has tag %q, which the document does not declare", name, tag)
				}
			}
			has4xx := false
			for code := range op.Responses {
				has4xx = has4xx || strings.HasPrefix(code, "4")
			}
			if !has4xx {
				t.Errorf("%s documents no 4xx response", name)
			}

			// Ask without credentials: the server must agree with the
			// document on whether the operation is public.
			req, err := http.NewRequest(strings.ToUpper(method), base+pathParam.ReplaceAllString(path, "x"), strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			switch {
			case op.Security == nil:
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s needs credentials by the document, but answered %d without", name, res.StatusCode)
				}
			case len(*op.Security) == 0:
				public = append(public, op.OperationID)
				if res.StatusCode == http.StatusUnauthorized {
					t.Errorf("%s is public by the document, but answered 401 without credentials", name)
				}
			default:
				t.Errorf("%s declares its own security %v", name, *op.Security)
			}
		}
	}
	slices.Sort(public)
	if want := []string{"healthz", "login", "signup"}; !slices.Equal(public, want) {
		t.Errorf("public operations %v, want %v", public, want)
	}
}
