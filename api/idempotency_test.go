package api_test

import (
	"net/http"
	"sync"
	"testing"

	"slate"
)

func TestIdempotency(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner)
		p := h.createProject(owner, org.ID)
		create := func(name, key string) *response {
			return h.do(call{method: "POST", path: "/api/v1/projects/" + p.ID + "/acts", token: owner.Token,
				body: slate.ActInput{Name: name}, header: map[string]string{"Idempotency-Key": key}})
		}

		first := create("Act One", "key-1")
		if first.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", first.Status, first.Body)
		}
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("first answer marked replayed")
		}
		again := create("Act One", "key-1")
		if again.Status != first.Status || string(again.Body) != string(first.Body) ||
			again.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
			t.Fatalf("replay differs:\n%d %s %s\n%d %s %s", first.Status, first.Header.Get("Content-Type"), first.Body,
				again.Status, again.Header.Get("Content-Type"), again.Body)
		}
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay not marked: %v", again.Header)
		}
		if n := len(h.tree(owner, p.ID).Acts); n != 1 {
			t.Fatalf("%d acts after a replay, want 1", n)
		}

		create("Act Two", "key-1").problem(t, http.StatusConflict, "conflict")
		if n := len(h.tree(owner, p.ID).Acts); n != 1 {
			t.Fatalf("%d acts after a conflicting key, want 1", n)
		}

		// Another user's keys are their own: the same key is a new request.
		editor := h.signup("editor")
		h.join(owner, org.ID, editor, slate.PermModify)
		other := h.do(call{method: "POST", path: "/api/v1/projects/" + p.ID + "/acts", token: editor.Token,
			body: slate.ActInput{Name: "Act One"}, header: map[string]string{"Idempotency-Key": "key-1"}})
		if other.Status != http.StatusCreated || other.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("other user's key: %d %v %s", other.Status, other.Header, other.Body)
		}

		// Refusals are replayed as well: the answer to a key is fixed.
		bad := h.do(call{method: "PATCH", path: "/api/v1/projects/" + p.ID, token: owner.Token,
			body: map[string]any{"format": "opera"}, header: map[string]string{"Idempotency-Key": "key-2"}})
		bad.problem(t, 400, "invalid")
		bad2 := h.do(call{method: "PATCH", path: "/api/v1/projects/" + p.ID, token: owner.Token,
			body: map[string]any{"format": "opera"}, header: map[string]string{"Idempotency-Key": "key-2"}})
		if string(bad2.Body) != string(bad.Body) || bad2.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("refusal not replayed: %s", bad2.Body)
		}

		// Concurrent retries with one key write once.
		var wg sync.WaitGroup
		results := make([]*response, 8)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = create("Act Three", "key-3")
			}()
		}
		wg.Wait()
		created := 0
		for _, r := range results {
			switch r.Status {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("concurrent retry: %d %s", r.Status, r.Body)
			}
		}
		if created == 0 {
			t.Errorf("no concurrent retry succeeded")
		}
		tr := h.tree(owner, p.ID)
		threes := 0
		for _, a := range tr.Acts {
			if a.Name == "Act Three" {
				threes++
			}
		}
		if threes != 1 {
			t.Fatalf("%d acts named Act Three, want 1", threes)
		}
	})
}
