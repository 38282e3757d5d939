package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"slate"
	"slate/engine"
)

// MaxVideo bounds a downloaded result; a render is tens of megabytes.
const MaxVideo = 4 << 30

// Fetch is one download of a result.
type Fetch struct {
	URL string
	// Header is sent with the download (some providers sign their result
	// URLs, others want the key again).
	Header http.Header
	// HTTP makes the requests; nil is a plain http.Client.
	HTTP *http.Client
	// Attempts bounds the tries, each resuming where the last stopped;
	// 0 is five.
	Attempts int
	Pacing   Pacing
}

// ErrExpired is a result URL the provider no longer serves (403, 404 or
// 410 on download): the output is gone and only a new render makes it.
var ErrExpired = errors.New("the provider's result URL has expired")

// Download saves f.URL at dst, whole or not at all: it writes beside dst
// and renames into place, resuming an interrupted transfer with a Range
// request, and retries transient failures up to f.Attempts times.
func Download(ctx context.Context, provider string, f Fetch, dst string) (err error) {
	if f.HTTP == nil {
		f.HTTP = &http.Client{}
	}
	if f.Attempts <= 0 {
		f.Attempts = 5
	}
	p := f.Pacing.orDefault()
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "%s: %v", provider, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	backoff := p.Interval
	for attempt := 1; ; attempt++ {
		done, ferr := fetchOnce(ctx, f, tmp)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if done {
			break
		}
		if errors.Is(ferr, ErrExpired) {
			return &expiredError{engine.Errorf(slate.JobErrEngineFailed, true, "%s: %v", provider, ferr)}
		}
		if _, transient := Transient(ctx, ferr); !transient || attempt >= f.Attempts {
			return engine.Errorf(slate.JobErrEngineUnavailable, true, "%s: downloading the result: %v", provider, ferr)
		}
		if err := p.Sleep(ctx, jitter(backoff)); err != nil {
			return err
		}
		backoff = min(backoff*2, p.Max)
	}
	if err := tmp.Sync(); err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "%s: %v", provider, err)
	}
	if err := tmp.Close(); err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "%s: %v", provider, err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "%s: %v", provider, err)
	}
	return nil
}

// expiredError is the *engine.Error a download ends with when its URL has
// expired, which is also ErrExpired, so an adapter that can ask its
// provider for a fresh URL knows to.
type expiredError struct{ err *engine.Error }

func (e *expiredError) Error() string   { return e.err.Error() }
func (e *expiredError) Unwrap() []error { return []error{e.err, ErrExpired} }

// fetchOnce appends to tmp from where it ends, and reports whether the
// file is complete.
func fetchOnce(ctx context.Context, f Fetch, tmp *os.File) (bool, error) {
	have, err := tmp.Seek(0, io.SeekEnd)
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return false, fmt.Errorf("bad result URL: %w", err)
	}
	for k, vs := range f.Header {
		req.Header[k] = vs
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := f.HTTP.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		// The whole file again: the server ignored the range.
		if err := tmp.Truncate(0); err != nil {
			return false, err
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return false, err
		}
		have = 0
	case resp.StatusCode == http.StatusPartialContent && have > 0:
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && have > 0:
		return true, nil // we already have it all
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return false, fmt.Errorf("%w (%d)", ErrExpired, resp.StatusCode)
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return false, &StatusError{Method: http.MethodGet, URL: redact(f.URL), Status: resp.StatusCode,
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"), timeNow()), Body: body}
	}
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, MaxVideo-have+1))
	if err != nil {
		return false, err
	}
	if have+n > MaxVideo {
		return false, engine.Errorf(slate.JobErrEngineFailed, false, "the result is larger than %d bytes", int64(MaxVideo))
	}
	if resp.ContentLength >= 0 && n < resp.ContentLength {
		return false, io.ErrUnexpectedEOF
	}
	return true, nil
}
