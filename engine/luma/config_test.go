package luma_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/luma"
	"slate/engine/provider"
	"slate/media"
)

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(*provider.Config)
		want string
	}{
		{"no name", func(c *provider.Config) { c.Name = "" }, "name"},
		{"no model", func(c *provider.Config) { c.Model = "" }, "model"},
		{"no key", func(c *provider.Config) { c.APIKey = "" }, "API key"},
		{"bad base URL", func(c *provider.Config) { c.BaseURL = "ftp://luma" }, "base_url"},
		{"unknown option", func(c *provider.Config) { c.Options = json.RawMessage(`{"seed": 1}`) }, "options"},
		{"bad duration", func(c *provider.Config) { c.Options = json.RawMessage(`{"durations_s": [0]}`) }, "durations_s"},
		{"unknown tier", func(c *provider.Config) { c.Tiers = map[string]string{"8k": "4k"} }, "tiers"},
		{"unknown resolution", func(c *provider.Config) { c.Tiers = map[string]string{"draft": "360p"} }, "tiers.draft"},
		{"no tiers", func(c *provider.Config) { c.Tiers = map[string]string{} }, "tiers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := config("", nil)
			tc.edit(&cfg)
			_, err := luma.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error naming %q", err, tc.want)
			}
			if strings.Contains(err.Error(), key) {
				t.Fatalf("the error carries the key: %v", err)
			}
		})
	}
}

func TestOffer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		tiers     map[string]string
		options   string
		wantTiers []string
		wantMS    []int64
	}{
		{"defaults", nil, "", []string{"draft", "standard", "high", "4k"}, []int64{5000, 9000}},
		{"the entry's tiers", map[string]string{"high": "720p", "standard": "540p"}, "", []string{"standard", "high"}, []int64{5000, 9000}},
		{"the entry's durations", nil, `{"durations_s": [9, 5, 5]}`, []string{"draft", "standard", "high", "4k"}, []int64{5000, 9000}},
		{"one duration", nil, `{"durations_s": [5]}`, []string{"draft", "standard", "high", "4k"}, []int64{5000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := config("", nil)
			cfg.Tiers, cfg.Options = tc.tiers, json.RawMessage(tc.options)
			o := newEngine(t, cfg).Offer()
			if o.Name != "ray-2" || o.Adapter != "luma" || o.Model != "ray-2" || o.MaxConcurrent != 0 {
				t.Errorf("offer %+v", o)
			}
			if !slices.Equal(o.Tiers, tc.wantTiers) || !slices.Equal(o.DurationsMS, tc.wantMS) {
				t.Errorf("tiers %v, durations %v; want %v, %v", o.Tiers, o.DurationsMS, tc.wantTiers, tc.wantMS)
			}
		})
	}
	o := newEngine(t, config("", nil)).Offer()
	if ms, why := o.Billed(6000); ms != 9000 || why == "" {
		t.Errorf("Billed(6 s) = %d, %q; want 9 s with a reason", ms, why)
	}
	if o.OffersTier("8k") {
		t.Error("offers a tier it has no resolution for")
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	if err := newEngine(t, config(srv.URL(), nil)).Check(context.Background()); err != nil {
		t.Fatalf("Check with the key: %v", err)
	}
	cfg := config(srv.URL(), nil)
	cfg.APIKey = "luma-wrong"
	wantCode(t, newEngine(t, cfg).Check(context.Background()), slate.JobErrEngineUnavailable)

	// Something that is not the Dream Machine API answers 200 without a
	// balance.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	t.Cleanup(other.Close)
	wantCode(t, newEngine(t, config(other.URL, nil)).Check(context.Background()), slate.JobErrEngineUnavailable)
}

// The documented examples: the fake accepts the documented create body,
// and the engine reads the documented Generation object, served here as
// it is but for its video URL.
func TestDocumentedExamples(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	body, err := os.ReadFile(filepath.Join("testdata", "create_request.json"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/generations", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("the fake answered the documented create with %d", resp.StatusCode)
	}

	example, err := os.ReadFile(filepath.Join("testdata", "generation_completed.json"))
	if err != nil {
		t.Fatal(err)
	}
	clip, err := video()
	if err != nil {
		t.Fatal(err)
	}
	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/dream-machine/v1/generations/123e4567-e89b-12d3-a456-426614174000":
			if r.Header.Get("Authorization") != "Bearer "+key {
				http.Error(w, `{"detail":"Invalid API key"}`, http.StatusUnauthorized)
				return
			}
			_, _ = w.Write(bytes.ReplaceAll(example, []byte("https://example.com"), []byte(api.URL)))
		case "/video.mp4":
			_, _ = w.Write(clip)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	e := newEngine(t, config(api.URL+"/dream-machine/v1", nil))
	dst := filepath.Join(t.TempDir(), "take.mp4")
	spec := testSpec()
	spec.DurationMS = 5000
	out, err := e.Await(context.Background(), spec, engine.Ticket{ID: "123e4567-e89b-12d3-a456-426614174000"}, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Model != "ray-2" || out.Usage.VideoMS != 5000 {
		t.Errorf("output %+v: the example names no model, so the entry's; 5 s billed", out)
	}
	if _, err := media.Probe(context.Background(), "", dst); err != nil {
		t.Fatal(err)
	}
}
