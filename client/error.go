package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"slate"
)

// Error is a problem+json answer of the server.
type Error struct {
	Status            int              `json:"status"`
	Code              slate.Code       `json:"code"`
	Title             string           `json:"title"`
	Detail            string           `json:"detail"`
	MissingPermission slate.Permission `json:"missing_permission,omitempty"`
	Lock              *slate.Lock      `json:"lock,omitempty"`
	Field             string           `json:"field,omitempty"`
	// Shortfall and Remedies are set on a 402: how many credits are missing
	// and what would make the work fit, best first.
	Shortfall int64          `json:"shortfall,omitempty"`
	Remedies  []slate.Remedy `json:"remedies,omitempty"`
	// MissingTakes is set on an export's 409: every shot without a take.
	MissingTakes []slate.ShotRef `json:"missing_takes,omitempty"`
	// Errors lists each schema violation of a request the server refused
	// before it reached a service.
	Errors []ErrorDetail `json:"errors,omitempty"`
}

// ErrorDetail is one schema violation: where in the request, and what.
type ErrorDetail struct {
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
	Value    any    `json:"value,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Title)
	if e.Detail != "" && e.Detail != e.Title {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	for _, d := range e.Errors {
		fmt.Fprintf(&b, "; %s: %s", d.Location, d.Message)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	return b.String()
}

// Slate returns the domain error the problem describes, so code written
// against the services handles a remote failure the same as a local one.
func (e *Error) Slate() *slate.Error {
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	return &slate.Error{Code: e.Code, Message: msg, MissingPermission: e.MissingPermission, Lock: e.Lock, Field: e.Field,
		Shortfall: e.Shortfall, Remedies: e.Remedies, MissingTakes: e.MissingTakes}
}

// Unwrap lets errors.As(err, &slateErr) and slate.ErrorCode see the domain
// error inside.
func (e *Error) Unwrap() error { return e.Slate() }

// codeForStatus names the code of an answer that carried none, such as a
// proxy's plain-text 502, so callers can still switch on Code.
var codeForStatus = map[int]slate.Code{
	http.StatusBadRequest:            slate.EINVALID,
	http.StatusUnprocessableEntity:   slate.EINVALID,
	http.StatusUnauthorized:          slate.EUNAUTHENTICATED,
	http.StatusPaymentRequired:       slate.ECREDITS,
	http.StatusForbidden:             slate.EFORBIDDEN,
	http.StatusNotFound:              slate.ENOTFOUND,
	http.StatusConflict:              slate.ECONFLICT,
	http.StatusGone:                  slate.EEXPIRED,
	http.StatusRequestEntityTooLarge: slate.ETOOLARGE,
	http.StatusLocked:                slate.ELOCKED,
	http.StatusTooManyRequests:       slate.ERATELIMITED,
}

func decodeError(resp *http.Response, body []byte) *Error {
	e := &Error{}
	if json.Unmarshal(body, e) != nil {
		// Not a problem document: keep a short piece of whatever came back.
		e = &Error{Detail: strings.TrimSpace(truncate(string(body), 300))}
	}
	if e.Status == 0 {
		e.Status = resp.StatusCode
	}
	if e.Title == "" {
		e.Title = http.StatusText(e.Status)
	}
	if e.Code == "" {
		e.Code = codeForStatus[e.Status]
		if e.Code == "" {
			e.Code = slate.EINTERNAL
		}
	}
	return e
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
