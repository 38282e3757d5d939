package replicatetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// pred is one prediction and where it is in its life.
type pred struct {
	id, model, version string
	input              map[string]any
	status             string
	outcome            Outcome
	step               int // progress bars logged while processing
	polls              int
	token              string // the current output URL's; "" until handed out
	dead               bool   // token expired before it was fetched
	errText            string
	created            int // sequence number, for timestamps
}

// epoch is the fake's clock: timestamps are epoch plus a sequence, so
// nothing reads the time of day.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func stamp(seq int) string {
	return epoch.Add(time.Duration(seq) * time.Second).Format(time.RFC3339Nano)
}

// problem writes Replicate's error body: RFC 7807 problem details.
func problem(w http.ResponseWriter, status int, detail, title string) {
	if detail == "" {
		detail = http.StatusText(status)
	}
	body := map[string]any{"detail": detail, "status": status}
	if title != "" {
		body["title"] = title
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, f Failure) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	title := ""
	if f.Status == http.StatusTooManyRequests {
		title = "Request was throttled"
	}
	problem(w, f.Status, f.Detail, title)
}

func (s *Server) createByName(w http.ResponseWriter, r *http.Request) {
	s.create(w, r, r.PathValue("owner")+"/"+r.PathValue("name"), false)
}

func (s *Server) createByVersion(w http.ResponseWriter, r *http.Request) {
	s.create(w, r, "", true)
}

