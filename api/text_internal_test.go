package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"slate"
)

// TestBadJSON: a JSON body is strict JSON or its first fault is named by
// where it is, as huma names a field, and what it is.
func TestBadJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		loc, what  string // loc "" means accepted
	}{
		{"object", `{"name": "Wide", "tags": ["a", "b"], "n": 1.5e3, "ok": true, "x": null}`, "", ""},
		{"empty", ``, "", ""},
		{"only whitespace", " \n\t", "", ""},
		// Syntactically fine: huma answers these with its schema.
		{"array", `["Act Two"]`, "", ""},
		{"two values", `{} {}`, "", ""},
		{"beyond ASCII", `{"名前": "Plan-séquence — 夜 🎬"}`, "", ""},
		{"escapes", `{"a": "\u00e9\ud83c\udfac\"\\\/\n"}`, "", ""},
		{"same key in sibling objects", `{"a": {"k": 1}, "b": {"k": 2}, "c": [{"k": 1}, {"k": 2}]}`, "", ""},
		{"keys differing in case", `{"name": 1, "Name": 2}`, "", ""},

		{"invalid UTF-8 in a value", "{\"name\": \"a\xffb\"}", "body.name", "invalid UTF-8"},
		{"overlong encoding", "{\"name\": \"\xc0\xaf\"}", "body.name", "invalid UTF-8"},
		{"encoded surrogate", "{\"name\": \"\xed\xa0\x80\"}", "body.name", "invalid UTF-8"},
		{"truncated sequence", "{\"name\": \"\xe2\x82\"}", "body.name", "invalid UTF-8"},
		{"in a nested array element", "{\"a\": {\"tags\": [\"x\", \"y\xfe\"]}}", "body.a.tags[1]", "invalid UTF-8"},
		{"in a top-level array", "[\"ok\", \"\xff\"]", "body[1]", "invalid UTF-8"},
		{"numeric key is not an index", "{\"a\": {\"0\": \"\xff\"}}", "body.a.0", "invalid UTF-8"},
		{"in a key", "{\"na\xffme\": \"x\"}", "body.na\uFFFDme", "invalid UTF-8 in a key"},
		{"in a nested key", "{\"limits\": {\"ok\": 1, \"usr_\xc0\": 10}}", "body.limits.usr_\uFFFD", "invalid UTF-8 in a key"},
		{"in a key inside an array", "{\"a\": [{\"b\xff\": 1}]}", "body.a[0].b\uFFFD", "invalid UTF-8 in a key"},
		{"lone high surrogate", `{"name": "\ud800"}`, "body.name", "invalid surrogate"},
		{"lone low surrogate", `{"a": ["\udc00"]}`, "body.a[0]", "invalid surrogate"},

		{"duplicate key", `{"name": "a", "name": "b"}`, "body.name", "duplicate key"},
		{"duplicate key by escape", `{"name": "a", "n\u0061me": "b"}`, "body.name", "duplicate key"},
		{"duplicate nested key", `{"a": {"b": 1, "b": 2}}`, "body.a.b", "duplicate key"},
		{"duplicate key in an array's object", `{"a": [{"b": 1}, {"c": 1, "c": 2}]}`, "body.a[1].c", "duplicate key"},

		{"unterminated", `{"name": "x"`, "body", "unexpected EOF"},
		{"junk after the value", `{"name": "x"} x`, "body", "invalid character"},
		{"junk in a value", `{"a": [1, x]}`, "body.a[1]", "invalid character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := badJSON([]byte(tc.body))
			if tc.loc == "" {
				if p != nil {
					t.Fatalf("refused %q: %s", tc.body, p.Detail)
				}
				return
			}
			if p == nil {
				t.Fatalf("accepted %q", tc.body)
			}
			if p.Status != 400 || p.Code != "invalid" {
				t.Errorf("status %d code %q", p.Status, p.Code)
			}
			if len(p.Errors) != 1 || p.Errors[0].Location != tc.loc || !strings.HasPrefix(p.Errors[0].Message, tc.what) {
				t.Fatalf("errors %+v, want %q at %s", p.Errors, tc.what, tc.loc)
			}
			if want := strings.TrimPrefix(strings.TrimPrefix(tc.loc, "body"), "."); p.Field != want {
				t.Errorf("field %q, want %q", p.Field, want)
			}
			if !strings.Contains(p.Detail, tc.loc) {
				t.Errorf("detail %q does not name %s", p.Detail, tc.loc)
			}
		})
	}
}

// TestIsJSON: bodies are checked exactly when huma would decode them as JSON.
func TestIsJSON(t *testing.T) {
	t.Parallel()
	for ct, want := range map[string]bool{
		"":                                  true,
		"application/json":                  true,
		"application/json; charset=utf-8":   true,
		"Application/JSON":                  true,
		"application/merge-patch+json":      true,
		"application/problem+json":          true,
		"text/plain":                        false,
		"multipart/form-data; boundary=x":   false,
		"application/x-www-form-urlencoded": false,
		"application/json; charset":         false, // malformed: huma refuses it
	} {
		if got := isJSON(ct); got != want {
			t.Errorf("isJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}

// BenchmarkTextCheck: the strict walk of a body against encoding/json's
// decoding of the same body into its type, which huma does anyway; the
// ratio is the check's added cost (go test ./api -run '^$' -bench TextCheck).
func BenchmarkTextCheck(b *testing.B) {
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = fmt.Sprintf("shot_01KKRD9FE0EWW3EYVE%06d", i)
	}
	big, _ := json.Marshal(slate.BatchInput{Selection: &slate.Selection{Shots: ids}, Tier: "draft"})
	for _, tc := range []struct {
		name string
		body []byte
		into func() any
	}{
		{"shot", []byte(`{"name": "Plan-séquence — 夜", "duration_ms": 4000, "prompt": "a lighthouse in fog at dawn, waves below", "camera": {"shot_type": "wide"}}`),
			func() any { return &slate.ShotInput{} }},
		{"selection-10000", big, func() any { return &slate.BatchInput{} }},
	} {
		b.Run(tc.name+"/check", func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			for b.Loop() {
				if p := badJSON(tc.body); p != nil {
					b.Fatal(p.Detail)
				}
			}
		})
		b.Run(tc.name+"/decode", func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			for b.Loop() {
				if err := json.Unmarshal(tc.body, tc.into()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
