package replicate

// These tests read the documented and recorded examples under testdata
// with the adapter's own types: what the fake is checked against, the
// adapter is checked against too.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
	"slate/engine/provider"
)

func example(t *testing.T, name string) *prediction {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var p prediction
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &p
}

func TestDocumentedPredictions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, status, video string
		predictMS           float64
	}{
		{"prediction-starting.json", starting, "", 0},
		{"prediction-succeeded-sdxl.json", succeeded,
			"https://replicate.delivery/pbxt/9inf36wjsEWuQ6XTf84iezPftv9QZdePfGySnU5tUai3BOrWE/out-0.png", 3804.328},
		{"prediction-succeeded-docs.json", succeeded, "", 12.683},
		{"prediction-canceled.json", canceled, "", 128.148},
		{"prediction-failed-e005.json", failed, "", 1200},
		{"prediction-failed-nsfw.json", failed, "", 3900},
	} {
		p := example(t, tc.file)
		if p.Status != tc.status || p.ID == "" {
			t.Errorf("%s: status %q id %q", tc.file, p.Status, p.ID)
		}
		if got := p.Metrics.PredictTime * 1000; got < tc.predictMS-0.001 || got > tc.predictMS+0.001 {
			t.Errorf("%s: predict_time %gms, want %gms", tc.file, got, tc.predictMS)
		}
		if tc.status != succeeded {
			continue
		}
		u, err := p.video()
		if tc.video == "" {
			// hello-world outputs text, not a file.
			if err == nil || !strings.Contains(err.Error(), "holds no file URL") {
				t.Errorf("%s: video() = %q, %v", tc.file, u, err)
			}
			continue
		}
		if err != nil || u != tc.video {
			t.Errorf("%s: video() = %q, %v; want %s", tc.file, u, err, tc.video)
		}
	}
}

func TestPredictionFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, code, says string
	}{
		{"prediction-failed-e005.json", slate.JobErrPromptRejected, "flagged as sensitive"},
		{"prediction-failed-nsfw.json", slate.JobErrPromptRejected, "NSFW content detected"},
		{"prediction-canceled.json", slate.JobErrEngineFailed, "canceled at Replicate"},
	} {
		err := example(t, tc.file).failure()
		if err.Code != tc.code || !strings.Contains(err.Message, tc.says) {
			t.Errorf("%s: %v, want %s saying %q", tc.file, err, tc.code, tc.says)
		}
	}
}

func TestLogProgress(t *testing.T) {
	t.Parallel()
	sdxl := example(t, "prediction-succeeded-sdxl.json").Logs
	cut := strings.Index(sdxl, " 44%") // the recorded log, read while it was being written
	for _, tc := range []struct {
		name, logs string
		want       int
	}{
		{"no logs", "", 0},
		{"no bar", "Using seed: 42069\nGenerating...\n", 0},
		{"recorded log, part way", sdxl[:cut], 40},
		{"recorded log, done", sdxl, 99},
		{"a second bar starting over", "100%|██████████| 40/40 [00:08<00:00]\n  0%|          | 0/10 [00:00<?, ?it/s]\n", 0},
		{"zero total", "  0%|          | 0/0 [00:00<?, ?it/s]\n", 0},
	} {
		if got := logProgress(tc.logs); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestAPIErrorReadsProblemDetails(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join("testdata", "error-401.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		status    int
		body      string
		code      string
		retryable bool
		says      string
	}{
		{401, string(body), slate.JobErrEngineUnavailable, false, "401 You did not pass a valid authentication token"},
		{422, `{"title":"Input validation failed","detail":"- input.duration: duration must be one of the following: 5, 10","status":422}`,
			slate.JobErrInvalidRequest, false, "duration must be one of the following"},
		{422, `{"detail":"Prompt was flagged by the safety system","status":422}`, slate.JobErrPromptRejected, false, "safety system"},
		{422, `{"title":"Input validation failed","detail":"- input.disable_safety_checker: Invalid type. Expected: boolean, given: string","status":422}`,
			slate.JobErrInvalidRequest, false, "disable_safety_checker"},
		{402, `{"detail":"You have insufficient credit to run this model.","status":402}`, slate.JobErrQuotaExceeded, false, "insufficient credit"},
		{404, `{"detail":"The requested resource could not be found.","status":404}`, slate.JobErrInvalidRequest, false, "could not be found"},
		{502, `<html>bad gateway</html>`, slate.JobErrEngineUnavailable, true, "502 <html>bad gateway</html>"},
	} {
		err := apiError(&provider.StatusError{Status: tc.status, Body: []byte(tc.body)}, "creating the prediction")
		if err.Code != tc.code || err.Retryable != tc.retryable || !strings.Contains(err.Message, tc.says) {
			t.Errorf("%d %s: %+v", tc.status, tc.body, err)
		}
	}
}

func TestTokenGoesOnlyToReplicate(t *testing.T) {
	t.Parallel()
	e, err := New(provider.Config{Name: "kling", Model: "kwaivgi/kling-v2.1", APIKey: "k",
		Input: map[string]any{"prompt": "{{prompt}}"}})
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]bool{
		"https://api.replicate.com/v1/files/abc":                   true,
		"https://replicate.delivery/pbxt/x/out.mp4":                true,
		"https://tjzk.replicate.delivery/models/x.mp4":             true,
		"http://replicate.delivery/pbxt/x/out.mp4":                 false,
		"https://replicate.delivery.example.com/x.mp4":             false,
		"https://evilreplicate.delivery/x.mp4":                     false,
		"https://api.replicate.com:8443/v1/files/abc":              false,
		"https://example.com/out.mp4?u=https://replicate.delivery": false,
	} {
		if got := e.trusted(u); got != want {
			t.Errorf("trusted(%s) = %v, want %v", u, got, want)
		}
	}
}
