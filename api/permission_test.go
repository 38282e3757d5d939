package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// needUser marks operations any signed-in user may call, member of the org
// or not.
const needUser = slate.Permission("")

// matrix is the shared state of the permission matrix on one backend: an org
// with a project and tree, a member holding each single permission, and an
// outsider who owns an org of their own.
type matrix struct {
	founder  *person
	org      *slate.Org
	shared   treeIDs
	members  map[slate.Permission]*person
	outsider *person
}

// freshTree makes a new project with one act, scene and shot, for operations
// that change or delete what they touch.
func (m *matrix) freshTree(h *harness) treeIDs {
	return h.buildTree(m.founder, h.createProject(m.founder, m.org.ID).ID)
}

// operation is one row of the permission matrix: the permission it needs and
// how to call it as a given user (nil for no credentials). Every operation
// the API registers belongs here, so a new one is one more row.
type operation struct {
	id   string
	need slate.Permission
	ok   int
	req  func(h *harness, m *matrix, as *person) call
}

func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// operations is the whole matrix; credit rows are in permission_credits_test.go,
// event and webhook rows in permission_events_test.go, queue and take rows in
// permission_queue_test.go.
var operations = slices.Concat(coreOperations, creditOperations, eventOperations, queueOperations, exportOperations)

var coreOperations = []operation{
	// auth
	{"me", needUser, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/me"}
	}},
	{"createToken", needUser, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: "/api/v1/tokens", body: slate.TokenInput{Name: "ci"}}
	}},
	{"logout", needUser, 204, func(h *harness, m *matrix, as *person) call {
		// A session of its own, so the role's token stays valid for the
		// other rows.
		c := call{method: "POST", path: "/api/v1/auth/logout"}
		if as != nil {
			var s struct{ Token string }
			h.must(call{method: "POST", path: "/api/v1/auth/login",
				body: map[string]string{"email": as.Email, "password": "correct horse battery"}}, 200, &s)
			c.token = s.Token
		}
		return c
	}},
	// orgs
	{"createOrg", needUser, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: "/api/v1/orgs", body: slate.OrgInput{Name: "Side Project", Plan: "free"}}
	}},
	{"listOrgs", needUser, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/orgs"}
	}},
	{"getOrg", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/orgs/" + m.org.ID}
	}},
	{"listAudit", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/audit?project=%s&limit=10", m.org.ID, m.shared.Project)}
	}},
	// members and invitations
	{"listMembers", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/members", m.org.ID)}
	}},
	{"updateMember", slate.PermOwner, 200, func(h *harness, m *matrix, as *person) call {
		v := h.signup("crew")
		h.join(m.founder, m.org.ID, v)
		return call{method: "PATCH", path: path("/api/v1/orgs/%s/members/%s", m.org.ID, v.User.ID),
			body: map[string]any{"permissions": []string{"read", "modify"}}}
	}},
	{"removeMember", slate.PermOwner, 204, func(h *harness, m *matrix, as *person) call {
		v := h.signup("crew")
		h.join(m.founder, m.org.ID, v)
		return call{method: "DELETE", path: path("/api/v1/orgs/%s/members/%s", m.org.ID, v.User.ID)}
	}},
	{"createInvitation", slate.PermOwner, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/orgs/%s/invitations", m.org.ID),
			body: slate.InvitationInput{Email: fmt.Sprintf("guest-%d@example.test", seq.Add(1)), Permissions: []slate.Permission{"modify"}}}
	}},
	{"listInvitations", slate.PermOwner, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/invitations", m.org.ID)}
	}},
	{"acceptInvitation", needUser, 200, func(h *harness, m *matrix, as *person) call {
		email := "nobody@example.test"
		if as != nil {
			email = as.Email
		}
		o := h.createOrg(m.founder)
		var inv slate.Invitation
		h.must(call{method: "POST", path: path("/api/v1/orgs/%s/invitations", o.ID), token: m.founder.Token,
			body: slate.InvitationInput{Email: email, Permissions: []slate.Permission{}}}, 201, &inv)
		return call{method: "POST", path: path("/api/v1/invitations/%s/accept", inv.Token)}
	}},
	// projects
	{"createProject", slate.PermModify, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/orgs/%s/projects", m.org.ID), body: slate.ProjectInput{Title: "Pilot"}}
	}},
	{"listProjects", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/projects", m.org.ID)}
	}},
	{"getProject", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/projects/" + m.shared.Project}
	}},
	{"updateProject", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PATCH", path: "/api/v1/projects/" + m.shared.Project, body: map[string]any{"frame_rate": 25}}
	}},
	{"deleteProject", slate.PermOwner, 204, func(h *harness, m *matrix, as *person) call {
		return call{method: "DELETE", path: "/api/v1/projects/" + m.freshTree(h).Project}
	}},
	{"getTree", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/projects/%s/tree", m.shared.Project)}
	}},
	{"setProjectAccess", slate.PermOwner, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PUT", path: path("/api/v1/projects/%s/access", m.freshTree(h).Project),
			body: slate.ProjectAccess{Restricted: true, Members: []string{m.members[slate.PermModify].User.ID}}}
	}},
	// tree
	{"createAct", slate.PermModify, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/projects/%s/acts", m.shared.Project), body: slate.ActInput{Name: "Act Two"}}
	}},
	{"updateAct", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PATCH", path: "/api/v1/acts/" + m.freshTree(h).Act, body: map[string]any{"name": "Act I"}}
	}},
	{"deleteAct", slate.PermModify, 204, func(h *harness, m *matrix, as *person) call {
		return call{method: "DELETE", path: "/api/v1/acts/" + m.freshTree(h).Act}
	}},
	{"createScene", slate.PermModify, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/acts/%s/scenes", m.shared.Act), body: slate.SceneInput{Name: "Cliffs"}}
	}},
	{"updateScene", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PATCH", path: "/api/v1/scenes/" + m.freshTree(h).Scene, body: map[string]any{"time_of_day": "dusk"}}
	}},
	{"deleteScene", slate.PermModify, 204, func(h *harness, m *matrix, as *person) call {
		return call{method: "DELETE", path: "/api/v1/scenes/" + m.freshTree(h).Scene}
	}},
	{"createShot", slate.PermModify, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/scenes/%s/shots", m.shared.Scene),
			body: slate.ShotInput{Name: "Close", DurationMS: 2500}}
	}},
	{"getShot", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/shots/" + m.shared.Shot}
	}},
	{"updateShot", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PATCH", path: "/api/v1/shots/" + m.freshTree(h).Shot, body: map[string]any{"duration_ms": 6000}}
	}},
	{"deleteShot", slate.PermModify, 204, func(h *harness, m *matrix, as *person) call {
		return call{method: "DELETE", path: "/api/v1/shots/" + m.freshTree(h).Shot}
	}},
	{"reorderActs", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		t := m.freshTree(h)
		return call{method: "PUT", path: path("/api/v1/projects/%s/order", t.Project), body: slate.Reorder{IDs: []string{t.Act}}}
	}},
	{"reorderScenes", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		t := m.freshTree(h)
		return call{method: "PUT", path: path("/api/v1/acts/%s/order", t.Act), body: slate.Reorder{IDs: []string{t.Scene}}}
	}},
	{"reorderShots", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		t := m.freshTree(h)
		return call{method: "PUT", path: path("/api/v1/scenes/%s/order", t.Scene), body: slate.Reorder{IDs: []string{t.Shot}}}
	}},
	// tags, review, locks, selections
	{"setSceneTags", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PUT", path: path("/api/v1/scenes/%s/tags", m.freshTree(h).Scene), body: map[string]any{"tags": []string{"exterior"}}}
	}},
	{"setShotTags", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PUT", path: path("/api/v1/shots/%s/tags", m.freshTree(h).Shot), body: map[string]any{"tags": []string{"for review"}}}
	}},
	{"reviewShot", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/shots/%s/review", m.freshTree(h).Shot), body: slate.Review{Status: "flagged", Note: "too dark"}}
	}},
	{"lockAct", slate.PermModify, 200, lockCall("acts", func(t treeIDs) string { return t.Act }, false)},
	{"lockScene", slate.PermModify, 200, lockCall("scenes", func(t treeIDs) string { return t.Scene }, false)},
	{"lockShot", slate.PermModify, 200, lockCall("shots", func(t treeIDs) string { return t.Shot }, false)},
	{"unlockAct", slate.PermModify, 204, lockCall("acts", func(t treeIDs) string { return t.Act }, true)},
	{"unlockScene", slate.PermModify, 204, lockCall("scenes", func(t treeIDs) string { return t.Scene }, true)},
	{"unlockShot", slate.PermModify, 204, lockCall("shots", func(t treeIDs) string { return t.Shot }, true)},
	{"bulk", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/projects/%s/bulk", m.freshTree(h).Project),
			body: slate.Bulk{Selection: slate.Selection{All: true}, Action: "tag", Tag: "final approved"}}
	}},
	{"resolveSelection", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/projects/%s/selection", m.shared.Project),
			body: map[string]any{"selection": slate.Selection{All: true}}}
	}},
}

