package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"slate"
	"slate/waitfor"
)

// sse is one message of an event stream: an event, or a comment.
type sse struct {
	id, kind, comment string
	event             slate.Event
}

// feed is an event stream read in the background over a real connection.
type feed struct {
	t      testing.TB
	msgs   chan sse
	cancel context.CancelFunc
}

// openFeed opens GET …/events as token with the extra headers; a refusal
// comes back as the response instead.
func (h *harness) openFeed(token, orgID, query string, header map[string]string) (*feed, *response) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"/api/v1/orgs/"+orgID+"/events"+query, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		cancel()
		return nil, &response{Status: res.StatusCode, Header: res.Header, Body: body}
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		h.t.Fatalf("content type %q", ct)
	}
	f := &feed{t: h.t, msgs: make(chan sse, 100), cancel: cancel}
	go func() {
		defer close(f.msgs)
		defer res.Body.Close()
		f.read(res.Body)
	}()
	return f, nil
}

// read parses the stream the way a browser's EventSource does.
func (f *feed) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	var m sse
	var data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if data != "" {
				if err := json.Unmarshal([]byte(data), &m.event); err != nil {
					f.t.Errorf("data %q: %v", data, err)
				}
				f.msgs <- m
			}
			m, data = sse{}, ""
		case strings.HasPrefix(line, ":"):
			f.msgs <- sse{comment: strings.TrimSpace(line[1:])}
		case strings.HasPrefix(line, "id: "):
			m.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			m.kind = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = line[6:]
		}
	}
}

// next returns the next n lock events, skipping other kinds and comments.
func (f *feed) next(n int) []sse {
	f.t.Helper()
	var out []sse
	for len(out) < n {
		m, ok := waitfor.Recv(f.t, fmt.Sprintf("lock event %d of %d", len(out)+1, n), f.msgs)
		if !ok {
			f.t.Fatalf("stream ended after %d of %d lock events", len(out), n)
		}
		if m.kind == slate.EventLock {
			out = append(out, m)
		}
	}
	return out
}

// all reads a stream that ends (follow=false) to its end.
func (f *feed) all() []sse {
	f.t.Helper()
	var out []sse
	for m := range f.msgs {
		if m.kind == slate.EventLock {
			out = append(out, m)
		}
	}
	return out
}

func (h *harness) lock(p *person, plural, id string, unlock bool) {
	h.t.Helper()
	if unlock {
		h.must(call{method: "DELETE", path: path("/api/v1/%s/%s/lock", plural, id), token: p.Token}, 204, nil)
		return
	}
	h.must(call{method: "POST", path: path("/api/v1/%s/%s/lock", plural, id), token: p.Token,
		body: slate.LockInput{Reason: "picture lock"}}, 200, nil)
}

func TestEventStream(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner)
		ids := h.buildTree(owner, h.createProject(owner, org.ID).ID)
		live, _ := h.openFeed(owner.Token, org.ID, "", nil)
		h.lock(owner, "shots", ids.Shot, false)
		h.lock(owner, "shots", ids.Shot, true)
		h.lock(owner, "scenes", ids.Scene, false)
		got := live.next(3)
		for i, want := range []struct {
			el     string
			locked bool
		}{{ids.Shot, true}, {ids.Shot, false}, {ids.Scene, true}} {
			m := got[i]
			el, _ := m.event.Payload["element"].(map[string]any)
			if m.id != m.event.ID || m.event.Kind != "lock" || m.event.OrgID != org.ID || m.event.ProjectID != ids.Project ||
				el["id"] != want.el || m.event.Payload["locked"] != want.locked || m.event.At.IsZero() {
				t.Errorf("event %d: %+v", i, m)
			}
			if i > 0 && m.id <= got[i-1].id {
				t.Errorf("event %d out of order", i)
			}
		}
		// Heartbeats keep the quiet stream open (every second here).
		for beat := false; !beat; {
			m, ok := waitfor.Recv(t, "heartbeat", live.msgs)
			if !ok {
				t.Fatal("the stream ended before a heartbeat")
			}
			beat = m.comment == "heartbeat"
		}

		for _, tc := range []struct {
			name   string
			query  string
			header map[string]string
			want   []string
		}{
			{"last-event-id", "?follow=false", map[string]string{"Last-Event-ID": got[0].id}, []string{got[1].id, got[2].id}},
			{"after", "?follow=false&after=" + got[1].id, nil, []string{got[2].id}},
			{"header wins", "?follow=false&after=" + got[2].id, map[string]string{"Last-Event-ID": got[0].id}, []string{got[1].id, got[2].id}},
			{"everything", "?follow=false", nil, []string{got[0].id, got[1].id, got[2].id}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := h.with(t)
				f, _ := h.openFeed(owner.Token, org.ID, tc.query, tc.header)
				var ids []string
				for _, m := range f.all() {
					ids = append(ids, m.id)
				}
				if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
					t.Errorf("got %v, want %v", ids, tc.want)
				}
			})
		}
		// A resumed live stream sends what it missed, then what comes.
		resumed, _ := h.openFeed(owner.Token, org.ID, "", map[string]string{"Last-Event-ID": got[1].id})
		h.lock(owner, "scenes", ids.Scene, true)
		if again := resumed.next(2); again[0].id != got[2].id || again[1].event.Payload["locked"] != false {
			t.Errorf("resumed: %+v", again)
		}
	})
}

