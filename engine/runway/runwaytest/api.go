package runwaytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// created stamps tasks: a fixed day plus a second a task, so nothing here
// reads the clock.
var created = time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)

// authorized answers as the HTTP errors page documents: 401 for a key
// that is not valid. A missing or unknown X-Runway-Version is a 400 with
// an error member (the wording is the fake's own).
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	got, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case !bearer || strings.TrimSpace(got) != s.key:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "The API key provided is not valid."})
		return false
	case r.Header.Get("X-Runway-Version") == "":
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "The X-Runway-Version header is required."})
		return false
	case r.Header.Get("X-Runway-Version") != Version:
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error": fmt.Sprintf("X-Runway-Version %q is not a supported version.", r.Header.Get("X-Runway-Version"))})
		return false
	}
	return true
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	s.locked(func() { s.creates++ })
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	f, faulted := pop(&s.submitFaults)
	s.mu.Unlock()
	if faulted {
		fault(w, f)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Expected a JSON body (Content-Type: application/json)."})
		return
	}
	var body map[string]any
	dec := json.NewDecoder(io.LimitReader(r.Body, 8<<20))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Invalid JSON body."})
		return
	}
	endpoint := strings.TrimPrefix(r.URL.Path, "/v1/")
	if issues := validate(endpoint, body); len(issues) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Validation of body failed", "issues": issues,
			"docUrl": "https://docs.dev.runwayml.com/api"})
		return
	}
	cost := cost(body)
	s.mu.Lock()
	if s.credits < cost {
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "You do not have enough credits to run this task.",
			"docUrl": "https://docs.dev.runwayml.com/api"})
		return
	}
	s.credits -= cost
	s.seq++
	t := &task{id: fmt.Sprintf("17f20503-6c24-4c16-946b-%012d", s.seq), body: body, status: "PENDING", held: s.hold,
		created: created.Add(time.Duration(s.seq) * time.Second).Format("2006-01-02T15:04:05.000Z")}
	if o, ok := pop(&s.outcomes); ok {
		t.outcome = &o
	}
	s.tasks[t.id] = t
	s.submissions++
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.last, s.lastPath = body, r.URL.Path
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": t.id})
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	s.polls++
	if f, ok := pop(&s.pollFaults); ok {
		s.mu.Unlock()
		fault(w, f)
		return
	}
	t := s.tasks[r.PathValue("id")]
	if t == nil || t.deleted {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "Task not found."})
		return
	}
	s.advance(t)
	view := s.view(t)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, view)
}

// advance moves t on as a poll finds it: shown PENDING once, then RUNNING
// at 25 % and 75 % (THROTTLED meanwhile while the organisation's
// concurrency is full), then SUCCEEDED, FAILED or CANCELLED, unless it is
// held, when it runs at 50 % until released.
func (s *Server) advance(t *task) {
	t.polls++
	switch t.status {
	case "PENDING", "THROTTLED":
		switch {
		case t.polls == 1:
		case s.concurrency > 0 && s.running >= s.concurrency:
			t.status = "THROTTLED"
		default:
			t.status, t.progress = "RUNNING", 0.25
			s.running++
			t.polls = 1
		}
	case "RUNNING":
		switch {
		case t.held:
			t.progress = 0.5
		case t.polls == 2:
			t.progress = 0.75
		default:
			s.finish(t)
		}
	}
	if t.status == "SUCCEEDED" {
		// Every look at a succeeded task hands out a fresh signed URL.
		s.seq++
		t.token = fmt.Sprintf("%s-%d", t.id, s.seq)
		if s.expireNext > 0 {
			s.expireNext--
			s.expired[t.token] = true
		}
	}
	t.served = append(t.served, t.status)
}

// finish ends a running task as its outcome says, giving back the credits
// of one that did not succeed.
func (s *Server) finish(t *task) {
	s.running--
	s.inFlight--
	o := t.outcome
	switch {
	case o == nil:
		t.status = "SUCCEEDED"
		return
	case o.Cancelled:
		t.status = "CANCELLED"
	default:
		t.status = "FAILED"
	}
	s.credits += cost(t.body)
}

// view is the task as GET /v1/tasks/{id} returns it.
func (s *Server) view(t *task) map[string]any {
	v := map[string]any{"id": t.id, "status": t.status, "createdAt": t.created}
	switch t.status {
	case "RUNNING":
		v["progress"] = t.progress
	case "SUCCEEDED":
		v["output"] = []string{s.srv.URL + "/outputs/" + t.token + ".mp4?_jwt=" + t.token}
	case "FAILED":
		v["failure"], v["failureCode"] = t.outcome.Failure, t.outcome.FailureCode
	}
	return v
}

// delete cancels a task that has not ended and deletes one that has, as
// DELETE /v1/tasks/{id} is documented to, answering no body.
func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	t := s.tasks[r.PathValue("id")]
	if t == nil || t.deleted {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "Task not found."})
		return
	}
	s.cancels++
	switch t.status {
	case "PENDING", "THROTTLED", "RUNNING":
		if t.status == "RUNNING" {
			s.running--
		}
		s.inFlight--
		s.credits += cost(t.body)
		t.status = "CANCELLED"
	default:
		t.deleted = true
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// organization answers GET /v1/organization with the documented fields.
func (s *Server) organization(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	limits, usage := map[string]any{}, map[string]any{}
	conc := s.concurrency
	if conc == 0 {
		conc = 10
	}
	for name := range creditsPerSecond {
		limits[name] = map[string]any{"maxConcurrentGenerations": conc, "maxDailyGenerations": 200}
	}
	for _, t := range s.tasks {
		name, _ := t.body["model"].(string)
		n, _ := usage[name].(map[string]any)
		if n == nil {
			n = map[string]any{"dailyGenerations": 0}
		}
		n["dailyGenerations"] = n["dailyGenerations"].(int) + 1
		usage[name] = n
	}
	v := map[string]any{"creditBalance": s.credits,
		"tier":  map[string]any{"maxMonthlyCreditSpend": 10000, "models": limits},
		"usage": map[string]any{"models": usage}}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// file serves an output as Runway's CDN does: ranges, and 403 once the
// signed URL has expired.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSuffix(r.PathValue("file"), ".mp4")
	s.mu.Lock()
	expired := s.expired[token] || r.URL.Query().Get("_jwt") != token
	known := false
	for _, t := range s.tasks {
		known = known || strings.HasPrefix(token, t.id+"-")
	}
	s.mu.Unlock()
	switch {
	case !known:
		http.NotFound(w, r)
	case expired:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>")
	default:
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, "video.mp4", time.Time{}, bytes.NewReader(s.video))
	}
}

func fault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	msg := f.Error
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	writeJSON(w, f.Status, map[string]any{"error": msg})
}

func pop[T any](q *[]T) (T, bool) {
	var zero T
	if len(*q) == 0 {
		return zero, false
	}
	v := (*q)[0]
	*q = (*q)[1:]
	return v, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
