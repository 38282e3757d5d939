package veotest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.locked(func() { s.requests++ })
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/v1beta/files/"):
		s.geminiFile(w, r)
	case strings.HasPrefix(p, "/v1beta/models/"):
		s.gemini(w, r, strings.TrimPrefix(p, "/v1beta/models/"))
	case strings.HasPrefix(p, "/v1/projects/"):
		s.vertex(w, r, strings.TrimPrefix(p, "/v1/projects/"))
	case strings.HasPrefix(p, "/storage/v1/b/"):
		s.storage(w, r)
	case strings.HasPrefix(p, "/signed/"):
		s.signed(w, r)
	default:
		googleErr(w, http.StatusNotFound, "NOT_FOUND", "The requested URL "+p+" was not found on this server.")
	}
}

// gemini serves models.get, models.predictLongRunning and
// models.operations.get.
func (s *Server) gemini(w http.ResponseWriter, r *http.Request, rest string) {
	if !s.geminiAuth(w, r) {
		return
	}
	model, verb, hasVerb := strings.Cut(rest, ":")
	model, opID, isOp := strings.Cut(model, "/operations/")
	switch {
	case r.Method == http.MethodPost && hasVerb && verb == "predictLongRunning" && !isOp:
		if !strings.HasPrefix(model, "veo-") {
			googleErr(w, http.StatusNotFound, "NOT_FOUND", "models/"+model+" is not found for API version v1beta, or is not supported for predictLongRunning.")
			return
		}
		s.submit(w, r, "gemini", model, "models/"+model+"/operations/")
	case r.Method == http.MethodGet && isOp && !hasVerb:
		s.poll(w, "models/"+model+"/operations/"+opID)
	case r.Method == http.MethodGet && !isOp && !hasVerb && !strings.Contains(model, "/"):
		if !strings.HasPrefix(model, "veo-") {
			googleErr(w, http.StatusNotFound, "NOT_FOUND", "models/"+model+" is not found for API version v1beta.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"name": "models/" + model, "displayName": model,
			"supportedGenerationMethods": []string{"predictLongRunning"}})
	default:
		googleErr(w, http.StatusNotFound, "NOT_FOUND", "The requested URL was not found on this server.")
	}
}

