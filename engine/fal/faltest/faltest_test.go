package faltest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate/engine/fal/faltest"
	"slate/waitfor"
)

func start(t *testing.T, cfg faltest.Config) *faltest.Server {
	t.Helper()
	s, err := faltest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// call makes one call to the fake and decodes its JSON answer.
func call(t *testing.T, method, u, key string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(waitfor.Context(t), method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Key "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func submit(t *testing.T, s *faltest.Server, model string, input map[string]any) map[string]any {
	t.Helper()
	code, q := call(t, http.MethodPost, s.URL()+"/"+model, s.Key(), input)
	if code != http.StatusOK {
		t.Fatalf("submit answered %d %v", code, q)
	}
	return q
}

func status(t *testing.T, s *faltest.Server, q map[string]any) string {
	t.Helper()
	code, st := call(t, http.MethodGet, q["status_url"].(string), s.Key(), nil)
	if code != http.StatusOK {
		t.Fatalf("status answered %d %v", code, st)
	}
	return st["status"].(string)
}

var wan = map[string]any{"prompt": "a cat", "num_frames": 81, "frames_per_second": 16, "resolution": "480p", "aspect_ratio": "16:9", "seed": 9}

// The end-to-end tests count on this: held requests stay IN_PROGRESS and
// in flight until released, one release at a time, and the peak is kept.
func TestHoldAndRelease(t *testing.T) {
	t.Parallel()
	s := start(t, faltest.Config{Hold: true})
	var qs []map[string]any
	for range 3 {
		qs = append(qs, submit(t, s, "fal-ai/wan-t2v", wan))
	}
	for _, q := range qs {
		for _, want := range []string{"IN_QUEUE", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS"} {
			if got := status(t, s, q); got != want {
				t.Fatalf("status = %s, want %s", got, want)
			}
		}
	}
	if st := s.Stats(); st.Held != 3 || st.InFlight != 3 || st.MaxInFlight != 3 || st.Submissions != 3 {
		t.Fatalf("stats = %+v, want 3 held and in flight", st)
	}
	s.Release(1)
	done := 0
	for _, q := range qs {
		if status(t, s, q) == "COMPLETED" {
			done++
		}
	}
	if st := s.Stats(); done != 1 || st.Held != 2 || st.InFlight != 2 {
		t.Fatalf("after one release %d completed, stats %+v; want 1 completed, 2 held", done, st)
	}
	s.ReleaseAll()
	for _, q := range qs {
		if got := status(t, s, q); got != "COMPLETED" {
			t.Errorf("after releasing all, status = %s", got)
		}
	}
	if st := s.Stats(); st.Held != 0 || st.InFlight != 0 || st.MaxInFlight != 3 {
		t.Errorf("stats = %+v, want none in flight and a peak of 3", st)
	}
}

// The fake answers with at least the fields fal documents (the examples
// in engine/fal/testdata), at fal's paths.
func TestDocumentedShapes(t *testing.T) {
	t.Parallel()
	s := start(t, faltest.Config{})
	q := submit(t, s, "fal-ai/wan/v2.2-a14b/text-to-video", wan)
	hasFields(t, "queue_submit_response.json", q)
	id := q["request_id"].(string)
	// Status, result and cancel live under the app id, not the sub-path.
	if want := s.URL() + "/fal-ai/wan/requests/" + id + "/status"; q["status_url"] != want {
		t.Errorf("status_url = %v, want %s", q["status_url"], want)
	}
	if code, _ := call(t, http.MethodGet, s.URL()+"/fal-ai/wan/v2.2-a14b/text-to-video/requests/"+id+"/status", s.Key(), nil); code != http.StatusNotFound {
		t.Errorf("status under the sub-path answered %d, want 404", code)
	}
	for _, file := range []string{"queue_status_in_queue.json", "queue_status_in_progress.json", "queue_status_completed.json"} {
		_, st := call(t, http.MethodGet, q["status_url"].(string), s.Key(), nil)
		hasFields(t, file, st)
	}
	_, out := call(t, http.MethodGet, q["response_url"].(string), s.Key(), nil)
	hasFields(t, "wan_t2v_output.json", out)
	code, c := call(t, http.MethodPut, q["cancel_url"].(string), s.Key(), nil)
	if code != http.StatusBadRequest {
		t.Errorf("cancelling a completed request answered %d", code)
	}
	hasFields(t, "queue_cancel_completed.json", c)

	q = submit(t, s, "fal-ai/wan-t2v", wan)
	code, c = call(t, http.MethodPut, q["cancel_url"].(string), s.Key(), nil)
	if code != http.StatusAccepted || c["status"] != "CANCELLATION_REQUESTED" {
		t.Errorf("cancel answered %d %v", code, c)
	}
	code, body := call(t, http.MethodGet, q["status_url"].(string), "wrong", nil)
	if code != http.StatusUnauthorized {
		t.Errorf("a wrong key answered %d", code)
	}
	hasFields(t, "error_bad_key_401.json", body)
}

// hasFields fails t unless got has every field of the documented example
// in file, recursively through objects.
func hasFields(t *testing.T, file string, got map[string]any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, want, got map[string]any)
	walk = func(path string, want, got map[string]any) {
		for k, v := range want {
			g, ok := got[k]
			if !ok {
				t.Errorf("%s: the fake's answer has no %s%s: %v", file, path, k, got)
				continue
			}
			if wm, ok := v.(map[string]any); ok {
				gm, _ := g.(map[string]any)
				walk(path+k+".", wm, gm)
			}
		}
	}
	walk("", want, got)
}

// A model's input is checked against its documented schema, and fails as
// fal's models do: the request completes and its result is a 422.
func TestValidation(t *testing.T) {
	t.Parallel()
	s := start(t, faltest.Config{})
	q := submit(t, s, "fal-ai/wan-t2v", map[string]any{"num_frames": 120, "aspect_ratio": "1:1", "resolution": "1080p"})
	for range 3 {
		status(t, s, q)
	}
	code, out := call(t, http.MethodGet, q["response_url"].(string), s.Key(), nil)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("result answered %d %v, want 422", code, out)
	}
	b, _ := json.Marshal(out)
	for _, want := range []string{`"missing"`, `"less_than_equal"`, `"literal_error"`, `["body","aspect_ratio"]`, `["body","resolution"]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("errors %s lack %s", b, want)
		}
	}
}

// Remote drives a server from another process through /_faltest/.
func TestRemote(t *testing.T) {
	t.Parallel()
	s := start(t, faltest.Config{})
	ctx := waitfor.Context(t)
	r := faltest.Remote{URL: s.URL()}
	if err := r.Hold(ctx); err != nil {
		t.Fatal(err)
	}
	q := submit(t, s, "fal-ai/wan-t2v", wan)
	for range 3 {
		status(t, s, q)
	}
	st, err := r.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Held != 1 || st.InFlight != 1 || st.Submissions != 1 {
		t.Fatalf("remote stats = %+v, want one held request", st)
	}
	if err := r.Release(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got := status(t, s, q); got != "COMPLETED" {
		t.Errorf("after a remote release, status = %s", got)
	}
	if err := r.ReleaseAll(ctx); err != nil {
		t.Fatal(err)
	}
	if code, _ := call(t, http.MethodPost, s.URL()+"/_faltest/release?"+url.Values{"n": {"-1"}}.Encode(), "", nil); code != http.StatusBadRequest {
		t.Errorf("a negative release answered %d", code)
	}
}
