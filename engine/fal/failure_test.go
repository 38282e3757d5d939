package fal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
	"slate/engine/provider"
)

// Each documented error body (testdata/README.md names the sources) sorts
// into the job error a person can act on.
func TestDocumentedErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file      string
		status    int
		errType   string
		code      string
		retryable bool
		says      string
	}{
		{"error_content_policy_422.json", 422, "", slate.JobErrPromptRejected, false, "refused the prompt: The content was flagged by a content checker. (sexual)"},
		{"error_validation_422.json", 422, "", slate.JobErrInvalidRequest, false, "num_frames: Input should be less than or equal to 100"},
		{"error_locked_balance_403.json", 403, "", slate.JobErrQuotaExceeded, false, "Exhausted balance"},
		{"error_bad_key_401.json", 401, "", slate.JobErrEngineUnavailable, false, "No user found for Key ID and Secret"},
		{"error_request_timeout_504.json", 504, "", slate.JobErrEngineTimeout, true, "Request timed out"},
		// A runner failure whose type only the COMPLETED status named.
		{"error_request_timeout_504.json", 500, "startup_timeout", slate.JobErrEngineTimeout, true, "request_timeout"},
		{"queue_cancel_completed.json", 500, "", slate.JobErrEngineFailed, true, "ALREADY_COMPLETED"},
	} {
		body, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		e := failure(&provider.StatusError{Method: "GET", URL: "https://queue.fal.run/x", Status: tc.status, Body: body}, tc.errType)
		if e.Code != tc.code || e.Retryable != tc.retryable || !strings.Contains(e.Message, tc.says) {
			t.Errorf("%s as %d = %+v, want %s (retryable %v) saying %q", tc.file, tc.status, e, tc.code, tc.retryable, tc.says)
		}
	}
}

func TestDetailOf(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"detail": "Request timed out", "error_type": "request_timeout"}`:                                     "Request timed out",
		`{"detail": [{"loc": ["body", "prompt"], "msg": "Field required", "type": "missing"}]}`:                "prompt: Field required",
		`{"detail": [{"loc": ["body"], "msg": "bad", "type": "x"}, {"loc": [], "msg": "worse", "type": "y"}]}`: "body: bad; request: worse",
		`<html>Bad Gateway</html>`: "<html>Bad Gateway</html>",
		``:                         "no detail",
	} {
		if got := detailOf([]byte(body)); got != want {
			t.Errorf("detailOf(%s) = %q, want %q", body, got, want)
		}
	}
}
