package runwaytest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"slate/engine/runway/runwaytest"
)

// The fake refuses what Runway documents it refuses, the way it does.
func TestServerChecksRequests(t *testing.T) {
	t.Parallel()
	srv, err := runwaytest.New(runwaytest.Options{Video: []byte("not used")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	good := http.Header{"Authorization": {"Bearer " + runwaytest.DefaultKey}, "X-Runway-Version": {"2024-11-06"},
		"Content-Type": {"application/json"}}
	const text = `"promptText": "a lighthouse"`
	for _, tc := range []struct {
		name, path, body string
		header           func(http.Header)
		status           int
		says             string
	}{
		{"gen4.5 from text", "text_to_video", `{"model": "gen4.5", ` + text + `, "ratio": "1280:720", "duration": 5, "seed": 4294967295}`,
			nil, 200, `"id"`},
		{"veo3.1 with audio", "text_to_video", `{"model": "veo3.1", ` + text + `, "ratio": "1080:1920", "duration": 6, "audio": true, "negativePrompt": "fog"}`,
			nil, 200, `"id"`},
		{"gen4_turbo from a data URI", "image_to_video", `{"model": "gen4_turbo", "promptImage": "data:image/png;base64,AAAA", "ratio": "960:960"}`,
			nil, 200, `"id"`},
		{"no key", "text_to_video", `{}`, func(h http.Header) { h.Del("Authorization") }, 401, "not valid"},
		{"a wrong key", "text_to_video", `{}`, func(h http.Header) { h.Set("Authorization", "Bearer nope") }, 401, "not valid"},
		{"no version", "text_to_video", `{}`, func(h http.Header) { h.Del("X-Runway-Version") }, 400, "X-Runway-Version"},
		{"an old version", "text_to_video", `{}`, func(h http.Header) { h.Set("X-Runway-Version", "2023-01-01") }, 400, "not a supported version"},
		{"gen4_turbo from text", "text_to_video", `{"model": "gen4_turbo", ` + text + `, "ratio": "1280:720"}`,
			nil, 400, `"path":["model"]`},
		{"an unknown field", "text_to_video", `{"model": "gen4.5", ` + text + `, "ratio": "1280:720", "duration": 5, "negativePrompt": "x"}`,
			nil, 400, "unrecognized_keys"},
		{"square from text", "text_to_video", `{"model": "gen4.5", ` + text + `, "ratio": "960:960", "duration": 5}`,
			nil, 400, `"path":["ratio"]`},
		{"11 s on gen4.5", "text_to_video", `{"model": "gen4.5", ` + text + `, "ratio": "1280:720", "duration": 11}`,
			nil, 400, "<=10"},
		{"5 s on veo3.1", "text_to_video", `{"model": "veo3.1", ` + text + `, "ratio": "1280:720", "duration": 5}`,
			nil, 400, `"path":["duration"]`},
		{"a duration missing", "text_to_video", `{"model": "veo3", ` + text + `, "ratio": "1280:720"}`,
			nil, 400, "Required"},
		{"a negative seed", "text_to_video", `{"model": "gen4.5", ` + text + `, "ratio": "1280:720", "duration": 5, "seed": -1}`,
			nil, 400, `"path":["seed"]`},
		{"an http image", "image_to_video", `{"model": "gen4_turbo", "promptImage": "http://example.com/a.png", "ratio": "1280:720"}`,
			nil, 400, `"path":["promptImage"]`},
		{"an empty prompt", "text_to_video", `{"model": "gen4.5", "promptText": " ", "ratio": "1280:720", "duration": 5}`,
			nil, 400, "non-empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := good.Clone()
			if tc.header != nil {
				tc.header(h)
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/v1/"+tc.path, strings.NewReader(tc.body))
			req.Header = h
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.says) {
				t.Errorf("%d %s, want %d saying %s", resp.StatusCode, body, tc.status, tc.says)
			}
		})
	}
	// Three accepted: gen4.5 5 s at 12, veo3.1 6 s with audio at 40,
	// gen4_turbo's default 10 s at 5.
	if got, want := srv.Credits(), int64(100_000-60-240-50); got != want || srv.Submissions() != 3 {
		t.Errorf("credits %d, want %d; submissions %d", got, want, srv.Submissions())
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/organization", nil)
	req.Header = good.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var org struct {
		CreditBalance int64 `json:"creditBalance"`
		Tier          struct {
			Models map[string]struct {
				MaxConcurrentGenerations int `json:"maxConcurrentGenerations"`
			} `json:"models"`
		} `json:"tier"`
		Usage struct {
			Models map[string]struct {
				DailyGenerations int `json:"dailyGenerations"`
			} `json:"models"`
		} `json:"usage"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&org); err != nil {
		t.Fatal(err)
	}
	if org.CreditBalance != srv.Credits() || len(org.Tier.Models) != 5 || org.Usage.Models["gen4.5"].DailyGenerations != 1 {
		t.Errorf("organisation %+v", org)
	}
}