// lockCall locks (or, with unlock, first locks and then unlocks) an element
// of a fresh tree.
func lockCall(plural string, pick func(treeIDs) string, unlock bool) func(h *harness, m *matrix, as *person) call {
	return func(h *harness, m *matrix, as *person) call {
		p := path("/api/v1/%s/%s/lock", plural, pick(m.freshTree(h)))
		if unlock {
			h.must(call{method: "POST", path: p, token: m.founder.Token, body: slate.LockInput{Reason: "picture lock"}}, 200, nil)
			return call{method: "DELETE", path: p}
		}
		return call{method: "POST", path: p, body: slate.LockInput{Reason: "picture lock"}}
	}
}

// role is who makes a call in the matrix.
type role struct {
	name string
	who  func(m *matrix) *person
	// perm is the single permission a member role holds besides read; ""
	// for the unauthenticated and the outsider.
	perm slate.Permission
}

func roles() []role {
	rs := []role{{name: "anonymous", who: func(*matrix) *person { return nil }}}
	for _, p := range slate.AllPermissions {
		rs = append(rs, role{name: "member-" + string(p), perm: p,
			who: func(m *matrix) *person { return m.members[p] }})
	}
	return append(rs, role{name: "other-org", who: func(m *matrix) *person { return m.outsider }})
}

