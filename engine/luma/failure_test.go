package luma_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
	"slate/engine/luma/lumatest"
)

func TestSubmitFailures(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tc := range []struct {
		name      string
		fault     *lumatest.Fault
		spec      func(*slate.RenderSpec)
		key       string
		base      string
		code      string
		retryable bool
		creates   int
	}{
		{name: "prompt too short", spec: func(s *slate.RenderSpec) { s.Prompt = "ab" },
			code: slate.JobErrInvalidRequest, creates: 1},
		{name: "tier not offered", spec: func(s *slate.RenderSpec) { s.Tier = "8k" },
			code: slate.JobErrInvalidRequest},
		{name: "aspect ratio Luma lacks", spec: func(s *slate.RenderSpec) { s.AspectRatio = "2:1" },
			code: slate.JobErrInvalidRequest},
		{name: "wrong key", key: "luma-wrong", code: slate.JobErrEngineUnavailable},
		{name: "out of credits (402)", fault: &lumatest.Fault{Status: http.StatusPaymentRequired},
			code: slate.JobErrQuotaExceeded, creates: 1},
		{name: "out of credits (400)", fault: &lumatest.Fault{Status: http.StatusBadRequest, Detail: "Insufficient credits"},
			code: slate.JobErrQuotaExceeded, creates: 1},
		{name: "server error is not sent again", fault: &lumatest.Fault{Status: http.StatusInternalServerError},
			code: slate.JobErrEngineUnavailable, retryable: true, creates: 1},
		{name: "unreachable", base: closed.URL, code: slate.JobErrEngineUnavailable, retryable: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			if tc.fault != nil {
				srv.FailSubmits(*tc.fault, *tc.fault)
			}
			cfg := config(srv.URL(), nil)
			if tc.key != "" {
				cfg.APIKey = tc.key
			}
			if tc.base != "" {
				cfg.BaseURL = tc.base
			}
			spec := testSpec()
			if tc.spec != nil {
				tc.spec(&spec)
			}
			_, err := newEngine(t, cfg).Submit(context.Background(), spec)
			ee := wantCode(t, err, tc.code)
			if ee.Retryable != tc.retryable {
				t.Errorf("retryable = %v, want %v", ee.Retryable, tc.retryable)
			}
			if srv.Creates() != tc.creates || srv.Submissions() != 0 {
				t.Errorf("creates %d, accepted %d; want %d, 0", srv.Creates(), srv.Submissions(), tc.creates)
			}
		})
	}
}

func TestAwaitFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reason    string
		code      string
		retryable bool
	}{
		{"Advanced prompt moderation failed", slate.JobErrPromptRejected, false},
		{"Contains blacklisted words", slate.JobErrPromptRejected, false},
		{"Frame moderation failed", slate.JobErrPromptRejected, false},
		{"Failed to read user input frames", slate.JobErrInvalidRequest, false},
		{"Prompt processing failed", slate.JobErrEngineFailed, true},
		{"Job failed", slate.JobErrEngineFailed, true},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			srv.FailNext(tc.reason)
			e := newEngine(t, config(srv.URL(), nil))
			ticket, err := e.Submit(context.Background(), testSpec())
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "take.mp4")
			_, err = e.Await(context.Background(), testSpec(), ticket, dst, nil)
			ee := wantCode(t, err, tc.code)
			if ee.Retryable != tc.retryable || !strings.Contains(ee.Message, tc.reason) {
				t.Errorf("error %+v, want retryable %v and Luma's reason", ee, tc.retryable)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Errorf("a failed render left %s: %v", dst, err)
			}
			if srv.InFlight() != 0 {
				t.Errorf("in flight %d after failing", srv.InFlight())
			}
		})
	}
}

func TestAwaitWithRefusedKey(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	ticket, err := newEngine(t, config(srv.URL(), nil)).Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(srv.URL(), nil)
	cfg.APIKey = "luma-revoked"
	_, err = newEngine(t, cfg).Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil)
	wantCode(t, err, slate.JobErrEngineUnavailable)
}
