package fal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// errorBody is either of fal's error bodies: a model's (detail is a list
// of typed errors) or the platform's (detail is a sentence, error_type a
// category).
type errorBody struct {
	Detail    json.RawMessage `json:"detail"`
	ErrorType string          `json:"error_type"`
}

// modelError is one of a model's typed errors.
type modelError struct {
	Loc        []any    `json:"loc"`
	Msg        string   `json:"msg"`
	Type       string   `json:"type"`
	Categories []string `json:"categories"`
}

// failure turns an answer fal ended a call with into the job error a
// person reads. fal reports a prompt its content checker refused as a 422
// whose errors have type content_policy_violation; an account out of
// credit as a 403 "User is locked. Reason: Exhausted balance"; a bad key
// as a 401; a runner that failed as a 5xx with an error_type
// (request_timeout, runner_disconnected, …). errType is the error_type a
// COMPLETED status already gave, if any.
func failure(se *provider.StatusError, errType string) *engine.Error {
	var body errorBody
	_ = json.Unmarshal(se.Body, &body) // an unreadable body still has a status
	if body.ErrorType != "" {
		errType = body.ErrorType
	}
	var list []modelError
	_ = json.Unmarshal(body.Detail, &list)
	for _, m := range list {
		if m.Type == "content_policy_violation" {
			msg := m.Msg
			if len(m.Categories) > 0 {
				msg += " (" + strings.Join(m.Categories, ", ") + ")"
			}
			return engine.Errorf(slate.JobErrPromptRejected, false, "fal's content checker refused the %s: %s", field(m.Loc), msg)
		}
	}
	detail := detailOf(se.Body)
	switch s := se.Status; {
	case s == http.StatusUnauthorized:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "fal refused the key (401): %s", detail)
	case s == http.StatusPaymentRequired || s == http.StatusForbidden && strings.Contains(strings.ToLower(detail), "balance"):
		return engine.Errorf(slate.JobErrQuotaExceeded, false, "fal: the account is out of credit (%d): %s", s, detail)
	case s == http.StatusForbidden:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "fal refused the key (403): %s", detail)
	case s == http.StatusBadRequest || s == http.StatusUnprocessableEntity || s == http.StatusNotFound:
		return engine.Errorf(slate.JobErrInvalidRequest, false, "fal refused the request (%d): %s", s, detail)
	case s == http.StatusTooManyRequests:
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "fal is throttling this account (429): %s", detail)
	case errType == "request_timeout" || errType == "startup_timeout" || s == http.StatusGatewayTimeout:
		return engine.Errorf(slate.JobErrEngineTimeout, true, "fal: the model did not finish in time (%d %s): %s", s, errType, detail)
	case s >= 500:
		return engine.Errorf(slate.JobErrEngineFailed, true, "fal: the model failed (%d %s): %s", s, errType, detail)
	}
	return engine.Errorf(provider.CodeOf(se.Status), false, "fal answered %d: %s", se.Status, detail)
}

// detailOf is the readable part of an error body: the platform's detail
// sentence, or each of a model's errors as "field: message".
func detailOf(b []byte) string {
	var body errorBody
	if err := json.Unmarshal(b, &body); err == nil && len(body.Detail) > 0 {
		var s string
		if json.Unmarshal(body.Detail, &s) == nil {
			return s
		}
		var list []modelError
		if json.Unmarshal(body.Detail, &list) == nil && len(list) > 0 {
			parts := make([]string, 0, len(list))
			for _, m := range list {
				parts = append(parts, field(m.Loc)+": "+m.Msg)
			}
			return strings.Join(parts, "; ")
		}
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		return "no detail"
	}
	return s
}

// field names an error's location: ["body", "num_frames"] is num_frames.
func field(loc []any) string {
	var parts []string
	for i, p := range loc {
		if i == 0 && p == "body" && len(loc) > 1 {
			continue
		}
		parts = append(parts, fmt.Sprint(p))
	}
	if len(parts) == 0 {
		return "request"
	}
	return strings.Join(parts, ".")
}