// vertex serves a publisher model's predictLongRunning and
// fetchPredictOperation.
func (s *Server) vertex(w http.ResponseWriter, r *http.Request, rest string) {
	if !s.vertexAuth(w, r) {
		return
	}
	resource, verb, _ := strings.Cut(rest, ":")
	parts := strings.Split(resource, "/")
	if r.Method != http.MethodPost || len(parts) != 7 || parts[1] != "locations" || parts[3] != "publishers" ||
		parts[4] != "google" || parts[5] != "models" {
		googleErr(w, http.StatusNotFound, "NOT_FOUND", "The requested URL was not found on this server.")
		return
	}
	name := "projects/" + resource
	switch verb {
	case "predictLongRunning":
		s.submit(w, r, "vertex", parts[6], name+"/operations/")
	case "fetchPredictOperation":
		var body struct {
			OperationName string `json:"operationName"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.OperationName == "" {
			googleErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", "operationName is required.")
			return
		}
		if !strings.HasPrefix(body.OperationName, name+"/operations/") {
			googleErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", "The operation does not belong to "+name+".")
			return
		}
		s.poll(w, body.OperationName)
	default:
		googleErr(w, http.StatusNotFound, "NOT_FOUND", "The requested URL was not found on this server.")
	}
}

func (s *Server) geminiAuth(w http.ResponseWriter, r *http.Request) bool {
	switch r.Header.Get("x-goog-api-key") {
	case s.opts.Key:
		return true
	case "":
		googleErr(w, http.StatusForbidden, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT",
			"details": []any{map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
				"reason": "API_KEY_INVALID", "domain": "googleapis.com"}}}})
	}
	return false
}

func (s *Server) vertexAuth(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") == "Bearer "+s.opts.Token {
		return true
	}
	googleErr(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
	return false
}

// submit accepts a predictLongRunning body that follows the documented
// rules, unless a fault is queued.
func (s *Server) submit(w http.ResponseWriter, r *http.Request, backend, model, prefix string) {
	if f, ok := s.nextFault(&s.submitFault); ok {
		writeFault(w, f)
		return
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		googleErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error())
		return
	}
	if msg := validate(backend, model, body); msg != "" {
		googleErr(w, http.StatusBadRequest, "INVALID_ARGUMENT", msg)
		return
	}
	var name string
	s.locked(func() {
		s.submissions++
		o := &op{backend: backend, id: fmt.Sprintf("%08x-veo-%04d", 0x5eed0000+s.submissions, s.submissions),
			held: s.opts.Hold, outcome: s.outcome}
		o.name = prefix + o.id
		if backend == "vertex" {
			params, _ := body["parameters"].(map[string]any)
			uri, _ := params["storageUri"].(string)
			o.bucket, o.object, _ = strings.Cut(strings.TrimPrefix(uri, "gs://"), "/")
			if o.object != "" && !strings.HasSuffix(o.object, "/") {
				o.object += "/"
			}
			o.object += o.id + "/sample_0.mp4"
		}
		s.ops[o.name] = o
		s.names = append(s.names, o.name)
		s.inFlight++
		s.maxInFlight = max(s.maxInFlight, s.inFlight)
		s.last = Submission{Backend: backend, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
		name = o.name
	})
	writeJSON(w, http.StatusOK, map[string]any{"name": name})
}

// poll answers an operation read: running (no "done", as proto3 JSON
// leaves out false) until it has been read RunningPolls times and is not
// held, then done with its outcome.
func (s *Server) poll(w http.ResponseWriter, name string) {
	s.locked(func() { s.polls++ })
	if f, ok := s.nextFault(&s.pollFault); ok {
		writeFault(w, f)
		return
	}
	var o op
	found := false
	s.locked(func() {
		p, ok := s.ops[name]
		if !ok {
			return
		}
		found = true
		if !p.done {
			p.polls++
			if !p.held && p.polls > s.opts.RunningPolls {
				p.done = true
				s.inFlight--
			}
		}
		o = *p
	})
	if !found {
		googleErr(w, http.StatusNotFound, "NOT_FOUND", "Operation "+name+" not found.")
		return
	}
	if !o.done {
		writeJSON(w, http.StatusOK, map[string]any{"name": name})
		return
	}
	writeJSON(w, http.StatusOK, s.finished(o))
}

// finished is a done operation as its backend writes it.
func (s *Server) finished(o op) map[string]any {
	out := map[string]any{"name": o.name, "done": true}
	if o.outcome.Code != 0 {
		out["error"] = map[string]any{"code": o.outcome.Code, "message": o.outcome.Message}
		return out
	}
	filtered := map[string]any{}
	if o.outcome.Filtered != nil {
		filtered["raiMediaFilteredCount"] = 1
		filtered["raiMediaFilteredReasons"] = o.outcome.Filtered
	}
	if o.backend == "vertex" {
		filtered["@type"] = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"
		if o.outcome.Filtered == nil {
			filtered["raiMediaFilteredCount"] = 0
			video := map[string]any{"gcsUri": "gs://" + o.bucket + "/" + o.object, "mimeType": "video/mp4"}
			if o.bucket == "" {
				// Without storageUri, Vertex AI answers with the bytes.
				video = map[string]any{"bytesBase64Encoded": base64.StdEncoding.EncodeToString(s.video), "mimeType": "video/mp4"}
			}
			filtered["videos"] = []any{video}
		}
		out["response"] = filtered
		return out
	}
	if o.outcome.Filtered == nil {
		filtered["generatedSamples"] = []any{map[string]any{"video": map[string]any{
			"uri": s.srv.URL + "/v1beta/files/" + o.id + ":download?alt=media"}}}
	}
	out["response"] = map[string]any{
		"@type":                 "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
		"generateVideoResponse": filtered,
	}
	return out
}

func (s *Server) nextFault(q *[]fault) (f fault, ok bool) {
	s.locked(func() {
		if len(*q) > 0 {
			f, ok = (*q)[0], true
			*q = (*q)[1:]
		}
	})
	return f, ok
}

func writeFault(w http.ResponseWriter, f fault) {
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	switch {
	case f.daily:
		writeJSON(w, f.status, map[string]any{"error": map[string]any{
			"code": f.status, "status": "RESOURCE_EXHAUSTED",
			"message": "You exceeded your current quota, please check your plan and billing details.",
			"details": []any{map[string]any{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
				"violations": []any{map[string]any{"quotaMetric": "generativelanguage.googleapis.com/predict_long_running_requests",
					"quotaId": "PredictLongRunningRequestsPerDayPerProjectPerModel"}}}}}})
	case f.status == http.StatusTooManyRequests:
		googleErr(w, f.status, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).")
	default:
		googleErr(w, f.status, "UNAVAILABLE", "The service is currently unavailable.")
	}
}

// googleErr writes Google's error body: google.rpc.Status with the HTTP
// status as code and the canonical code's name.
func googleErr(w http.ResponseWriter, status int, name, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": status, "message": msg, "status": name}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(v)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
