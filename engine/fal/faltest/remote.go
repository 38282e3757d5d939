package faltest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The /_faltest/ paths are not fal's: they let a test in another process
// than the server read its counters and release held requests.

func (s *Server) controlStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

// controlRelease is POST /_faltest/release?n=N, or ?all=1.
func (s *Server) controlRelease(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("all") != "" {
		s.ReleaseAll()
		writeJSON(w, http.StatusOK, s.Stats())
		return
	}
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "n must be a count of requests"})
		return
	}
	s.Release(n)
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) controlHold(w http.ResponseWriter, _ *http.Request) {
	s.Hold()
	writeJSON(w, http.StatusOK, s.Stats())
}

// Remote drives a Server running in another process (cmd/fakefal, say)
// through its /_faltest/ paths.
type Remote struct {
	// URL is the server's base URL.
	URL string
	// HTTP makes the calls; nil is http.DefaultClient.
	HTTP *http.Client
}

// Stats reads the server's counters.
func (r Remote) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := r.call(ctx, http.MethodGet, "stats", nil, &st)
	return st, err
}

// Release lets n more held requests complete.
func (r Remote) Release(ctx context.Context, n int) error {
	return r.call(ctx, http.MethodPost, "release", url.Values{"n": {strconv.Itoa(n)}}, nil)
}

// ReleaseAll stops holding requests.
func (r Remote) ReleaseAll(ctx context.Context) error {
	return r.call(ctx, http.MethodPost, "release", url.Values{"all": {"1"}}, nil)
}

// Hold makes requests wait IN_PROGRESS for a release.
func (r Remote) Hold(ctx context.Context) error {
	return r.call(ctx, http.MethodPost, "hold", nil, nil)
}

func (r Remote) call(ctx context.Context, method, op string, q url.Values, out any) error {
	u := strings.TrimRight(r.URL, "/") + "/_faltest/" + op
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	hc := r.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("faltest: %s %s: %d %s", method, op, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if out != nil {
		return json.Unmarshal(body, out)
	}
	return nil
}
