package faltest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
)

// state is where a request is in fal's queue.
type state int

const (
	inQueue state = iota
	inProgress
	completed
	cancelled
)

// ending is how a request ends when it completes.
type ending int

const (
	succeeds ending = iota
	moderated
	invalid
	timedOut
)

// request is one queued request.
type request struct {
	id, model, app string
	input          map[string]any
	state          state
	ran            bool // answered IN_PROGRESS at least once
	held           bool
	ending         ending
	errors         []map[string]any
	seed           int64
	clip           clipKey
}

// submit is POST /{model_id}: the request goes into the queue.
func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	model := strings.Trim(r.PathValue("path"), "/")
	// Room for a start image sent inline as a data: URI.
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20))
	dec.UseNumber()
	var input map[string]any
	if err := dec.Decode(&input); err != nil || input == nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []map[string]any{
			{"loc": []string{"body"}, "msg": "Input should be a valid dictionary", "type": "dict_type"}}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Posts++
	k := &s.knobs
	if k.locked {
		writeJSON(w, http.StatusForbidden, map[string]any{"detail": "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."})
		return
	}
	if take(&k.throttleSubmits) {
		throttle(w, k.submitRetryAfter)
		return
	}
	req := &request{id: newID(), model: model, app: appID(model), input: input, state: inQueue}
	req.errors = validate(model, input)
	req.seed, req.clip = seedOf(input), clipOf(input)
	switch {
	case len(req.errors) > 0:
		req.ending = invalid
	case take(&k.moderate):
		req.ending = moderated
	case take(&k.timeout):
		req.ending = timedOut
	}
	s.requests[req.id] = req
	s.order = append(s.order, req)
	s.stats.Submissions++
	s.stats.InFlight++
	s.stats.MaxInFlight = max(s.stats.MaxInFlight, s.stats.InFlight)
	s.last, s.lastPath = input, model
	if take(&k.breakSubmits) {
		writeJSON(w, http.StatusBadGateway, map[string]any{"detail": "Bad Gateway"})
		return
	}
	base := s.URL() + "/" + req.app + "/requests/" + req.id
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "IN_QUEUE", "request_id": req.id, "queue_position": s.positionLocked(req),
		"response_url": base, "status_url": base + "/status", "cancel_url": base + "/cancel",
	})
}

// get is GET {app}/requests/{id}/status and GET {app}/requests/{id}.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	app, id, op, ok := splitRequestPath(r.PathValue("path"))
	switch {
	case ok && op == "status":
		s.status(w, app, id)
	case ok && op == "":
		s.result(w, app, id)
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not Found"})
	}
}

// lookup finds the request id under app: the status, result and cancel
// paths take the app id (owner/alias), never a model's sub-path.
func (s *Server) lookup(w http.ResponseWriter, app, id string) *request {
	req := s.requests[id]
	if req == nil || req.app != app {
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Request not found"})
		return nil
	}
	return req
}

// status answers a request's state and moves it one step on: IN_QUEUE,
// then IN_PROGRESS, then COMPLETED — unless the server holds requests,
// when IN_PROGRESS lasts until a release.
func (s *Server) status(w http.ResponseWriter, app, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := s.lookup(w, app, id)
	if req == nil {
		return
	}
	k := &s.knobs
	if take(&k.throttlePolls) {
		throttle(w, k.pollRetryAfter)
		return
	}
	if take(&k.breakPolls) {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"detail": "Service Unavailable"})
		return
	}
	s.stats.Polls++
	base := s.URL() + "/" + req.app + "/requests/" + req.id
	answer := map[string]any{"request_id": req.id, "response_url": base, "status_url": base + "/status", "cancel_url": base + "/cancel"}
	switch {
	case req.state == inQueue:
		answer["status"], answer["queue_position"] = "IN_QUEUE", s.positionLocked(req)
		req.state = inProgress
		writeJSON(w, http.StatusOK, answer)
		return
	case req.state == inProgress && req.ran && s.hold && s.credit == 0:
		req.held = true
	case req.state == inProgress && req.ran:
		if s.hold {
			s.credit--
		}
		req.held, req.state = false, completed
		s.stats.InFlight--
	}
	req.ran = true
	switch req.state {
	case inProgress:
		answer["status"] = "IN_PROGRESS"
		answer["logs"] = []map[string]any{{"message": "Generating video", "level": "INFO", "source": "USER", "timestamp": "2026-12-04T12:00:00Z"}}
	case completed, cancelled:
		answer["status"] = "COMPLETED"
		answer["metrics"] = map[string]any{"inference_time": 1.25}
		answer["logs"] = []map[string]any{}
		switch {
		case req.state == cancelled:
			answer["error"], answer["error_type"] = "Request was cancelled", "request_cancelled"
		case req.ending == timedOut:
			answer["error"], answer["error_type"] = "Request timed out", "request_timeout"
		}
	}
	writeJSON(w, http.StatusOK, answer)
}

