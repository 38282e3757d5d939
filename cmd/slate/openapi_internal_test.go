package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"slate/api"
)

// TestOpenAPICommand: `slate openapi` prints the document a server serves,
// in both its forms, without a server of its own.
func TestOpenAPICommand(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer((&api.Server{}).Handler())
	defer ts.Close()
	for _, tc := range []struct {
		args    []string
		served  string
		version string
	}{
		{[]string{"openapi"}, "/api/v1/openapi.json", "3.1.0"},
		{[]string{"openapi", "--3.0"}, "/api/v1/openapi-3.0.json", "3.0.3"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
			t.Fatalf("slate %v: exit %d: %s", tc.args, code, stderr.String())
		}
		var printed, served map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &printed); err != nil {
			t.Fatalf("slate %v printed no JSON: %v", tc.args, err)
		}
		res, err := ts.Client().Get(ts.URL + tc.served)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(res.Body).Decode(&served)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if printed["openapi"] != tc.version || !reflect.DeepEqual(printed, served) {
			t.Errorf("slate %v printed OpenAPI %v, not the %s the server serves", tc.args, printed["openapi"], tc.served)
		}
	}
}
