package slate

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error category. The API maps each code to
// exactly one HTTP status in one place; clients switch on the code.
type Code string

const (
	ECONFLICT        Code = "conflict"
	EFORBIDDEN       Code = "forbidden"
	EINTERNAL        Code = "internal"
	EINVALID         Code = "invalid"
	ELOCKED          Code = "locked"
	ENOTFOUND        Code = "not_found"
	EUNAUTHENTICATED Code = "unauthenticated"
	ECREDITS         Code = "insufficient_credits"
	ETOOLARGE        Code = "too_large"
	// EPLAN refuses what the organisation's plan does not include: the 4K
	// tier, credit packs.
	EPLAN Code = "plan_limit"
	// ESPENDCAP refuses work that would cross the organisation's monthly
	// spend cap.
	ESPENDCAP Code = "spend_cap_exceeded"
	// EAPPROVAL marks work that would cross a project budget or a member's
	// monthly limit: it may run only once a member with use_credits approves.
	EAPPROVAL Code = "approval_required"
	// EEXPIRED refuses a quote past its validity.
	EEXPIRED Code = "expired"
	// ERATELIMITED refuses a request beyond a rate or concurrency limit: too
	// many sign-ins from one address or for one account, more password
	// checks waiting than the server will queue, or too many event streams
	// open. RetryAfter says when to try again.
	ERATELIMITED Code = "rate_limited"
)

// Error is the one error type of Slate. Extra fields carry what the spec asks
// an error to name: the missing permission of a 403, the lock of a 423.
type Error struct {
	Code    Code
	Message string
	// MissingPermission is set on EFORBIDDEN when one permission was lacking.
	MissingPermission Permission
	// Lock is set on ELOCKED.
	Lock *Lock
	// Field names the offending input field of an EINVALID, when there is one.
	Field string
	// Shortfall and Remedies are set on ECREDITS: how many credits are
	// missing and what would make the work fit, best first.
	Shortfall int64
	Remedies  []Remedy
	// MissingTakes is set on the ECONFLICT of an export whose shots lack a
	// selected take: every such shot, in tree order.
	MissingTakes []ShotRef
	// RetryAfter is set on ERATELIMITED: how long until an attempt may
	// succeed.
	RetryAfter time.Duration
}

// ShotRef names a shot for a person and a script.
type ShotRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("slate: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalidf returns an EINVALID error naming the field at fault.
func Invalidf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Forbidden returns the 403 for a member who lacks p.
func Forbidden(p Permission) *Error {
	return &Error{Code: EFORBIDDEN, MissingPermission: p,
		Message: fmt.Sprintf("this needs the %q permission", p)}
}

// NotFound returns the error for an id that does not exist or is not visible
// to the caller; the two are indistinguishable on purpose.
func NotFound(what, id string) *Error {
	return Errorf(ENOTFOUND, "%s %q not found", what, id)
}

// Locked returns the 423 naming the lock that refused a write.
func Locked(l *Lock) *Error {
	return &Error{Code: ELOCKED, Lock: l,
		Message: fmt.Sprintf("%s %s is locked by %s", l.Element.Kind, l.Element.ID, l.ByName)}
}

// Insufficient returns the 402 for work short by shortfall credits.
func Insufficient(shortfall int64, remedies []Remedy) *Error {
	if remedies == nil {
		remedies = []Remedy{}
	}
	return &Error{Code: ECREDITS, Shortfall: shortfall, Remedies: remedies,
		Message: fmt.Sprintf("not enough credits: %d short", shortfall)}
}

// RateLimited returns the 429 for an attempt that may be made again after
// wait.
func RateLimited(wait time.Duration, format string, args ...any) *Error {
	return &Error{Code: ERATELIMITED, RetryAfter: wait, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not ours.
func ErrorCode(err error) Code {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human-readable message of err; internal errors are
// not described to clients.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
