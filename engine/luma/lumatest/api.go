package lumatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The values the SDK's GenerationCreateParams allows.
var (
	models       = []string{"ray-1-6", "ray-2", "ray-flash-2"}
	aspectRatios = []string{"1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"}
	resolutions  = []string{"540p", "720p", "1080p", "4k"}
	durations    = []string{"5s", "9s"}
	fields       = []string{"generation_type", "model", "prompt", "aspect_ratio", "resolution", "duration",
		"loop", "keyframes", "callback_url", "concepts"}
)

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+s.key {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Invalid API key"})
		return false
	}
	return true
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"detail": "Content-Type must be application/json"})
		return
	}
	s.mu.Lock()
	s.creates++
	f, faulted := pop(&s.submitFaults)
	s.mu.Unlock()
	if faulted {
		fault(w, f)
		return
	}
	var body map[string]any
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Invalid JSON body"})
		return
	}
	if gt, ok := body["generation_type"]; ok && gt != "video" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Unknown request type"})
		return
	}
	if msg := validate(body); msg != "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": msg})
		return
	}
	s.mu.Lock()
	s.seq++
	g := &generation{
		id:      fmt.Sprintf("3ce343aa-5746-4ab3-b167-%012d", s.seq),
		request: body,
		created: time.Date(2025, 1, 1, 12, 0, s.seq%60, 0, time.UTC).Format("2006-01-02T15:04:05.000000Z"),
		state:   "queued",
		held:    s.hold,
	}
	if reason, ok := pop(&s.failNext); ok {
		g.failWith = reason
	}
	s.gens[g.id] = g
	s.submissions++
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.last = body
	view := s.view(g)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, view)
}

// validate checks a create's body as the SDK types it and answers with
// the wording of docs.lumalabs.ai/docs/errors. It refuses fields the API
// does not document, which Luma may ignore: a misspelt field is a bug here.
func validate(b map[string]any) string {
	for k := range b {
		if !slices.Contains(fields, k) {
			return "Unknown field: " + k
		}
	}
	model, _ := b["model"].(string)
	if !slices.Contains(models, model) {
		return fmt.Sprintf("model must be one of %s", strings.Join(models, ", "))
	}
	for _, c := range []struct {
		field   string
		allowed []string
	}{{"aspect_ratio", aspectRatios}, {"resolution", resolutions}, {"duration", durations}} {
		if v, ok := b[c.field]; ok {
			if s, _ := v.(string); !slices.Contains(c.allowed, s) {
				return fmt.Sprintf("%s must be one of %s", c.field, strings.Join(c.allowed, ", "))
			}
		}
	}
	loop := false
	if v, ok := b["loop"]; ok {
		l, isBool := v.(bool)
		if !isBool {
			return "loop must be a boolean"
		}
		loop = l
	}
	prompt, isString := b["prompt"].(string)
	if _, ok := b["prompt"]; ok && !isString {
		return "prompt must be a string"
	}
	kf, hasKeyframes := b["keyframes"]
	if hasKeyframes {
		frames, _ := kf.(map[string]any)
		if frames["frame0"] == nil && frames["frame1"] == nil {
			return "No keyframes provided"
		}
		if loop && frames["frame1"] != nil {
			return "Loop is not supported for end frame"
		}
	}
	switch n := utf8.RuneCountInString(prompt); {
	case n == 0 && !hasKeyframes:
		return "Prompt is required"
	case n > 0 && n < 3:
		return "Prompt is too short, minimum length is 3 characters"
	case n > 5000:
		return "Prompt is too long, maximum length is 5000 characters"
	}
	return ""
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
	g := s.gens[r.PathValue("id")]
	if g == nil {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Generation not found"})
		return
	}
	s.advance(g)
	view := s.view(g)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, view)
}

// advance moves g one state on, as a poll finds it: queued, dreaming,
// then completed or failed, unless it is held.
func (s *Server) advance(g *generation) {
	if !g.finished {
		g.polls++
		switch {
		case g.polls == 1:
			g.state = "queued"
		case g.polls == 2 || g.held:
			g.state = "dreaming"
		case g.failWith != "":
			g.state, g.reason, g.finished = "failed", g.failWith, true
		default:
			g.state, g.finished = "completed", true
		}
		if g.finished {
			s.inFlight--
		}
	}
	if g.state == "completed" && (g.token == "" || s.expired[g.token]) {
		s.seq++
		g.token = fmt.Sprintf("%s-%d", g.id, s.seq)
		if s.expireNext > 0 {
			s.expireNext--
			s.expired[g.token] = true
		}
	}
	g.served = append(g.served, g.state)
}

// view is the Generation object as the API returns it.
func (s *Server) view(g *generation) map[string]any {
	var reason, assets any
	if g.reason != "" {
		reason = g.reason
	}
	if g.state == "completed" {
		assets = map[string]any{"video": s.srv.URL + "/cdn/" + g.token + ".mp4", "image": nil, "progress_video": nil}
	}
	return map[string]any{"id": g.id, "generation_type": "video", "state": g.state, "failure_reason": reason,
		"created_at": g.created, "assets": assets, "model": g.request["model"], "request": g.request}
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.gens[r.PathValue("id")]
	if g == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Generation not found"})
		return
	}
	delete(s.gens, g.id)
	s.cancels++
	if !g.finished {
		s.inFlight--
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) credits(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"credit_balance": 250000.0})
}

// file serves a completed generation's video as a CDN does: ranges, and
// 403 once the URL has expired.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSuffix(r.PathValue("file"), ".mp4")
	s.mu.Lock()
	expired := s.expired[token]
	known := false
	for _, g := range s.gens {
		known = known || g.token == token
	}
	s.mu.Unlock()
	switch {
	case expired:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
	case !known:
		http.NotFound(w, r)
	default:
		w.Header().Set("Content-Type", "video/mp4")
		http.ServeContent(w, r, "video.mp4", time.Time{}, bytes.NewReader(s.video))
	}
}

func fault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	detail := f.Detail
	if detail == "" {
		detail = http.StatusText(f.Status)
	}
	writeJSON(w, f.Status, map[string]any{"detail": detail})
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
	_ = json.NewEncoder(w).Encode(v)
}