// create is both create endpoints: by model name in the path, or by the
// body's "version".
func (s *Server) create(w http.ResponseWriter, r *http.Request, model string, byVersion bool) {
	// Room for a start image sent inline as a data: URI.
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	bad := dec.Decode(&body)
	s.mu.Lock()
	s.creates++
	s.lastCreate = Request{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	s.mu.Unlock()
	if !s.authorized(w, r) {
		return
	}
	if f, ok := s.takeFailure(Create); ok {
		fail(w, f)
		return
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		problem(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json", "")
		return
	}
	if bad != nil || body == nil {
		problem(w, http.StatusBadRequest, "The request body is not a JSON object.", "")
		return
	}
	m, ok := s.models[model]
	if byVersion {
		v, _ := body["version"].(string)
		if v == "" {
			problem(w, http.StatusUnprocessableEntity, "version is required", "Input validation failed")
			return
		}
		m, ok = s.byVersion(v)
		if !ok {
			problem(w, http.StatusUnprocessableEntity, "Invalid version or not permitted", "")
			return
		}
	} else if !ok {
		problem(w, http.StatusNotFound, "The requested resource could not be found.", "")
		return
	}
	input, ok := body["input"].(map[string]any)
	if !ok {
		problem(w, http.StatusUnprocessableEntity, "- input is required", "Input validation failed")
		return
	}
	if errs := m.validate(input); len(errs) > 0 {
		problem(w, http.StatusUnprocessableEntity, strings.Join(errs, "\n"), "Input validation failed")
		return
	}
	s.mu.Lock()
	s.seq++
	p := &pred{id: newID(), model: m.Name, version: m.Version, input: input, status: "starting",
		outcome: s.outcome, created: s.seq}
	s.preds[p.id] = p
	s.order = append(s.order, p.id)
	s.submissions++
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	out := s.view(p)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

// byVersion finds the model a version id, or owner/name:version, names.
func (s *Server) byVersion(v string) (Model, bool) {
	name, id, pinned := strings.Cut(v, ":")
	if !pinned {
		name, id = "", v
	}
	for _, m := range s.models {
		if m.Version != "" && m.Version == id && (name == "" || name == m.Name) {
			return m, true
		}
	}
	return Model{}, false
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if f, ok := s.takeFailure(Get); ok {
		fail(w, f)
		return
	}
	s.mu.Lock()
	p, ok := s.preds[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		problem(w, http.StatusNotFound, "Not found.", "")
		return
	}
	p.polls++
	s.advance(p)
	out := s.view(p)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// advance moves p one step along its life: starting, processing with a
// progress bar per poll, then its outcome.
func (s *Server) advance(p *pred) {
	switch {
	case p.status == "starting" && p.outcome.Abort:
		s.end(p, "aborted")
	case p.status == "starting":
		p.status = "processing"
	case p.status != "processing":
	case p.step < s.cfg.Steps:
		p.step++
	case p.outcome.Hold:
	case p.outcome.Error != "":
		p.errText = p.outcome.Error
		s.end(p, "failed")
	default:
		s.end(p, "succeeded")
	}
}

func (s *Server) end(p *pred, status string) {
	p.status = status
	s.inFlight--
}

func terminal(status string) bool {
	return status == "succeeded" || status == "failed" || status == "canceled" || status == "aborted"
}

// view is the prediction object the API answers with.
func (s *Server) view(p *pred) map[string]any {
	base := s.srv.URL + "/v1/predictions/" + p.id
	version := p.version
	if version == "" {
		version = "hidden"
	}
	v := map[string]any{
		"id": p.id, "model": p.model, "version": version, "input": p.input,
		"status": p.status, "logs": s.logs(p), "output": nil, "error": nil,
		"created_at": stamp(p.created), "data_removed": s.removed && p.status == "succeeded",
		"urls": map[string]string{"get": base, "cancel": base + "/cancel",
			"web": "https://replicate.com/p/" + p.id},
	}
	if p.status != "starting" {
		v["started_at"] = stamp(p.created + 1)
	}
	if terminal(p.status) {
		v["completed_at"] = stamp(p.created + 2)
		predict := s.cfg.PredictTime
		switch p.status {
		case "aborted":
			predict = 0
		case "canceled":
			predict /= 2
		}
		v["metrics"] = map[string]any{"predict_time": predict, "total_time": predict + 1.5}
	}
	if p.errText != "" {
		v["error"] = p.errText
	}
	if p.status == "succeeded" && !s.removed {
		if p.token == "" || p.dead {
			p.token, p.dead = newID(), false
			if s.expireNext > 0 {
				s.expireNext--
				p.dead = true
			}
		}
		video := s.srv.URL + "/files/" + p.id + "/" + p.token + "/output.mp4"
		v["output"] = video
		if p.outcome.List {
			v["output"] = []string{s.srv.URL + "/files/" + p.id + "/" + p.token + "/poster.jpg", video}
		}
	}
	return v
}

// logs is a Cog model's log: a line, then a progress bar per step.
func (s *Server) logs(p *pred) string {
	if p.status == "starting" {
		return ""
	}
	var b strings.Builder
	b.WriteString("Generating video...\n")
	for i := 1; i <= p.step; i++ {
		pct := i * 100 / s.cfg.Steps
		bar := strings.Repeat("█", pct/10) + strings.Repeat(" ", 10-pct/10)
		fmt.Fprintf(&b, "%3d%%|%s| %d/%d [00:%02d<00:%02d,  1.00it/s]\n", pct, bar, i, s.cfg.Steps, i, s.cfg.Steps-i)
	}
	return b.String()
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if f, ok := s.takeFailure(Cancel); ok {
		fail(w, f)
		return
	}
	s.mu.Lock()
	p, ok := s.preds[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		problem(w, http.StatusNotFound, "Not found.", "")
		return
	}
	s.cancels++
	if !terminal(p.status) {
		s.end(p, "canceled")
	}
	out := s.view(p)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if f, ok := s.takeFailure(Account); ok {
		fail(w, f)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "user", "username": "slate-test", "name": "Slate Test", "github_url": nil})
}

// file serves a prediction's output while its URL is current. The API
// documents that output files want the Authorization header.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	f, failing := s.takeFailure(Download)
	s.mu.Lock()
	s.downloads++
	s.ranges = append(s.ranges, r.Header.Get("Range"))
	p, ok := s.preds[r.PathValue("id")]
	current := ok && !s.removed && p.token != "" && !p.dead && p.token == r.PathValue("token") && r.PathValue("file") == "output.mp4"
	s.mu.Unlock()
	switch {
	case failing && f.Cut:
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Length", fmt.Sprint(len(s.cfg.Video)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(s.cfg.Video[:len(s.cfg.Video)/2])
		panic(http.ErrAbortHandler) // drops the connection mid-file
	case failing:
		fail(w, f)
	case !current:
		http.NotFound(w, r)
	default:
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, "output.mp4", epoch, bytes.NewReader(s.cfg.Video))
	}
}