// expect is what the spec says role gets from op: 401 without credentials,
// 404 for a member of another org, 403 naming the permission for a member
// lacking it, success otherwise.
func expect(op operation, r role) (status int, missing slate.Permission) {
	switch {
	case r.name == "anonymous":
		return http.StatusUnauthorized, ""
	case op.need == needUser:
		return op.ok, ""
	case r.perm == "":
		return http.StatusNotFound, ""
	case slate.NewPermissions(r.perm).Has(op.need):
		return op.ok, ""
	default:
		return http.StatusForbidden, op.need
	}
}

func setupMatrix(h *harness) *matrix {
	m := &matrix{founder: h.signup("founder"), members: map[slate.Permission]*person{}}
	m.org = h.createOrg(m.founder)
	m.shared = h.buildTree(m.founder, h.createProject(m.founder, m.org.ID).ID)
	for _, p := range slate.AllPermissions {
		u := h.signup(string(p))
		h.join(m.founder, m.org.ID, u, p)
		m.members[p] = u
	}
	m.outsider = h.signup("outsider")
	h.createOrg(m.outsider)
	return m
}

func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		m := setupMatrix(h)
		for _, op := range operations {
			t.Run(op.id, func(t *testing.T) {
				t.Parallel()
				for _, r := range roles() {
					t.Run(r.name, func(t *testing.T) {
						h := h.with(t)
						as := r.who(m)
						c := op.req(h, m, as)
						if c.token == "" && as != nil {
							c.token = as.Token
						}
						res := h.do(c)
						status, missing := expect(op, r)
						if status >= 400 {
							p := res.problem(t, status, codeFor(status))
							if p.MissingPermission != string(missing) {
								t.Errorf("missing_permission %q, want %q", p.MissingPermission, missing)
							}
							return
						}
						if res.Status != status {
							t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, res.Status, status, res.Body)
						}
					})
				}
			})
		}
	}, unpaced)
}

