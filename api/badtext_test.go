package api_test

import (
	"net/http"
	"testing"

	"slate"
)

// TestBadText: invalid UTF-8 anywhere in a request's text, and a key given
// twice in a JSON object, are refused with 400 invalid naming the place,
// on every kind of endpoint, and nothing is written: not a row of any
// table, not what the API shows.
func TestBadText(t *testing.T) {
	t.Parallel()
	const budgetEmpty = `"alert_percent_used": [], "alert_available_below": []`
	cases := []struct {
		name  string
		req   func(f *badFixture) call
		field string
	}{
		{"invalid UTF-8 in a new shot's name", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/scenes/" + f.ids.Scene + "/shots", body: "{\"name\": \"Wide \xff\", \"duration_ms\": 3000}"}
		}, "name"},
		{"Latin-1 in a shot's prompt", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/shots/" + f.ids.Shot, body: "{\"prompt\": \"caf\xe9 at dawn\"}"}
		}, "prompt"},
		{"truncated sequence at the end of a string", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/acts/" + f.ids.Act, body: "{\"name\": \"Act \xe2\x82\"}"}
		}, "name"},
		{"lone surrogate escape", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/acts/" + f.ids.Act, body: `{"name": "Act \ud800"}`}
		}, "name"},
		{"invalid UTF-8 in a key", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/orgs/" + f.org.ID + "/projects", body: "{\"ti\xfftle\": \"Lighthouse\"}"}
		}, "ti\uFFFDtle"},
		{"invalid UTF-8 in a nested array element", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/shots/" + f.ids.Shot + "/tags", body: "{\"tags\": [\"night\", \"ext\xe9rieur\"]}"}
		}, "tags[1]"},
		{"invalid UTF-8 in a nested key", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/orgs/" + f.org.ID + "/budget",
				body: "{" + budgetEmpty + ", \"member_limits\": {\"usr_\xc0\": 10}}"}
		}, "member_limits.usr_\uFFFD"},
		{"invalid UTF-8 in a webhook's URL", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/orgs/" + f.org.ID + "/webhooks", body: "{\"url\": \"https://hooks.example.test/\xff\"}"}
		}, "url"},
		{"invalid UTF-8 in a sign-up", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/auth/signup",
				body: "{\"email\": \"new@example.test\", \"password\": \"correct horse battery\", \"name\": \"\xfe\"}"}
		}, "name"},
		{"duplicate key", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/orgs/" + f.org.ID + "/projects", body: `{"title": "One", "title": "Two"}`}
		}, "title"},
		{"duplicate key spelled with an escape", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts", body: `{"name": "One", "n\u0061me": "Two"}`}
		}, "name"},
		{"duplicate key in a nested object", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/bulk",
				body: `{"selection": {"all": true, "all": false}, "action": "tag", "tag": "x"}`}
		}, "selection.all"},
		{"duplicate key in a webhook", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/orgs/" + f.org.ID + "/webhooks",
				body: `{"url": "https://a.example.test/", "url": "https://b.example.test/"}`}
		}, "url"},
		{"duplicate key in an invitation", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/orgs/" + f.org.ID + "/invitations",
				body: `{"email": "a@example.test", "permissions": [], "email": "b@example.test"}`}
		}, "email"},
		{"duplicate key in an update", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/shots/" + f.ids.Shot, body: `{"duration_ms": 2000, "duration_ms": 9000}`}
		}, "duration_ms"},
		{"duplicate member of a map", func(f *badFixture) call {
			return call{method: "PUT", path: "/api/v1/orgs/" + f.org.ID + "/budget",
				body: "{" + budgetEmpty + `, "member_limits": {"usr_a": 10, "usr_a": 20}}`}
		}, "member_limits.usr_a"},
		{"invalid UTF-8 in a path parameter", func(f *badFixture) call {
			return call{method: "PATCH", path: "/api/v1/shots/shot_%FF", body: `{"name": "Wide"}`}
		}, "shot"},
		{"invalid UTF-8 in a query parameter", func(f *badFixture) call {
			return call{method: "GET", path: "/api/v1/orgs/" + f.org.ID + "/credits/transactions?kind=%C3%28"}
		}, "kind"},
		{"invalid UTF-8 in the Idempotency-Key", func(f *badFixture) call {
			return call{method: "POST", path: "/api/v1/projects/" + f.ids.Project + "/acts", body: slate.ActInput{Name: "Act Two"},
				header: map[string]string{"Idempotency-Key": "retry-\xff"}}
		}, "Idempotency-Key"},
	}
	eachBackend(t, func(t *testing.T, h *harness) {
		f := setupBad(h)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				h := h.with(t)
				before := f.snapshot(h)
				c := tc.req(f)
				c.token = f.owner.Token
				p := h.do(c).problem(t, http.StatusBadRequest, "invalid")
				if p.Field != tc.field {
					t.Errorf("field %q, want %q: %s", p.Field, tc.field, p.Detail)
				}
				if len(p.Errors) != 1 || p.Errors[0].Location == "" {
					t.Errorf("errors %+v, want one naming the place", p.Errors)
				}
				unchanged(t, before, f.snapshot(h))
			})
		}
	})
}

// TestBadTextLeavesKeyFree: a refused body does not claim its idempotency
// key, so the client's corrected retry under the same key goes through.
func TestBadTextLeavesKeyFree(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		f := setupBad(h)
		key := map[string]string{"Idempotency-Key": "act-two"}
		path := "/api/v1/projects/" + f.ids.Project + "/acts"
		h.do(call{method: "POST", path: path, token: f.owner.Token, header: key,
			body: "{\"name\": \"Act \xff\"}"}).problem(t, http.StatusBadRequest, "invalid")
		var a slate.Act
		h.must(call{method: "POST", path: path, token: f.owner.Token, header: key,
			body: slate.ActInput{Name: "Act Two"}}, http.StatusCreated, &a)
		if a.Name != "Act Two" {
			t.Errorf("created %+v", a)
		}
	})
}

// TestGoodTextKept: valid UTF-8 beyond ASCII, raw or escaped, is stored and
// answered exactly as sent.
func TestGoodTextKept(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		f := setupBad(h)
		for body, want := range map[string]string{
			`{"name": "Plan-séquence — 夜 🎬", "duration_ms": 2000}`:                   "Plan-séquence — 夜 🎬",
			`{"name": "\u00e9t\u00e9 \ud83c\udfac \"quoted\"", "duration_ms": 2000}`: "été 🎬 \"quoted\"",
		} {
			var sh slate.Shot
			h.must(call{method: "POST", path: "/api/v1/scenes/" + f.ids.Scene + "/shots", token: f.owner.Token, body: body},
				http.StatusCreated, &sh)
			var got slate.Shot
			h.must(call{method: "GET", path: "/api/v1/shots/" + sh.ID, token: f.owner.Token}, http.StatusOK, &got)
			if sh.Name != want || got.Name != want {
				t.Errorf("sent %s: created %q, read back %q", body, sh.Name, got.Name)
			}
		}
	})
}