// TestEventStreamHidesRestrictedProjects: members see the events of the
// projects they may see, and no others.
func TestEventStreamHidesRestrictedProjects(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner, viewer, named := h.signup("owner"), h.signup("viewer"), h.signup("named")
		org := h.createOrg(owner)
		h.join(owner, org.ID, viewer)
		h.join(owner, org.ID, named, slate.PermModify)
		open := h.buildTree(owner, h.createProject(owner, org.ID).ID)
		secret := h.buildTree(owner, h.createProject(owner, org.ID).ID)
		h.must(call{method: "PUT", path: path("/api/v1/projects/%s/access", secret.Project), token: owner.Token,
			body: slate.ProjectAccess{Restricted: true, Members: []string{named.User.ID}}}, 200, nil)
		viewerFeed, _ := h.openFeed(viewer.Token, org.ID, "", nil)
		namedFeed, _ := h.openFeed(named.Token, org.ID, "", nil)
		h.lock(owner, "acts", secret.Act, false)
		h.lock(owner, "acts", open.Act, false)
		if got := viewerFeed.next(1)[0]; got.event.ProjectID != open.Project {
			t.Errorf("viewer got an event of %s first, want only %s's", got.event.ProjectID, open.Project)
		}
		got := namedFeed.next(2)
		if got[0].event.ProjectID != secret.Project || got[1].event.ProjectID != open.Project {
			t.Errorf("named member got %s, %s", got[0].event.ProjectID, got[1].event.ProjectID)
		}
		// Replaying from the start hides it too.
		f, _ := h.openFeed(viewer.Token, org.ID, "?follow=false", nil)
		for _, m := range f.all() {
			if m.event.ProjectID == secret.Project {
				t.Errorf("replay shows the viewer %+v", m)
			}
		}
	})
}

func TestEventStreamRefusals(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner, outsider := h.signup("owner"), h.signup("outsider")
		org := h.createOrg(owner)
		h.createOrg(outsider)
		for _, tc := range []struct {
			name   string
			token  string
			header map[string]string
			query  string
			status int
			code   string
		}{
			{"anonymous", "", nil, "", 401, "unauthenticated"},
			{"outsider", outsider.Token, nil, "", 404, "not_found"},
			{"bad last-event-id", owner.Token, map[string]string{"Last-Event-ID": "yesterday"}, "", 400, "invalid"},
			{"bad after", owner.Token, nil, "?after=job_01KKRD9GD89W7V4D4978CVCFGZ", 400, "invalid"},
			{"bad follow", owner.Token, nil, "?follow=maybe", 400, "invalid"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := h.with(t)
				f, res := h.openFeed(tc.token, org.ID, tc.query, tc.header)
				if f != nil {
					t.Fatal("the stream opened")
				}
				res.problem(t, tc.status, tc.code)
			})
		}
		if n := h.srv.Events.Subscribers(); n != 0 {
			t.Errorf("%d subscriptions left by refused streams", n)
		}
	})
}

// TestEventStreamClientGone: a client that hangs up leaves nothing behind.
func TestEventStreamClientGone(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner)
		ids := h.buildTree(owner, h.createProject(owner, org.ID).ID)
		var feeds []*feed
		for range 5 {
			f, _ := h.openFeed(owner.Token, org.ID, "", nil)
			feeds = append(feeds, f)
		}
		if n := h.srv.Events.Subscribers(); n != 5 {
			t.Fatalf("%d subscribers, want 5", n)
		}
		for _, f := range feeds {
			f.cancel()
		}
		// Events flowing or not, the streams notice and end.
		h.lock(owner, "acts", ids.Act, false)
		waitfor.Until(t, func() error {
			if n := h.srv.Events.Subscribers(); n != 0 {
				return fmt.Errorf("%d subscribers after their clients left", n)
			}
			return nil
		})
	})
}