// result answers a completed request's output, or how it failed.
func (s *Server) result(w http.ResponseWriter, app, id string) {
	s.mu.Lock()
	req := s.lookup(w, app, id)
	if req == nil {
		s.mu.Unlock()
		return
	}
	s.stats.Results++
	if take(&s.knobs.breakFetch) {
		s.mu.Unlock()
		writeJSON(w, http.StatusInternalServerError, map[string]any{"detail": "Internal Server Error"})
		return
	}
	st, end, clip, seed := req.state, req.ending, req.clip, req.seed
	s.mu.Unlock()
	switch {
	case st == inQueue || st == inProgress:
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Request is still in progress"})
	case st == cancelled:
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Request was cancelled"})
	case end == invalid:
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": req.errors})
	case end == moderated:
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []map[string]any{{
			"loc": []string{"body", "prompt"}, "msg": "The content was flagged by a content checker.",
			"type": "content_policy_violation", "url": "https://docs.fal.ai/errors#content_policy_violation",
			"input": req.input["prompt"], "categories": []string{"violence"},
		}}})
	case end == timedOut:
		w.Header().Set("X-Fal-Error-Type", "request_timeout")
		writeJSON(w, http.StatusGatewayTimeout, map[string]any{"detail": "Request timed out", "error_type": "request_timeout"})
	default:
		data, err := s.clip(clip)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]any{"detail": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"video": map[string]any{"url": s.mint(data), "content_type": "video/mp4", "file_name": "output.mp4", "file_size": len(data)},
			"seed":  seed,
		})
	}
}

// cancel is PUT {app}/requests/{id}/cancel.
func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	app, id, op, ok := splitRequestPath(r.PathValue("path"))
	if !ok || op != "cancel" {
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not Found"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := s.requests[id]
	switch {
	case req == nil || req.app != app:
		writeJSON(w, http.StatusNotFound, map[string]any{"status": "NOT_FOUND"})
	case req.state == completed || req.state == cancelled:
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": "ALREADY_COMPLETED"})
	default:
		req.state, req.held = cancelled, false
		s.stats.InFlight--
		s.stats.Cancels++
		writeJSON(w, http.StatusAccepted, map[string]any{"status": "CANCELLATION_REQUESTED"})
	}
}

// authorized checks the "Authorization: Key …" header fal's API takes.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") == "Key "+s.key {
		return true
	}
	writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "No user found for Key ID and Secret"})
	return false
}

// positionLocked is how many queued requests are ahead of req.
func (s *Server) positionLocked(req *request) int {
	n := 0
	for _, o := range s.order {
		if o == req {
			break
		}
		if o.state == inQueue {
			n++
		}
	}
	return n
}

// splitRequestPath splits "{app}/requests/{id}[/status|/cancel]".
func splitRequestPath(p string) (app, id, op string, ok bool) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i := 1; i+1 < len(parts); i++ {
		if parts[i] != "requests" {
			continue
		}
		rest := parts[i+2:]
		if len(rest) > 1 || len(rest) == 1 && rest[0] != "status" && rest[0] != "cancel" {
			return "", "", "", false
		}
		if len(rest) == 1 {
			op = rest[0]
		}
		return strings.Join(parts[:i], "/"), parts[i+1], op, true
	}
	return "", "", "", false
}

// appID is fal's rule: owner/alias, after a workflows/ or comfy/ prefix.
func appID(model string) string {
	parts := strings.Split(model, "/")
	n := 2
	if parts[0] == "workflows" || parts[0] == "comfy" {
		n = 3
	}
	return strings.Join(parts[:min(n, len(parts))], "/")
}

func throttle(w http.ResponseWriter, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"detail": "Too many requests"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
