package runway_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/runway/runwaytest"
	"slate/media"
)

func example(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The fake accepts each documented create body as it is.
func TestDocumentedRequests(t *testing.T) {
	t.Parallel()
	srv := newFake(t, runwaytest.Options{})
	for file, path := range map[string]string{
		"text_to_video_request.json":  "/v1/text_to_video",
		"image_to_video_request.json": "/v1/image_to_video",
		"veo3.1_request.json":         "/v1/text_to_video",
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+path, bytes.NewReader(example(t, file)))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("X-Runway-Version", "2024-11-06")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the fake answered %s with %d", file, resp.StatusCode)
		}
	}
}

// documented serves the documented answers as they are (but for the
// output URL): create answers the file create names, and each GET of the
// task the next of tasks, the last again after.
func documented(t *testing.T, create string, tasks ...string) *httptest.Server {
	t.Helper()
	clip, err := video()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".mp4") && r.URL.Query().Get("_jwt") != "" {
			// Signed output URLs, the key not sent: it is Runway's CDN.
			if r.Header.Get("Authorization") != "" {
				http.Error(w, "the key went to the CDN", http.StatusBadRequest)
				return
			}
			_, _ = w.Write(clip)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+key || r.Header.Get("X-Runway-Version") != "2024-11-06" {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(create, "_400.json"):
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(example(t, create))
		case r.Method == http.MethodPost:
			_, _ = w.Write(example(t, create))
		case r.URL.Path == "/v1/organization":
			_, _ = w.Write(example(t, "organization.json"))
		case r.URL.Path == "/v1/tasks/17f20503-6c24-4c16-946b-35dbbce2af2f":
			next := tasks[0]
			if len(tasks) > 1 {
				tasks = tasks[1:]
			}
			_, _ = w.Write(bytes.ReplaceAll(example(t, next), []byte("https://dnznrvs05pmza.cloudfront.net"), []byte(api.URL)))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	return api
}

// The engine walks the documented task answers through to the file, and
// reads each documented failure as the job error it means.
func TestDocumentedAnswers(t *testing.T) {
	t.Parallel()
	api := documented(t, "create_response.json", "task_pending.json", "task_throttled.json", "task_running.json", "task_succeeded.json")
	e := newEngine(t, config(api.URL, "gen4.5", nil))
	ticket, err := e.Submit(context.Background(), testSpec())
	if err != nil || ticket.ID != "17f20503-6c24-4c16-946b-35dbbce2af2f" {
		t.Fatalf("Submit = %+v, %v", ticket, err)
	}
	dst := filepath.Join(t.TempDir(), "take.mp4")
	var percents []int
	out, err := e.Await(context.Background(), testSpec(), ticket, dst, func(p engine.Progress) { percents = append(percents, p.Percent) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(percents, []int{42, 100}) {
		t.Errorf("progress %v, want the example's 0.42 as 42, then 100", percents)
	}
	if out.Model != "gen4.5" || out.Usage != (engine.Usage{VideoMS: 5000}) || out.Seed == nil || *out.Seed != 42 {
		t.Errorf("output %+v", out)
	}
	if _, err := media.Probe(context.Background(), "", dst); err != nil {
		t.Fatal(err)
	}
	if err := e.Check(context.Background()); err != nil {
		t.Errorf("Check against the documented organisation: %v", err)
	}
	// The documented tier lists gen4.5 alone.
	if err := newEngine(t, config(api.URL, "veo3.1", nil)).Check(context.Background()); err == nil ||
		!strings.Contains(err.Error(), "veo3.1") {
		t.Errorf("Check of a model the tier lacks = %v", err)
	}

	for _, tc := range []struct {
		create, task string
		code         string
		says         string
	}{
		{"error_credits_400.json", "", slate.JobErrQuotaExceeded, "enough credits"},
		{"error_validation_400.json", "", slate.JobErrInvalidRequest, "duration: Too big"},
		{"create_response.json", "task_failed_safety.json", slate.JobErrPromptRejected, "SAFETY.INPUT.TEXT"},
		{"create_response.json", "task_cancelled.json", slate.JobErrEngineFailed, "cancelled"},
	} {
		api := documented(t, tc.create, tc.task)
		e := newEngine(t, config(api.URL, "gen4.5", nil))
		err := e.Render(context.Background(), testSpec(), filepath.Join(t.TempDir(), "take.mp4"), nil)
		if ee := wantCode(t, err, tc.code); !strings.Contains(ee.Message, tc.says) {
			t.Errorf("%s %s: %v, want it to say %q", tc.create, tc.task, ee, tc.says)
		}
	}
}
