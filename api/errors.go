package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// Problem is the body of every error response (RFC 9457 problem details)
// with Slate's stable machine-readable code and the extras the spec asks an
// error to name.
type Problem struct {
	Type   string     `json:"type,omitempty" doc:"A URI reference describing the problem type"`
	Title  string     `json:"title" doc:"Short summary of the HTTP status"`
	Status int        `json:"status" doc:"HTTP status code"`
	Detail string     `json:"detail" doc:"What went wrong in this occurrence"`
	Code   slate.Code `json:"code" enum:"invalid,unauthenticated,insufficient_credits,spend_cap_exceeded,forbidden,plan_limit,not_found,conflict,approval_required,expired,too_large,locked,rate_limited,internal" doc:"Stable machine-readable error code"`
	// MissingPermission names the permission a 403 lacked.
	MissingPermission slate.Permission `json:"missing_permission,omitempty"`
	// Lock names the lock that refused a write (423).
	Lock *slate.Lock `json:"lock,omitempty"`
	// Field names the offending input field of an invalid request.
	Field string `json:"field,omitempty"`
	// Shortfall and Remedies tell a 402 how many credits are missing and
	// what would make the work fit (a cheaper tier, a pack, an upgrade),
	// best first.
	Shortfall int64 `json:"shortfall,omitempty"`
	// Remedies is a pointer so that a 402 with no remedy still says so
	// with an empty list, while other problems leave it out.
	Remedies *[]slate.Remedy `json:"remedies,omitempty"`
	// MissingTakes lists every shot of an export's selection that has no
	// selected take (409).
	MissingTakes []slate.ShotRef `json:"missing_takes,omitempty"`
	// Errors lists each schema violation of a request that failed validation.
	Errors []*huma.ErrorDetail `json:"errors,omitempty"`
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send problems as application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return "application/problem+json"
	}
	return ct
}

// Status is the one place that maps a domain error code to an HTTP status;
// the web app's error pages use it too.
func Status(code slate.Code) int {
	switch code {
	case slate.EINVALID:
		return http.StatusBadRequest
	case slate.EUNAUTHENTICATED:
		return http.StatusUnauthorized
	case slate.ECREDITS, slate.ESPENDCAP:
		return http.StatusPaymentRequired
	case slate.EFORBIDDEN, slate.EPLAN:
		return http.StatusForbidden
	case slate.ENOTFOUND:
		return http.StatusNotFound
	case slate.ECONFLICT, slate.EAPPROVAL:
		return http.StatusConflict
	case slate.EEXPIRED:
		return http.StatusGone
	case slate.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case slate.ELOCKED:
		return http.StatusLocked
	case slate.ERATELIMITED:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// codeOfStatus names the code of an error huma raised itself (validation,
// body reading), which arrives with only a status.
func codeOfStatus(status int) slate.Code {
	switch {
	case status == http.StatusUnprocessableEntity:
		return slate.EINVALID
	case status >= 500:
		return slate.EINTERNAL
	}
	// Several codes share a status; the general one names a bare status.
	for _, c := range []slate.Code{slate.EUNAUTHENTICATED, slate.ECREDITS, slate.EFORBIDDEN,
		slate.ENOTFOUND, slate.ECONFLICT, slate.EEXPIRED, slate.ETOOLARGE, slate.ELOCKED, slate.ERATELIMITED} {
		if Status(c) == status {
			return c
		}
	}
	// Any other 4xx huma raises (unsupported media type, bad query value…)
	// is a malformed request.
	return slate.EINVALID
}

// problemFor turns an error into the problem a client sees. Domain errors
// keep their code and extras; anything unknown becomes a bare 500 whose
// cause is logged, never shown.
func problemFor(ctx context.Context, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return newProblem(http.StatusRequestEntityTooLarge, slate.ETOOLARGE, "request body is larger than the limit")
	}
	var e *slate.Error
	if !errors.As(err, &e) || e.Code == slate.EINTERNAL {
		loggerFrom(ctx).ErrorContext(ctx, "internal error", "err", err)
		return newProblem(http.StatusInternalServerError, slate.EINTERNAL, "internal error")
	}
	p = newProblem(Status(e.Code), e.Code, e.Message)
	p.MissingPermission, p.Lock, p.Field, p.MissingTakes = e.MissingPermission, e.Lock, e.Field, e.MissingTakes
	if e.Code == slate.ECREDITS {
		remedies := e.Remedies
		if remedies == nil {
			remedies = []slate.Remedy{}
		}
		p.Shortfall, p.Remedies = e.Shortfall, &remedies
	}
	return p
}

func newProblem(status int, code slate.Code, detail string) *Problem {
	return &Problem{Title: http.StatusText(status), Status: status, Detail: detail, Code: code}
}

// humaError replaces huma's error constructor, so huma's own errors (schema
// validation, malformed JSON, body limits) and the errors handlers return
// all leave as the same Problem, and schema violations are a 400 like every
// other invalid input rather than huma's 422.
func humaError(ctx context.Context, status int, msg string, errs ...error) huma.StatusError {
	if status == 0 {
		// huma asks for an example value to document the error schema.
		return &Problem{}
	}
	for _, err := range errs {
		var e *slate.Error
		var mbe *http.MaxBytesError
		if errors.As(err, &e) || errors.As(err, &mbe) {
			return problemFor(ctx, err)
		}
	}
	code := codeOfStatus(status)
	if code == slate.EINTERNAL {
		if status == http.StatusInternalServerError {
			loggerFrom(ctx).ErrorContext(ctx, "internal error", "msg", msg, "err", errors.Join(errs...))
			msg = "internal error"
		}
		return newProblem(status, code, msg)
	}
	if code == slate.EINVALID {
		status = http.StatusBadRequest
	}
	p := newProblem(status, code, msg)
	var details []string
	for _, err := range errs {
		if err == nil {
			continue
		}
		d := &huma.ErrorDetail{Message: err.Error()}
		if ed, ok := err.(huma.ErrorDetailer); ok {
			c := *ed.ErrorDetail()
			d = &c
		}
		if d.Location == "body" {
			// Do not echo a whole (possibly megabyte) body back.
			d.Value = nil
		}
		p.Errors = append(p.Errors, d)
		if d.Location != "" {
			details = append(details, d.Message+" ("+d.Location+")")
		} else {
			details = append(details, d.Message)
		}
		if p.Field == "" {
			p.Field = fieldOf(d)
		}
	}
	if len(details) > 0 {
		p.Detail = msg + ": " + strings.Join(details, "; ")
	}
	return p
}

// fieldOf names the input field a schema violation is about: its location
// below the body, or the property a "required" error on the body names.
func fieldOf(d *huma.ErrorDetail) string {
	if f, ok := strings.CutPrefix(d.Location, "body."); ok {
		return f
	}
	if f, ok := strings.CutPrefix(d.Message, "expected required property "); ok {
		f, _, _ = strings.Cut(f, " ")
		return f
	}
	return ""
}

// The error constructors are package variables of huma; this package is the
// only huma API in the binary, so replacing them once at start-up is safe.
func init() {
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return humaError(context.Background(), status, msg, errs...)
	}
	huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		ctx := context.Background()
		if hctx != nil {
			ctx = hctx.Context()
		}
		return humaError(ctx, status, msg, errs...)
	}
}

// writeProblem answers a request from plain net/http middleware with the
// same problem body huma would send.
func writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(r.Context(), err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

type loggerKey struct{}

// loggerFrom returns the server's logger, which the outermost middleware puts
// in every request's context so error mapping can log without a Server.
func loggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}
