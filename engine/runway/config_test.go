package runway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"slate"
	"slate/engine/provider"
	"slate/engine/runway"
	"slate/engine/runway/runwaytest"
)

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		model string
		edit  func(*provider.Config)
		want  string
	}{
		{"no name", "gen4.5", func(c *provider.Config) { c.Name = "" }, "name"},
		{"no model", "", func(c *provider.Config) {}, "model"},
		{"unknown model", "gen2", func(c *provider.Config) {}, "model: this adapter renders with gen4.5, gen4_turbo, veo3, veo3.1, veo3.1_fast"},
		{"no key", "gen4.5", func(c *provider.Config) { c.APIKey = "" }, "API key"},
		{"bad base URL", "gen4.5", func(c *provider.Config) { c.BaseURL = "api.dev.runwayml.com" }, "base_url"},
		{"unknown option", "gen4.5", func(c *provider.Config) { c.Options = json.RawMessage(`{"seed": 1}`) }, "options"},
		{"audio on gen4.5", "gen4.5", func(c *provider.Config) { c.Options = json.RawMessage(`{"audio": false}`) }, "options.audio"},
		{"moderation on veo", "veo3.1", func(c *provider.Config) { c.Options = json.RawMessage(`{"public_figure_threshold": "low"}`) }, "options.public_figure_threshold"},
		{"bad threshold", "gen4.5", func(c *provider.Config) { c.Options = json.RawMessage(`{"public_figure_threshold": "off"}`) }, "options.public_figure_threshold"},
		{"unknown tier", "gen4.5", func(c *provider.Config) { c.Tiers = map[string]string{"8k": "720p"} }, "tiers"},
		{"1080p on gen4.5", "gen4.5", func(c *provider.Config) { c.Tiers = map[string]string{"high": "1080p"} }, "tiers.high"},
		{"4k on veo", "veo3.1", func(c *provider.Config) { c.Tiers = map[string]string{"4k": "4k"} }, "tiers.4k"},
		{"no tiers", "veo3", func(c *provider.Config) { c.Tiers = map[string]string{} }, "tiers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := config("", tc.model, nil)
			tc.edit(&cfg)
			_, err := runway.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error naming %q", err, tc.want)
			}
			if strings.Contains(err.Error(), key) {
				t.Fatalf("the error carries the key: %v", err)
			}
		})
	}
	for _, opts := range []string{`{}`, `{"audio": false}`, `{"audio": true}`} {
		cfg := config("", "veo3.1_fast", nil)
		cfg.Options = json.RawMessage(opts)
		if _, err := runway.New(cfg); err != nil {
			t.Errorf("options %s refused: %v", opts, err)
		}
	}
}

func TestOffer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		model      string
		tiers      []string
		durations  []int64
		min, max   int64
		startImage bool
	}{
		{"gen4.5", []string{"draft", "standard", "high"}, nil, 2000, 10000, false},
		{"gen4_turbo", []string{"draft", "standard", "high"}, nil, 2000, 10000, true},
		{"veo3", []string{"draft", "standard", "high"}, []int64{8000}, 0, 0, false},
		{"veo3.1", []string{"draft", "standard", "high"}, []int64{4000, 6000, 8000}, 0, 0, false},
		{"veo3.1_fast", []string{"draft", "standard", "high"}, []int64{4000, 6000, 8000}, 0, 0, false},
	} {
		o := newEngine(t, config("", tc.model, nil)).Offer()
		if o.Name != "gen" || o.Adapter != "runway" || o.Model != tc.model || o.MaxConcurrent != 0 ||
			!slices.Equal(o.Tiers, tc.tiers) || !slices.Equal(o.DurationsMS, tc.durations) ||
			o.MinMS != tc.min || o.MaxMS != tc.max || (o.StartImage == slate.StartImageRequired) != tc.startImage || o.StartImage == "" {
			t.Errorf("%s: offer %+v", tc.model, o)
		}
		if tc.durations == nil && o.StepMS != 1000 {
			t.Errorf("%s: step %d, want whole seconds", tc.model, o.StepMS)
		}
	}
	cfg := config("", "gen4.5", nil)
	cfg.Tiers = map[string]string{"draft": "720p"}
	if o := newEngine(t, cfg).Offer(); !slices.Equal(o.Tiers, []string{"draft"}) || o.OffersTier("standard") {
		t.Errorf("the entry's tiers: offer %+v", o)
	}
	// A shot of 2.5 s renders and bills 3 on Gen-4, 4 on Veo 3.1.
	if ms, why := newEngine(t, config("", "gen4.5", nil)).Offer().Billed(2500); ms != 3000 || why == "" {
		t.Errorf("gen4.5 bills %d (%q) for 2.5 s", ms, why)
	}
	if ms, _ := newEngine(t, config("", "veo3.1", nil)).Offer().Billed(2500); ms != 4000 {
		t.Errorf("veo3.1 bills %d for 2.5 s", ms)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	srv := newFake(t, runwaytest.Options{})
	if err := newEngine(t, config(srv.URL(), "gen4.5", nil)).Check(context.Background()); err != nil {
		t.Fatalf("Check with the key: %v", err)
	}
	if srv.Submissions() != 0 {
		t.Error("Check created a task")
	}
	cfg := config(srv.URL(), "gen4.5", nil)
	cfg.APIKey = "rw-wrong-key"
	ee := wantCode(t, newEngine(t, cfg).Check(context.Background()), slate.JobErrEngineUnavailable)
	if ee.Retryable || !strings.Contains(ee.Message, "API key") {
		t.Errorf("a refused key: %+v", ee)
	}

	srv.SetCredits(0)
	ee = wantCode(t, newEngine(t, config(srv.URL(), "gen4.5", nil)).Check(context.Background()), slate.JobErrQuotaExceeded)
	if !strings.Contains(ee.Message, "no credits") {
		t.Errorf("an empty balance: %v", ee)
	}

	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	t.Cleanup(other.Close)
	wantCode(t, newEngine(t, config(other.URL, "gen4.5", nil)).Check(context.Background()), slate.JobErrEngineUnavailable)
}
