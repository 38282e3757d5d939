package xai_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
	"slate/engine/xai/xaitest"
)

func TestSubmitFailures(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tc := range []struct {
		name      string
		fault     *xaitest.Fault
		edit      func(*slate.RenderSpec)
		key       string
		model     string
		base      string
		code      string
		retryable bool
		creates   int
	}{
		{name: "empty prompt", edit: func(s *slate.RenderSpec) { s.Prompt = " " },
			code: slate.JobErrInvalidRequest, creates: 1},
		{name: "unknown model (404)", model: "grok-imagine-vid",
			code: slate.JobErrInvalidRequest, creates: 1},
		{name: "tier not offered", edit: func(s *slate.RenderSpec) { s.Tier = "4k" },
			code: slate.JobErrInvalidRequest},
		{name: "aspect ratio xAI lacks", edit: func(s *slate.RenderSpec) { s.AspectRatio = "21:9" },
			code: slate.JobErrInvalidRequest},
		{name: "incorrect key (400)", key: "xai-wrong-key-123", code: slate.JobErrEngineUnavailable},
		{name: "no credits (403)", fault: &xaitest.Fault{Status: http.StatusForbidden,
			Error: "Your team does not have any credits. Purchase credits on https://console.x.ai."},
			code: slate.JobErrQuotaExceeded, creates: 1},
		{name: "blocked team (403)", fault: &xaitest.Fault{Status: http.StatusForbidden, Error: "The team is blocked."},
			code: slate.JobErrEngineUnavailable, creates: 1},
		{name: "prompt refused by moderation", fault: &xaitest.Fault{Status: http.StatusBadRequest,
			Error: "Generated content was blocked by content moderation."},
			code: slate.JobErrPromptRejected, creates: 1},
		{name: "server error is not sent again", fault: &xaitest.Fault{Status: http.StatusInternalServerError},
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
			if tc.model != "" {
				cfg.Model = tc.model
			}
			if tc.base != "" {
				cfg.BaseURL = tc.base
			}
			spec := testSpec()
			if tc.edit != nil {
				tc.edit(&spec)
			}
			_, err := newEngine(t, cfg).Submit(context.Background(), spec)
			ee := wantCode(t, err, tc.code)
			if ee.Retryable != tc.retryable {
				t.Errorf("retryable = %v, want %v", ee.Retryable, tc.retryable)
			}
			if tc.key != "" && strings.Contains(ee.Error(), tc.key[len(tc.key)-2:]+".") {
				t.Errorf("the error repeats what xAI echoed of the key: %v", ee)
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
		name      string
		outcome   xaitest.Outcome
		code      string
		retryable bool
	}{
		{"video withheld by moderation", xaitest.Outcome{Moderated: true}, slate.JobErrPromptRejected, false},
		{"failed for moderation", xaitest.Outcome{Code: "invalid_argument",
			Message: "The prompt was rejected by content moderation."}, slate.JobErrPromptRejected, false},
		{"invalid argument", xaitest.Outcome{Code: "invalid_argument",
			Message: "Image could not be downloaded."}, slate.JobErrInvalidRequest, false},
		{"internal error", xaitest.Outcome{Code: "internal_error", Message: "Video generation failed."},
			slate.JobErrEngineFailed, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			srv.EndNext(tc.outcome)
			e := newEngine(t, config(srv.URL(), nil))
			ticket, err := e.Submit(context.Background(), testSpec())
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "take.mp4")
			_, err = e.Await(context.Background(), testSpec(), ticket, dst, nil)
			ee := wantCode(t, err, tc.code)
			if ee.Retryable != tc.retryable || !strings.Contains(ee.Message, tc.outcome.Message) {
				t.Errorf("error %+v, want retryable %v and xAI's message", ee, tc.retryable)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Errorf("a failed render left %s: %v", dst, err)
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
	for _, revoked := range []string{"xai-revoked-key", ""} {
		cfg := config(srv.URL(), nil)
		cfg.APIKey = revoked
		if revoked == "" {
			// No bearer token at all: 401 rather than 400.
			cfg.APIKey = " "
		}
		_, err = newEngine(t, cfg).Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil)
		wantCode(t, err, slate.JobErrEngineUnavailable)
	}
}
