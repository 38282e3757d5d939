// Package provider is what the hosted-engine adapters share: JSON calls to
// a provider's HTTP API that sort its failures into waiting and ending, a
// poll loop that backs off with jitter, and a download that retries and
// resumes. It knows no provider; each adapter package under engine/ brings
// its paths, headers and states.
package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"slate"
	"slate/engine"
)

// maxBody bounds what is read of a provider's answer: a status is a few
// kilobytes, never a video.
const maxBody = 1 << 20

// Client calls one provider's API.
type Client struct {
	// Name is the provider's name in messages, such as "fal".
	Name string
	// Base is the API's root; request paths are resolved against it.
	Base *url.URL
	// Header is sent with every call: the key, a version pin.
	Header http.Header
	// HTTP makes the calls; nil is a plain http.Client.
	HTTP *http.Client
	// Timeout bounds each call; 0 is 30 seconds.
	Timeout time.Duration
}

// NewClient parses base and returns a client for the provider called name.
func NewClient(name, base string, header http.Header, hc *http.Client) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: base URL %q is not an http(s) URL", name, base)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{Name: name, Base: u, Header: header, HTTP: hc}, nil
}

// StatusError is an answer outside 2xx.
type StatusError struct {
	Method, URL string
	Status      int
	// RetryAfter is the wait the provider asked for, 0 when it said none.
	RetryAfter time.Duration
	Body       []byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, strings.TrimSpace(string(e.Body)))
}

// Waits reports whether the answer means "try again later": throttled
// (429), or the provider failing for now (5xx).
func (e *StatusError) Waits() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// URL resolves ref (a path relative to the base, or an absolute URL the
// provider handed out) against the base.
func (c *Client) URL(ref string) (string, error) {
	u, err := c.Base.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("%s: bad path %q: %w", c.Name, ref, err)
	}
	return u.String(), nil
}

// Do sends body (nil, or a value encoded as JSON) to ref and decodes a 2xx
// answer into out (nil discards it). Any other answer is a *StatusError; a
// failure to connect is returned as it came.
func (c *Client) Do(ctx context.Context, method, ref string, body, out any) error {
	u, err := c.URL(ref)
	if err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{Method: method, URL: redact(u), Status: resp.StatusCode,
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"), timeNow()), Body: data}
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: %s %s answered JSON this adapter cannot read: %w", c.Name, method, redact(u), err)
	}
	return nil
}

// redact drops the query, where some providers put signatures.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Transient reports whether err means the provider is passing through a
// bad moment (throttling, 5xx, a dropped connection, a call that timed
// out while the render's own context lives) and how long it asked to wait.
func Transient(ctx context.Context, err error) (time.Duration, bool) {
	if err == nil || ctx.Err() != nil {
		return 0, false
	}
	if se, ok := errors.AsType[*StatusError](err); ok {
		return se.RetryAfter, se.Waits()
	}
	if _, ok := errors.AsType[*engine.Error](err); ok {
		return 0, false
	}
	// Transport failures and a call's own timeout: the request may be fine.
	return 0, true
}

// Fail turns a final answer into the job error a person reads: code is
// what the adapter made of the provider's body, message its words.
func Fail(code string, format string, args ...any) *engine.Error {
	return engine.Errorf(code, false, format, args...)
}

// CodeOf sorts a final status into a job error code when the adapter has
// nothing more specific: 400 and 422 are invalid_request, 401 and 403 an
// engine the deployment cannot use, 402 quota_exceeded.
func CodeOf(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusNotFound:
		return slate.JobErrInvalidRequest
	case http.StatusPaymentRequired:
		return slate.JobErrQuotaExceeded
	case http.StatusUnauthorized, http.StatusForbidden:
		return slate.JobErrEngineUnavailable
	}
	return slate.JobErrEngineFailed
}
