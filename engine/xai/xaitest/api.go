package xaitest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// What the API reference allows, and what it charges a second.
var (
	models       = []string{"grok-imagine-video"}
	aspectRatios = []string{"1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3"}
	resolutions  = []string{"480p", "720p"}
	fields       = []string{"prompt", "model", "duration", "aspect_ratio", "resolution", "image", "output", "size", "user"}
	// ticksPerSecond is xAI's list price in ticks (1e-10 USD): $0.05 a
	// second at 480p, $0.07 at 720p.
	ticksPerSecond = map[string]int64{"480p": 500_000_000, "720p": 700_000_000}
)

// authorized answers as xAI does: 401 without a bearer token, 400 with an
// incorrect one, echoing the key's first and last two characters.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	got, bearer := strings.CutPrefix(auth, "Bearer ")
	got = strings.TrimSpace(got)
	switch {
	case !bearer || got == "":
		writeJSON(w, http.StatusUnauthorized, map[string]any{"code": "Unauthenticated",
			"error": "No authorization header was provided. Supply an Authorization: Bearer <XAI_API_KEY> header."})
		return false
	case got != s.key:
		shown := "***"
		if len(got) >= 4 {
			shown = got[:2] + "***" + got[len(got)-2:]
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": "Client specified an invalid argument",
			"error": "Incorrect API key provided: " + shown + ". You can obtain an API key from https://console.x.ai."})
		return false
	}
	return true
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"code": "Unsupported media type",
			"error": "Expected request with `Content-Type: application/json`"})
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
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"code": "Unprocessable Entity",
			"error": "Failed to deserialize the JSON body into the target type"})
		return
	}
	if status, msg := validate(body); status != 0 {
		writeJSON(w, status, map[string]any{"code": http.StatusText(status), "error": msg})
		return
	}
	s.mu.Lock()
	s.seq++
	req := &request{id: fmt.Sprintf("f532feb6-49a9-4f9a-9a37-%012d", s.seq), body: body, status: "pending", held: s.hold}
	if o, ok := pop(&s.outcomes); ok {
		req.outcome = &o
	}
	s.reqs[req.id] = req
	s.submissions++
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.last = body
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"request_id": req.id})
}

// validate checks a create's body against the API reference: 422 for a
// body that does not fit the schema, 404 for an unknown model, 400 for a
// value out of range. Fields the reference does not list are refused.
func validate(b map[string]any) (int, string) {
	for k := range b {
		if !slices.Contains(fields, k) {
			return http.StatusUnprocessableEntity, fmt.Sprintf("unknown field `%s`", k)
		}
	}
	prompt, ok := b["prompt"].(string)
	switch {
	case b["prompt"] == nil:
		return http.StatusUnprocessableEntity, "missing field `prompt`"
	case !ok:
		return http.StatusUnprocessableEntity, "invalid type for `prompt`: expected a string"
	case strings.TrimSpace(prompt) == "":
		return http.StatusBadRequest, "The prompt must not be empty."
	}
	if m, ok := b["model"]; ok {
		if name, _ := m.(string); !slices.Contains(models, name) {
			return http.StatusNotFound, fmt.Sprintf("The model %v does not exist or your team does not have access to it.", m)
		}
	}
	if d, ok := b["duration"]; ok {
		n, isNumber := d.(json.Number)
		secs, err := n.Int64()
		if !isNumber || err != nil {
			return http.StatusUnprocessableEntity, "invalid type for `duration`: expected an integer"
		}
		if secs < 1 || secs > 15 {
			return http.StatusBadRequest, "Video duration must be between 1 and 15 seconds."
		}
	}
	for _, c := range []struct {
		field   string
		allowed []string
	}{{"aspect_ratio", aspectRatios}, {"resolution", resolutions}} {
		if v, ok := b[c.field]; ok {
			if s, _ := v.(string); !slices.Contains(c.allowed, s) {
				return http.StatusBadRequest, fmt.Sprintf("Invalid %s %v: allowed values are %s.", c.field, v, strings.Join(c.allowed, ", "))
			}
		}
	}
	if img, ok := b["image"]; ok {
		m, _ := img.(map[string]any)
		if m == nil || m["url"] == nil {
			return http.StatusUnprocessableEntity, "missing field `url` in `image`"
		}
		if msg := imageURL(m["url"]); msg != "" {
			return http.StatusBadRequest, msg
		}
	}
	return 0, ""
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
	req := s.reqs[r.PathValue("id")]
	if req == nil {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, map[string]any{"code": "Some requested entity was not found",
			"error": "No video generation request with this id."})
		return
	}
	s.advance(req)
	view := s.view(req)
	s.mu.Unlock()
	status := http.StatusOK
	if req.status == "pending" {
		status = http.StatusAccepted
	}
	writeJSON(w, status, view)
}

