package veo

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// rpcStatus is google.rpc.Status: an operation's error, and the "error"
// of every failed call to a Google API (where code is the HTTP status and
// status the canonical code's name).
type rpcStatus struct {
	Code    int               `json:"code"`
	Message string            `json:"message"`
	Status  string            `json:"status"`
	Details []json.RawMessage `json:"details"`
}

// detail is the part of a google.rpc error detail this adapter reads:
// ErrorInfo's reason, RetryInfo's delay, QuotaFailure's violations.
type detail struct {
	Type       string `json:"@type"`
	Reason     string `json:"reason"`
	RetryDelay string `json:"retryDelay"`
	Violations []struct {
		QuotaID string `json:"quotaId"`
	} `json:"violations"`
}

// grpcNames are the canonical codes an operation's error carries as numbers.
var grpcNames = map[int]string{
	1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED",
	5: "NOT_FOUND", 6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED",
	9: "FAILED_PRECONDITION", 10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED",
	13: "INTERNAL", 14: "UNAVAILABLE", 15: "DATA_LOSS", 16: "UNAUTHENTICATED",
}

func (s rpcStatus) details() []detail {
	var out []detail
	for _, raw := range s.Details {
		var d detail
		if json.Unmarshal(raw, &d) == nil {
			out = append(out, d)
		}
	}
	return out
}

func (s rpcStatus) reason() string {
	for _, d := range s.details() {
		if d.Reason != "" {
			return d.Reason
		}
	}
	return ""
}

// retryDelay is RetryInfo's delay, which Google sends with a 429 instead
// of, or as well as, Retry-After.
func (s rpcStatus) retryDelay() time.Duration {
	for _, d := range s.details() {
		if v, err := time.ParseDuration(d.RetryDelay); err == nil && v > 0 {
			return v
		}
	}
	return 0
}

// daily reports a quota that lasts the day: throttling per minute passes,
// this does not until tomorrow.
func (s rpcStatus) daily() bool {
	for _, d := range s.details() {
		for _, v := range d.Violations {
			if strings.Contains(v.QuotaID, "PerDay") {
				return true
			}
		}
	}
	return false
}

// googleError reads the "error" of a failed call's body; a body that is
// not Google's JSON leaves only the HTTP status to go on.
func googleError(se *provider.StatusError) rpcStatus {
	var body struct {
		Error rpcStatus `json:"error"`
	}
	if json.Unmarshal(se.Body, &body) != nil || body.Error.Message == "" {
		return rpcStatus{Code: se.Status, Message: strings.TrimSpace(string(se.Body))}
	}
	return body.Error
}

// unsafe reports a message about Google's safety filters, which Vertex AI
// sends as INVALID_ARGUMENT with a support code.
func unsafe(msg string) bool {
	m := strings.ToLower(msg)
	for _, w := range []string{"responsible ai", "safety", "sensitive words", "violate", "usage guidelines", "content policy"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// failure turns a canonical code and its message into the job's error.
func failure(name, msg string) *engine.Error {
	switch {
	case name == "INVALID_ARGUMENT" && unsafe(msg):
		return engine.Errorf(slate.JobErrPromptRejected, false, "Veo refused the prompt: %s", msg)
	case name == "INVALID_ARGUMENT" || name == "OUT_OF_RANGE" || name == "NOT_FOUND":
		return engine.Errorf(slate.JobErrInvalidRequest, false, "Veo refused the request: %s", msg)
	case name == "RESOURCE_EXHAUSTED":
		return engine.Errorf(slate.JobErrQuotaExceeded, false, "Veo quota exhausted: %s", msg)
	case name == "UNAUTHENTICATED" || name == "PERMISSION_DENIED" || name == "FAILED_PRECONDITION":
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "Google refused this deployment's credentials or project: %s", msg)
	case name == "DEADLINE_EXCEEDED":
		return engine.Errorf(slate.JobErrEngineTimeout, true, "Veo did not finish in time: %s", msg)
	case name == "CANCELLED":
		return engine.Errorf(slate.JobErrEngineFailed, false, "the operation was cancelled at Google: %s", msg)
	default:
		return engine.Errorf(slate.JobErrEngineFailed, true, "Veo failed (%s): %s", strings.ToLower(orUnknown(name)), msg)
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "UNKNOWN"
	}
	return s
}

// callFailure sorts a failed call's answer into a job error. An invalid
// Gemini API key is a 400 whose ErrorInfo reason says so, not a bad
// request.
func callFailure(se *provider.StatusError) *engine.Error {
	g := googleError(se)
	name := g.Status
	if name == "" {
		name = httpNames[se.Status]
	}
	switch {
	case g.reason() == "API_KEY_INVALID" || se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "Google refused this deployment's credentials: %s", g.Message)
	case se.Status >= 500:
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "Google answered %d: %s", se.Status, g.Message)
	case name != "":
		return failure(name, g.Message)
	}
	return engine.Errorf(provider.CodeOf(se.Status), false, "Google answered %d: %s", se.Status, g.Message)
}

var httpNames = map[int]string{
	http.StatusBadRequest: "INVALID_ARGUMENT", http.StatusNotFound: "NOT_FOUND",
	http.StatusTooManyRequests: "RESOURCE_EXHAUSTED", http.StatusConflict: "ABORTED",
}

// asStatus finds the *provider.StatusError in err.
func asStatus(err error) (*provider.StatusError, bool) {
	return errors.AsType[*provider.StatusError](err)
}

func invalid(format string, args ...any) *engine.Error {
	return engine.Errorf(slate.JobErrInvalidRequest, false, format, args...)
}
