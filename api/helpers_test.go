package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/api"
	"slate/engine/roster"
	"slate/events"
	"slate/limit"
	"slate/media"
	"slate/pricing"
	"slate/store/storetest"
)

// harness is one API server on a fresh store of one backend.
type harness struct {
	t   testing.TB
	env *storetest.Env
	srv *api.Server
	url string
	// media is where the server finds takes' files.
	media *media.Dir
}

// eachBackend runs fn as a parallel subtest against a real store of every
// configured database; adjust may change each server before it starts.
func eachBackend(t *testing.T, fn func(t *testing.T, h *harness), adjust ...func(*api.Server)) {
	t.Helper()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, newHarness(t, b, adjust...))
		})
	}
}

// unpaced lifts the sign-in limits, for tests that sign in more people
// from one address than any person would.
func unpaced(s *api.Server) {
	s.SignIn.Rate = limit.Rate{Burst: 1 << 20, Every: time.Nanosecond}
}

// newHarness starts a server on a fresh store; adjust may change the server
// before it starts serving.
func newHarness(t testing.TB, b storetest.Backend, adjust ...func(*api.Server)) *harness {
	t.Helper()
	env := storetest.Open(t, b)
	broker := events.Start(env.DB, events.Options{Clock: env.Clock, Poll: 20 * time.Millisecond, Heartbeat: time.Second})
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	srv := &api.Server{
		Users: env.DB, Orgs: env.DB, Projects: env.DB, Tree: env.DB, Keys: env.DB,
		Credits: env.DB, Catalog: env.DB.Catalog, Webhooks: env.DB, Events: broker,
		Queue: env.DB, Takes: env.DB, Exports: env.DB, Media: dir, Margin: env.DB, Engines: engines(t),
		Clock: env.Clock, Ready: env.DB.Ping,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, f := range adjust {
		f(srv)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	// Cleanups run last first: the broker stops first, which ends the
	// event streams the server's Close would wait for.
	t.Cleanup(broker.Stop)
	return &harness{t: t, env: env, srv: srv, url: ts.URL, media: dir}
}

// response is a finished HTTP exchange.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem is the error body the API answers.
type problem struct {
	Status            int             `json:"status"`
	Title             string          `json:"title"`
	Detail            string          `json:"detail"`
	Code              string          `json:"code"`
	MissingPermission string          `json:"missing_permission"`
	Field             string          `json:"field"`
	Lock              *slate.Lock     `json:"lock"`
	Shortfall         int64           `json:"shortfall"`
	Remedies          []slate.Remedy  `json:"remedies"`
	MissingTakes      []slate.ShotRef `json:"missing_takes"`
	Errors            []struct {
		Message  string `json:"message"`
		Location string `json:"location"`
	} `json:"errors"`
}

// problem checks r is a problem+json with status and code, and returns it.
func (r *response) problem(t testing.TB, status int, code string) problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, r.Body)
	}
	var p problem
	r.decode(t, &p)
	if p.Code != code || p.Status != status || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem %+v, want status %d code %q with title and detail", p, status, code)
	}
	return p
}

// call is one request. Body may be nil, a string or []byte sent as is, or a
// value encoded as JSON.
type call struct {
	method, path, token string
	body                any
	header              map[string]string
}

func (h *harness) do(c call) *response {
	h.t.Helper()
	var rd io.Reader
	switch b := c.body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(context.Background(), c.method, h.url+c.path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: body}
}

// must sends c and decodes the answer into v, failing unless status matches.
func (h *harness) must(c call, status int, v any) {
	h.t.Helper()
	r := h.do(c)
	if r.Status != status {
		h.t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, r.Status, status, r.Body)
	}
	if v != nil {
		r.decode(h.t, v)
	}
}

func (h *harness) with(t testing.TB) *harness {
	c := *h
	c.t = t
	return &c
}

var seq atomic.Int64

// person is a signed-up user with a session token.
type person struct {
	User  slate.User
	Email string
	Token string
}

func (h *harness) signup(name string) *person {
	h.t.Helper()
	email := fmt.Sprintf("%s-%d@example.test", name, seq.Add(1))
	var s api.Session
	h.must(call{method: "POST", path: "/api/v1/auth/signup",
		body: slate.Signup{Email: email, Password: "correct horse battery", Name: name}}, http.StatusCreated, &s)
	if s.Token == "" || s.User == nil {
		h.t.Fatalf("signup answered %+v", s)
	}
	return &person{User: *s.User, Email: email, Token: s.Token}
}

func (h *harness) createOrg(p *person) *slate.Org {
	h.t.Helper()
	var o slate.Org
	h.must(call{method: "POST", path: "/api/v1/orgs", token: p.Token,
		body: slate.OrgInput{Name: "Harbour Films", Plan: "business"}}, http.StatusCreated, &o)
	return &o
}

func (h *harness) createProject(p *person, orgID string) *slate.Project {
	h.t.Helper()
	var pr slate.Project
	h.must(call{method: "POST", path: "/api/v1/orgs/" + orgID + "/projects", token: p.Token,
		body: slate.ProjectInput{Title: "The Lighthouse"}}, http.StatusCreated, &pr)
	return &pr
}

// join makes who a member of org with perms, through invite and accept.
func (h *harness) join(owner *person, orgID string, who *person, perms ...slate.Permission) {
	h.t.Helper()
	if perms == nil {
		perms = []slate.Permission{}
	}
	var inv slate.Invitation
	h.must(call{method: "POST", path: "/api/v1/orgs/" + orgID + "/invitations", token: owner.Token,
		body: slate.InvitationInput{Email: who.Email, Permissions: perms}}, http.StatusCreated, &inv)
	if inv.Token == "" {
		h.t.Fatalf("invitation without token: %+v", inv)
	}
	h.must(call{method: "POST", path: "/api/v1/invitations/" + inv.Token + "/accept", token: who.Token}, http.StatusOK, nil)
}

// treeIDs is one act with one scene with one shot.
type treeIDs struct {
	Project, Act, Scene, Shot string
}

func (h *harness) buildTree(p *person, projectID string) treeIDs {
	h.t.Helper()
	ids := treeIDs{Project: projectID}
	var a slate.Act
	h.must(call{method: "POST", path: "/api/v1/projects/" + projectID + "/acts", token: p.Token,
		body: slate.ActInput{Name: "Act One"}}, http.StatusCreated, &a)
	var sc slate.Scene
	h.must(call{method: "POST", path: "/api/v1/acts/" + a.ID + "/scenes", token: p.Token,
		body: slate.SceneInput{Name: "Harbour at dawn"}}, http.StatusCreated, &sc)
	var sh slate.Shot
	h.must(call{method: "POST", path: "/api/v1/scenes/" + sc.ID + "/shots", token: p.Token,
		body: slate.ShotInput{Name: "Wide", DurationMS: 4000, Prompt: "a lighthouse in fog"}}, http.StatusCreated, &sh)
	ids.Act, ids.Scene, ids.Shot = a.ID, sc.ID, sh.ID
	return ids
}

func (h *harness) tree(p *person, projectID string) *slate.Tree {
	h.t.Helper()
	var tr slate.Tree
	h.must(call{method: "GET", path: "/api/v1/projects/" + projectID + "/tree", token: p.Token}, http.StatusOK, &tr)
	return &tr
}

// engines is the built-in engines alone, as a deployment without an
// engines file has them.
func engines(t testing.TB) api.Engines {
	t.Helper()
	r, err := roster.Build(roster.File{}, pricing.DefaultBook(), roster.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
