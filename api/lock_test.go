package api_test

import (
	"net/http"
	"testing"

	"slate"
)

// TestLockedWrite: writes under a locked act answer 423 naming the lock;
// tags and review stay allowed; unlocking lifts it.
func TestLockedWrite(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		editor := h.signup("editor")
		org := h.createOrg(owner)
		ids := h.buildTree(owner, h.createProject(owner, org.ID).ID)
		h.join(owner, org.ID, editor, slate.PermModify)

		var l slate.Lock
		h.must(call{method: "POST", path: "/api/v1/acts/" + ids.Act + "/lock", token: owner.Token,
			body: slate.LockInput{Reason: "picture lock for festival cut"}}, http.StatusOK, &l)
		if l.By != owner.User.ID || l.Reason != "picture lock for festival cut" || l.At.IsZero() {
			t.Fatalf("lock %+v", l)
		}

		writes := []call{
			{method: "PATCH", path: "/api/v1/shots/" + ids.Shot, body: map[string]any{"prompt": "a lighthouse at night"}},
			{method: "DELETE", path: "/api/v1/shots/" + ids.Shot},
			{method: "PATCH", path: "/api/v1/scenes/" + ids.Scene, body: map[string]any{"name": "Dusk"}},
			{method: "POST", path: "/api/v1/scenes/" + ids.Scene + "/shots", body: slate.ShotInput{Name: "Insert", DurationMS: 1500}},
			{method: "DELETE", path: "/api/v1/acts/" + ids.Act},
			{method: "DELETE", path: "/api/v1/projects/" + ids.Project},
		}
		before := h.tree(owner, ids.Project)
		for _, c := range writes {
			c.token = editor.Token
			if c.path == "/api/v1/projects/"+ids.Project {
				c.token = owner.Token // deleting a project needs owner
			}
			res := h.do(c)
			p := res.problem(t, http.StatusLocked, "locked")
			if p.Lock == nil || p.Lock.By != owner.User.ID || p.Lock.ByName != "owner" ||
				p.Lock.Reason != "picture lock for festival cut" || p.Lock.At.IsZero() ||
				p.Lock.Element.Kind != slate.KindAct || p.Lock.Element.ID != ids.Act {
				t.Errorf("%s %s: lock %+v", c.method, c.path, p.Lock)
			}
		}
		after := h.tree(owner, ids.Project)
		if len(after.Acts) != 1 || len(after.Acts[0].Scenes) != 1 || len(after.Acts[0].Scenes[0].Shots) != 1 ||
			after.Acts[0].Scenes[0].Shots[0].Prompt != before.Acts[0].Scenes[0].Shots[0].Prompt {
			t.Fatalf("a refused write changed the tree")
		}

		// Tags and review stay allowed under a lock.
		h.must(call{method: "PUT", path: "/api/v1/shots/" + ids.Shot + "/tags", token: editor.Token,
			body: map[string]any{"tags": []string{"final approved"}}}, http.StatusOK, nil)
		h.must(call{method: "POST", path: "/api/v1/shots/" + ids.Shot + "/review", token: editor.Token,
			body: slate.Review{Status: "flagged", Note: "sky too bright"}}, http.StatusOK, nil)

		h.must(call{method: "DELETE", path: "/api/v1/acts/" + ids.Act + "/lock", token: editor.Token}, http.StatusNoContent, nil)
		h.must(call{method: "PATCH", path: "/api/v1/shots/" + ids.Shot, token: editor.Token,
			body: map[string]any{"prompt": "a lighthouse at night"}}, http.StatusOK, nil)

		// Lock and unlock are in the audit log.
		var audit struct {
			Items []slate.AuditEntry
		}
		h.must(call{method: "GET", path: "/api/v1/orgs/" + org.ID + "/audit?project=" + ids.Project, token: editor.Token}, http.StatusOK, &audit)
		actions := map[string]bool{}
		for _, e := range audit.Items {
			actions[e.Action] = true
		}
		if !actions["lock"] || !actions["unlock"] {
			t.Errorf("audit %+v, want the lock and the unlock", audit.Items)
		}
	})
}
