package replicatetest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"slate/engine/replicate/replicatetest"
)

func start(t *testing.T) *replicatetest.Server {
	t.Helper()
	s, err := replicatetest.New(replicatetest.Config{Video: []byte("not really a video")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func call(t *testing.T, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func documented(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAnswersAsDocumented(t *testing.T) {
	t.Parallel()
	s := start(t)
	for _, path := range []string{"/v1/account", "/v1/predictions/x", "/v1/models/kwaivgi/kling-v2.0/predictions"} {
		method := http.MethodGet
		if path == "/v1/models/kwaivgi/kling-v2.0/predictions" {
			method = http.MethodPost
		}
		status, body := call(t, method, s.URL()+path, "wrong", map[string]any{"input": map[string]any{}})
		if want := documented(t, "error-401.json"); status != 401 || !maps.Equal(body, want) {
			t.Errorf("%s with a bad token: %d %v, want 401 %v", path, status, body, want)
		}
	}
	status, p := call(t, http.MethodPost, s.BaseURL()+"/models/kwaivgi/kling-v2.0/predictions", replicatetest.Token,
		map[string]any{"input": map[string]any{"prompt": "a lighthouse", "duration": 5}})
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, p)
	}
	want := slices.Sorted(maps.Keys(documented(t, "prediction-starting.json")))
	for _, k := range want {
		if _, ok := p[k]; !ok {
			t.Errorf("the created prediction has no %q; documented: %v", k, want)
		}
	}
	urls, _ := p["urls"].(map[string]any)
	if urls["get"] != s.BaseURL()+"/predictions/"+p["id"].(string) || p["status"] != "starting" {
		t.Errorf("created %v", p)
	}
	status, acct := call(t, http.MethodGet, s.BaseURL()+"/account", replicatetest.Token, nil)
	if want := slices.Sorted(maps.Keys(documented(t, "account.json"))); status != 200 || !slices.Equal(slices.Sorted(maps.Keys(acct)), want) {
		t.Errorf("account: %d %v, want the keys %v", status, acct, want)
	}
}

func TestCountsWhatIsInFlight(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.SetOutcome(replicatetest.Outcome{Hold: true})
	var ids []string
	for range 3 {
		status, p := call(t, http.MethodPost, s.BaseURL()+"/models/kwaivgi/kling-v2.0/predictions", replicatetest.Token,
			map[string]any{"input": map[string]any{"prompt": "p"}})
		if status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, p)
		}
		ids = append(ids, p["id"].(string))
	}
	if s.InFlight() != 3 || s.MaxInFlight() != 3 || s.Submissions() != 3 {
		t.Fatalf("in flight %d, max %d, submissions %d", s.InFlight(), s.MaxInFlight(), s.Submissions())
	}
	if status, p := call(t, http.MethodPost, s.BaseURL()+"/predictions/"+ids[0]+"/cancel", replicatetest.Token, nil); status != 200 || p["status"] != "canceled" {
		t.Errorf("cancel: %d %v", status, p)
	}
	s.ReleaseAll()
	for _, id := range ids[1:] {
		for s.Status(id) != "succeeded" {
			if s.Polls(id) > 20 {
				t.Fatalf("%s stuck %s", id, s.Status(id))
			}
			call(t, http.MethodGet, s.BaseURL()+"/predictions/"+id, replicatetest.Token, nil)
		}
	}
	if s.InFlight() != 0 || s.MaxInFlight() != 3 || s.Cancels() != 1 {
		t.Errorf("in flight %d, max %d, cancels %d", s.InFlight(), s.MaxInFlight(), s.Cancels())
	}
}
