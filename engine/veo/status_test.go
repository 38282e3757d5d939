package veo

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/engine/provider"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOperationResult reads the documented operations in testdata.
func TestOperationResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		wantURI  string
		wantCode string
		wantMsg  string
	}{
		{"gemini_operation_done.json", "https://generativelanguage.googleapis.com/v1beta/files/3kcdzmnx0o8c:download?alt=media", "", ""},
		{"vertex_operation_done.json", "gs://video-bucket/output/17850045623012393/sample_0.mp4", "", ""},
		{"gemini_operation_filtered.json", "", slate.JobErrPromptRejected, "Unable to show generated videos that include people"},
		{"vertex_operation_rai.json", "", slate.JobErrPromptRejected, "Responsible AI practices"},
		{"gemini_operation_error.json", "", slate.JobErrEngineFailed, "internal error"},
	}
	for _, tt := range tests {
		var op operation
		if err := json.Unmarshal(readTestdata(t, tt.file), &op); err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if !op.Done {
			t.Errorf("%s: not done", tt.file)
		}
		uri, err := op.result()
		switch {
		case tt.wantCode == "" && (err != nil || uri != tt.wantURI):
			t.Errorf("%s: result() = %q, %v; want %q", tt.file, uri, err, tt.wantURI)
		case tt.wantCode != "" && (err == nil || err.Code != tt.wantCode || !strings.Contains(err.Message, tt.wantMsg)):
			t.Errorf("%s: result() error = %v; want %s containing %q", tt.file, err, tt.wantCode, tt.wantMsg)
		}
	}
	var running operation
	if err := json.Unmarshal(readTestdata(t, "gemini_operation_submitted.json"), &running); err != nil || running.Done ||
		running.Name != "models/veo-3.1-generate-preview/operations/8tgz0ayx3ukp" {
		t.Errorf("submitted operation = %+v, %v", running, err)
	}
}

func TestCallFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		body      string
		wantCode  string
		retryable bool
	}{
		{"bad key", 400, string(readTestdata(t, "gemini_error_api_key.json")), slate.JobErrEngineUnavailable, false},
		{"daily quota", 429, string(readTestdata(t, "gemini_error_quota.json")), slate.JobErrQuotaExceeded, false},
		{"bad parameter", 400, `{"error":{"code":400,"message":"durationSeconds is out of range","status":"INVALID_ARGUMENT"}}`, slate.JobErrInvalidRequest, false},
		{"unsafe prompt", 400, `{"error":{"code":400,"message":"This prompt contains sensitive words that violate Google's Responsible AI practices.","status":"INVALID_ARGUMENT"}}`, slate.JobErrPromptRejected, false},
		{"no token", 401, `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`, slate.JobErrEngineUnavailable, false},
		{"no billing", 400, `{"error":{"code":400,"message":"Billing is not enabled for this project.","status":"FAILED_PRECONDITION"}}`, slate.JobErrEngineUnavailable, false},
		{"unknown model", 404, `{"error":{"code":404,"message":"models/veo-9 is not found","status":"NOT_FOUND"}}`, slate.JobErrInvalidRequest, false},
		{"down", 503, `{"error":{"code":503,"message":"The service is currently unavailable.","status":"UNAVAILABLE"}}`, slate.JobErrEngineUnavailable, true},
		{"not Google's body", 400, `<html>bad</html>`, slate.JobErrInvalidRequest, false},
	}
	for _, tt := range tests {
		err := callFailure(&provider.StatusError{Method: http.MethodPost, URL: "u", Status: tt.status, Body: []byte(tt.body)})
		if err.Code != tt.wantCode || err.Retryable != tt.retryable {
			t.Errorf("%s: callFailure = %+v; want %s retryable %v", tt.name, err, tt.wantCode, tt.retryable)
		}
	}
}

func TestGoogleErrorDetails(t *testing.T) {
	t.Parallel()
	g := googleError(&provider.StatusError{Status: 429, Body: readTestdata(t, "gemini_error_quota.json")})
	if !g.daily() || g.retryDelay() != 37*time.Second || g.Status != "RESOURCE_EXHAUSTED" {
		t.Errorf("quota error: daily %v, delay %v, status %q", g.daily(), g.retryDelay(), g.Status)
	}
	g = googleError(&provider.StatusError{Status: 400, Body: readTestdata(t, "gemini_error_api_key.json")})
	if g.reason() != "API_KEY_INVALID" || g.daily() || g.retryDelay() != 0 {
		t.Errorf("key error: reason %q, daily %v, delay %v", g.reason(), g.daily(), g.retryDelay())
	}
}

// TestRequestsMatchTheDocumentedExamples builds requests and compares
// their JSON with the documented bodies in testdata.
func TestRequestsMatchTheDocumentedExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		options string
		model   string
		spec    slate.RenderSpec
	}{
		{"gemini_predict_request.json", "", "veo-3.1-generate-preview", slate.RenderSpec{
			Prompt:         "A close up of two people staring at a cryptic drawing on a wall, torchlight flickering.",
			NegativePrompt: "cartoon, drawing, low quality", Tier: "high", AspectRatio: "9:16", DurationMS: 8000, Seed: 7}},
		{"vertex_predict_request.json", `{"backend":"vertex","project":"my-project","location":"us-central1","storage_uri":"gs://video-bucket/output"}`,
			"veo-3.1-generate-001", slate.RenderSpec{Prompt: "a cat reading a book", NegativePrompt: "blurry", Tier: "draft",
				AspectRatio: "16:9", DurationMS: 8000, Seed: 42 + 1<<32}},
	}
	for _, tt := range tests {
		e, err := New(provider.Config{Name: "veo", Model: tt.model, APIKey: "k", Options: json.RawMessage(tt.options)})
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.family.shape("veo", e.tiers, tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := e.request(s, tt.spec)
		got, _ := json.Marshal(req)
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(readTestdata(t, tt.file), &b); err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("%s:\n got %s\nwant %s", tt.file, ja, jb)
		}
	}
}