// advance moves req on as a poll finds it: pending at 0 %, pending at
// 50 %, then done or failed, unless it is held; and expired once xAI no
// longer holds it.
func (s *Server) advance(req *request) {
	o := req.outcome
	switch {
	case req.expired:
	case req.finished && o != nil && o.Expire:
		req.expired = true
	case !req.finished:
		req.polls++
		if req.polls > 2 && !req.held {
			req.finished = true
			s.inFlight--
			req.status = "done"
			if o != nil && o.Code != "" {
				req.status = "failed"
			}
		}
	}
	if req.expired {
		req.status = "expired"
	}
	if req.status == "done" && !moderated(req) && (req.token == "" || s.expired[req.token]) {
		s.seq++
		req.token = fmt.Sprintf("xai-video-%s-%d", req.id, s.seq)
		if s.expireNext > 0 {
			s.expireNext--
			s.expired[req.token] = true
		}
	}
	req.served = append(req.served, req.status)
}

func moderated(req *request) bool { return req.outcome != nil && req.outcome.Moderated }

// view is the deferred request as GET /v1/videos/{request_id} returns it.
func (s *Server) view(req *request) map[string]any {
	seconds := int64(8) // the API's default duration
	if n, ok := req.body["duration"].(json.Number); ok {
		seconds, _ = n.Int64()
	}
	res, _ := req.body["resolution"].(string)
	if res == "" {
		res = "480p" // the API's default resolution
	}
	switch req.status {
	case "pending":
		progress := 0
		if req.polls > 1 {
			progress = 50
		}
		return map[string]any{"status": "pending", "progress": progress}
	case "failed":
		return map[string]any{"status": "failed", "model": "", "progress": 0,
			"video": map[string]any{"duration": 0, "respect_moderation": true},
			"error": map[string]any{"code": req.outcome.Code, "message": req.outcome.Message}}
	case "done":
		video := map[string]any{"url": s.srv.URL + "/xai-vidgen-bucket/" + req.token + ".mp4",
			"duration": seconds, "respect_moderation": true}
		if moderated(req) {
			video["url"], video["respect_moderation"] = "", false
		}
		return map[string]any{"status": "done", "model": "grok-imagine-video", "progress": 100, "video": video,
			"usage": map[string]any{"cost_in_usd_ticks": seconds * ticksPerSecond[res]}}
	}
	return map[string]any{"status": req.status}
}

// apiKey answers GET /v1/api-key with the documented fields.
func (s *Server) apiKey(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	blocked := s.keyBlocked
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"acls": []string{"api-key:endpoint:*", "api-key:model:*"}, "api_key_blocked": blocked, "api_key_disabled": false,
		"api_key_id": "key_1234567890", "create_time": "1710000000", "modified_by": "user_abc123",
		"modify_time": "1710003600", "name": "Slate tests", "redacted_api_key": "xai-****",
		"team_blocked": false, "team_id": "team_12345", "user_id": "user_abc123"})
}

// file serves a video as xAI's bucket does: ranges, and 403 once the URL
// has expired.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSuffix(r.PathValue("file"), ".mp4")
	s.mu.Lock()
	expired := s.expired[token]
	known := false
	for _, req := range s.reqs {
		known = known || req.token == token
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
	msg := f.Error
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	writeJSON(w, f.Status, map[string]any{"code": http.StatusText(f.Status), "error": msg})
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

// imageURL checks image.url as docs.x.ai's image-to-video guide describes
// it: a public http(s) URL or a base64 data: URI of an image.
func imageURL(v any) string {
	u, _ := v.(string)
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return ""
	}
	meta, data, ok := strings.Cut(strings.TrimPrefix(u, "data:"), ",")
	if !strings.HasPrefix(u, "data:") || !ok || !strings.HasPrefix(meta, "image/") || !strings.HasSuffix(meta, ";base64") {
		return fmt.Sprintf("image.url must be a public URL or a base64 data URI of an image, not %.40q", u)
	}
	if b, err := base64.StdEncoding.DecodeString(data); err != nil || len(b) == 0 {
		return "image.url holds invalid base64 data."
	}
	return ""
}
