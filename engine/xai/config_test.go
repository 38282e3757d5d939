package xai_test

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
	"slate/engine/provider"
	"slate/engine/xai"
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
		{"bad base URL", func(c *provider.Config) { c.BaseURL = "api.x.ai" }, "base_url"},
		{"any option", func(c *provider.Config) { c.Options = json.RawMessage(`{"seed": 1}`) }, "options"},
		{"unknown tier", func(c *provider.Config) { c.Tiers = map[string]string{"8k": "720p"} }, "tiers"},
		{"4k is not xAI's", func(c *provider.Config) { c.Tiers = map[string]string{"4k": "1080p"} }, "tiers.4k"},
		{"no tiers", func(c *provider.Config) { c.Tiers = map[string]string{} }, "tiers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := config("", nil)
			tc.edit(&cfg)
			_, err := xai.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error naming %q", err, tc.want)
			}
			if strings.Contains(err.Error(), key) {
				t.Fatalf("the error carries the key: %v", err)
			}
		})
	}
	cfg := config("", nil)
	cfg.Options = json.RawMessage(`{}`)
	if _, err := xai.New(cfg); err != nil {
		t.Errorf("empty options refused: %v", err)
	}
}

func TestOffer(t *testing.T) {
	t.Parallel()
	o := newEngine(t, config("", nil)).Offer()
	want := slate.EngineOffer{Name: "grok-video", Adapter: "xai", Model: "grok-imagine-video",
		Tiers: []string{"draft", "standard", "high"}, MinMS: 1000, MaxMS: 15000, StepMS: 1000}
	if o.Name != want.Name || o.Adapter != want.Adapter || o.Model != want.Model || !slices.Equal(o.Tiers, want.Tiers) ||
		o.DurationsMS != nil || o.MinMS != want.MinMS || o.MaxMS != want.MaxMS || o.StepMS != want.StepMS || o.MaxConcurrent != 0 {
		t.Errorf("offer %+v, want %+v", o, want)
	}
	for _, tc := range []struct {
		shot, billed int64
		why          bool
	}{
		{500, 1000, true}, {2500, 3000, true}, {6000, 6000, false}, {15000, 15000, false}, {20000, 15000, true},
	} {
		if ms, why := o.Billed(tc.shot); ms != tc.billed || (why != "") != tc.why {
			t.Errorf("Billed(%d) = %d, %q; want %d (reason given: %v)", tc.shot, ms, why, tc.billed, tc.why)
		}
	}
	if o.OffersTier("4k") {
		t.Error("offers 4k, which xAI does not render")
	}
	cfg := config("", nil)
	cfg.Tiers = map[string]string{"draft": "480p"}
	if got := newEngine(t, cfg).Offer().Tiers; !slices.Equal(got, []string{"draft"}) {
		t.Errorf("tiers %v, want the entry's draft only", got)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	if err := newEngine(t, config(srv.URL(), nil)).Check(context.Background()); err != nil {
		t.Fatalf("Check with the key: %v", err)
	}
	cfg := config(srv.URL(), nil)
	cfg.APIKey = "xai-wrong-key"
	wantCode(t, newEngine(t, cfg).Check(context.Background()), slate.JobErrEngineUnavailable)

	srv.BlockKey()
	err := newEngine(t, config(srv.URL(), nil)).Check(context.Background())
	if ee := wantCode(t, err, slate.JobErrEngineUnavailable); !strings.Contains(ee.Message, "blocked") {
		t.Errorf("Check = %v, want it to say the key is blocked", ee)
	}

	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	t.Cleanup(other.Close)
	wantCode(t, newEngine(t, config(other.URL, nil)).Check(context.Background()), slate.JobErrEngineUnavailable)
}

// The documented examples: the fake accepts the documented create body,
// and the engine reads the documented pending and done answers, served
// here as they are but for the video URL.
func TestDocumentedExamples(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	body, err := os.ReadFile(filepath.Join("testdata", "create_request.json"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/v1/videos/generations", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the fake answered the documented create with %d", resp.StatusCode)
	}

	pending, err := os.ReadFile(filepath.Join("testdata", "status_pending.json"))
	if err != nil {
		t.Fatal(err)
	}
	done, err := os.ReadFile(filepath.Join("testdata", "status_done.json"))
	if err != nil {
		t.Fatal(err)
	}
	clip, err := video()
	if err != nil {
		t.Fatal(err)
	}
	polls := 0
	var api *httptest.Server
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/videos/req_1234567890" && r.Header.Get("Authorization") == "Bearer "+key:
			if polls++; polls == 1 {
				w.WriteHeader(http.StatusAccepted)
				_, _ = w.Write(pending)
				return
			}
			_, _ = w.Write(bytes.ReplaceAll(done, []byte("https://vidgen.x.ai"), []byte(api.URL)))
		case strings.HasPrefix(r.URL.Path, "/xai-vidgen-bucket/"):
			_, _ = w.Write(clip)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	e := newEngine(t, config(api.URL, nil))
	dst := filepath.Join(t.TempDir(), "take.mp4")
	var percents []int
	out, err := e.Await(context.Background(), testSpec(), engine.Ticket{ID: "req_1234567890"}, dst,
		func(p engine.Progress) { percents = append(percents, p.Percent) })
	if err != nil {
		t.Fatal(err)
	}
	if out.Model != "grok-imagine-video" || out.Usage != (engine.Usage{VideoMS: 6000}) {
		t.Errorf("output %+v: want the example's model and 6 s, no price (the example has no usage)", out)
	}
	if !slices.Equal(percents, []int{42, 100}) {
		t.Errorf("progress %v, want the example's 42 then 100", percents)
	}
	if _, err := media.Probe(context.Background(), "", dst); err != nil {
		t.Fatal(err)
	}
}