func codeFor(status int) string {
	return map[int]string{400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
		409: "conflict", 413: "too_large", 423: "locked", 429: "rate_limited"}[status]
}

// TestOperationsCovered keeps the matrix honest: every operation the API
// registers has a row, and every row names a registered operation.
func TestOperationsCovered(t *testing.T) {
	t.Parallel()
	public := map[string]bool{"healthz": true, "signup": true, "login": true}
	rows := map[string]bool{}
	for _, op := range operations {
		rows[op.id] = true
	}
	registered := map[string]bool{}
	for _, item := range newDocServer().OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			registered[op.OperationID] = true
			if !rows[op.OperationID] && !public[op.OperationID] {
				t.Errorf("operation %s has no row in the permission matrix", op.OperationID)
			}
		}
	}
	for id := range rows {
		if !registered[id] {
			t.Errorf("matrix row %s is not a registered operation", id)
		}
	}
}

// TestRestrictedProject: once a project is restricted, members not named get
// 404 for it and everything in it; named members and owners still see it.
func TestRestrictedProject(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		m := setupMatrix(h)
		named := m.members[slate.PermModify]
		ids := m.freshTree(h)
		var p slate.Project
		h.must(call{method: "PUT", path: path("/api/v1/projects/%s/access", ids.Project), token: m.founder.Token,
			body: slate.ProjectAccess{Restricted: true, Members: []string{named.User.ID}}}, 200, &p)
		if !p.Restricted {
			t.Fatalf("project not restricted: %+v", p)
		}
		paths := []string{
			"/api/v1/projects/" + ids.Project,
			"/api/v1/projects/" + ids.Project + "/tree",
			"/api/v1/shots/" + ids.Shot,
		}
		for _, r := range []struct {
			name   string
			who    *person
			status int
		}{
			{"founder", m.founder, 200},
			{"owner", m.members[slate.PermOwner], 200},
			{"named", named, 200},
			{"read", m.members[slate.PermRead], 404},
			{"billing", m.members[slate.PermBilling], 404},
			{"outsider", m.outsider, 404},
		} {
			t.Run(r.name, func(t *testing.T) {
				h := h.with(t)
				for _, p := range paths {
					res := h.do(call{method: "GET", path: p, token: r.who.Token})
					if r.status == 404 {
						res.problem(t, 404, "not_found")
					} else if res.Status != r.status {
						t.Fatalf("GET %s: %d, want %d: %s", p, res.Status, r.status, res.Body)
					}
				}
				// A write by an unnamed member must not reveal the project
				// either.
				res := h.do(call{method: "POST", path: path("/api/v1/projects/%s/acts", ids.Project), token: r.who.Token,
					body: slate.ActInput{Name: "Hidden"}})
				if r.status == 404 {
					res.problem(t, 404, "not_found")
				}
				var list struct{ Items []slate.Project }
				if r.who != m.outsider {
					h.must(call{method: "GET", path: path("/api/v1/orgs/%s/projects", m.org.ID), token: r.who.Token}, 200, &list)
					seen := false
					for _, it := range list.Items {
						seen = seen || it.ID == ids.Project
					}
					if seen != (r.status == 200) {
						t.Errorf("project listed = %v, want %v", seen, r.status == 200)
					}
				}
			})
		}
	})
}
