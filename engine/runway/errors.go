package runway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// callError turns a failed call into the *engine.Error a person reads.
// Runway answers errors as {"error": "…"} (docs.dev.runwayml.com's HTTP
// errors), a failed validation with its issues too; a task creation the
// organisation cannot pay for is a 400 "You do not have enough credits to
// run this task.", which is quota_exceeded, not a bad request.
func (e *Engine) callError(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if ee, ok := errors.AsType[*engine.Error](err); ok {
		return ee
	}
	se, ok := errors.AsType[*provider.StatusError](err)
	if !ok {
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "runway could not be reached while %s: %s", doing, e.scrub(errText(err)))
	}
	msg := e.scrub(messageOf(se.Body))
	lower := strings.ToLower(msg)
	switch {
	case se.Status == http.StatusUnauthorized:
		// Told in Slate's words: whatever Runway says of a key stays out.
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "runway refused the API key while %s (401)", doing)
	case se.Status == http.StatusPaymentRequired || strings.Contains(lower, "enough credits") ||
		strings.Contains(lower, "insufficient credits"):
		return engine.Errorf(slate.JobErrQuotaExceeded, false, "runway: out of credits while %s: %s", doing, msg)
	case se.Status == http.StatusForbidden:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "runway refused %s (403): %s", doing, msg)
	case se.Waits():
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "runway is unavailable while %s (%d): %s", doing, se.Status, msg)
	case se.Status == http.StatusBadRequest || se.Status == http.StatusUnprocessableEntity || se.Status == http.StatusNotFound:
		return engine.Errorf(slate.JobErrInvalidRequest, false, "runway refused the request while %s (%d): %s", doing, se.Status, msg)
	}
	return engine.Errorf(provider.CodeOf(se.Status), false, "runway answered %d while %s: %s", se.Status, doing, msg)
}

// messageOf reads a Runway error body, with a validation's issues where
// it has them, and falls back to the body itself, shortened.
func messageOf(body []byte) string {
	var v struct {
		Error  string `json:"error"`
		Issues []struct {
			Message string   `json:"message"`
			Code    string   `json:"code"`
			Path    []any    `json:"path"`
			Values  []any    `json:"values"`
			Keys    []string `json:"keys"`
		} `json:"issues"`
	}
	if json.Unmarshal(body, &v) != nil || v.Error == "" {
		return shorten(strings.TrimSpace(string(body)))
	}
	var parts []string
	for _, is := range v.Issues {
		p := is.Message
		switch {
		case p == "" && len(is.Keys) > 0:
			p = "unrecognised " + strings.Join(is.Keys, ", ")
		case p == "" && len(is.Values) > 0:
			p = fmt.Sprintf("expected one of %v", is.Values)
		case p == "":
			p = is.Code
		}
		if len(is.Path) > 0 {
			var path []string
			for _, el := range is.Path {
				path = append(path, fmt.Sprint(el))
			}
			p = strings.Join(path, ".") + ": " + p
		}
		parts = append(parts, p)
	}
	if len(parts) > 0 {
		return shorten(v.Error + " (" + strings.Join(parts, "; ") + ")")
	}
	return shorten(v.Error)
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	if s == "" {
		return "no detail given"
	}
	return s
}

// scrub keeps the key out of messages, whatever a provider echoes.
func (e *Engine) scrub(s string) string {
	return strings.ReplaceAll(s, e.cfg.APIKey, "[api key]")
}

// errText is a transport error without the request URL.
func errText(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return fmt.Sprintf("%s: %v", ue.Op, ue.Err)
	}
	return err.Error()
}

// undecodable reports an answer that was not the JSON the API documents:
// waiting longer would not mend it.
func undecodable(err error) bool {
	_, syntax := errors.AsType[*json.SyntaxError](err)
	_, typ := errors.AsType[*json.UnmarshalTypeError](err)
	return syntax || typ
}
