package fal_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"slate"
	"slate/engine/fal"
	"slate/engine/provider"
)

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	good := func() provider.Config {
		return provider.Config{Name: "wan-2.1", Model: "fal-ai/wan-t2v", APIKey: "id:very-secret"}
	}
	for _, tc := range []struct {
		name   string
		change func(c *provider.Config)
		field  string
	}{
		{"no model", func(c *provider.Config) { c.Model = "" }, "model is empty"},
		{"model with a dot-dot", func(c *provider.Config) { c.Model = "fal-ai/../admin" }, "model:"},
		{"model without an owner", func(c *provider.Config) { c.Model = "wan-t2v" }, "model:"},
		{"no key", func(c *provider.Config) { c.APIKey = "" }, "api_key_env"},
		{"bad base URL", func(c *provider.Config) { c.BaseURL = "ftp://queue" }, "base_url"},
		{"unknown option", func(c *provider.Config) { c.Options = json.RawMessage(`{"fps": 24}`) }, `unknown field "fps"`},
		{"option of the wrong type", func(c *provider.Config) { c.Options = json.RawMessage(`{"num_frames": "81"}`) }, "options"},
		{"unknown model without frames", func(c *provider.Config) { c.Model = "fal-ai/some-video" }, "options.frames_per_second"},
		{"both frame options", func(c *provider.Config) {
			c.Options = json.RawMessage(`{"num_frames": [81], "min_frames": 17, "max_frames": 30}`)
		}, "not both"},
		{"frames out of order", func(c *provider.Config) { c.Options = json.RawMessage(`{"num_frames": [100, 81]}`) }, "options.num_frames"},
		{"input that the shot fills", func(c *provider.Config) { c.Options = json.RawMessage(`{"input": {"seed": 1}}`) }, "options.input.seed"},
		{"an aspect ratio no project has", func(c *provider.Config) { c.Options = json.RawMessage(`{"aspect_ratios": ["4:3"]}`) }, "options.aspect_ratios"},
		{"a tier that does not exist", func(c *provider.Config) { c.Tiers = map[string]string{"ultra": "720p"} }, "tiers.ultra"},
		{"a resolution the model lacks", func(c *provider.Config) { c.Tiers = map[string]string{"high": "1080p"} }, "tiers.high"},
		{"no tiers at all", func(c *provider.Config) { c.Tiers = map[string]string{} }, "tiers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := good()
			tc.change(&cfg)
			_, err := fal.New(cfg)
			if err == nil {
				t.Fatal("New accepted it")
			}
			if !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "wan-2.1") {
				t.Errorf("error %q should name the entry and %q", err, tc.field)
			}
			if strings.Contains(err.Error(), "very-secret") {
				t.Errorf("error echoes the key: %v", err)
			}
		})
	}
}

func TestOffer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		model   string
		tiers   map[string]string
		options string
		want    slate.EngineOffer
	}{
		{name: "wan 2.1 by default", model: "fal-ai/wan-t2v",
			want: slate.EngineOffer{Tiers: []string{"draft", "standard", "high"}, DurationsMS: []int64{5063, 6250}}},
		{name: "tiers from the entry", model: "fal-ai/wan-t2v", tiers: map[string]string{"draft": "480p", "standard": "580p"},
			want: slate.EngineOffer{Tiers: []string{"draft", "standard"}, DurationsMS: []int64{5063, 6250}}},
		{name: "wan 2.2: whole-millisecond steps of two frames", model: "fal-ai/wan/v2.2-a14b/text-to-video",
			want: slate.EngineOffer{Tiers: []string{"draft", "standard", "high"}, MinMS: 1125, MaxMS: 10000, StepMS: 125}},
		{name: "a model described by options at 24 fps", model: "fal-ai/other-wan", tiers: map[string]string{"draft": "480p"},
			options: `{"frames_per_second": 24, "min_frames": 49, "max_frames": 121}`,
			want:    slate.EngineOffer{Tiers: []string{"draft"}, MinMS: 2125, MaxMS: 5000, StepMS: 125}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := provider.Config{Name: "e", Model: tc.model, APIKey: "k", Tiers: tc.tiers}
			if tc.options != "" {
				cfg.Options = json.RawMessage(tc.options)
			}
			e, err := fal.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Name, tc.want.Adapter, tc.want.Model = "e", "fal", tc.model
			if got := e.Offer(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("offer = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// The offer's billed lengths round-trip to the frames a request asks for.
func TestBilledDurationsAreWholeFrames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		shotMS   int64
		billedMS int64
		frames   int
		reason   string
	}{
		{3000, 5063, 81, "rounded up"},
		{5063, 5063, 81, ""},
		{5500, 6250, 100, "rounded up"},
		{9000, 6250, 100, "at most"},
	} {
		e, err := fal.New(provider.Config{Name: "wan-2.1", Model: "fal-ai/wan-t2v", APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		o := e.Offer()
		billed, why := o.Billed(tc.shotMS)
		m := fal.Model{FPS: 16, Frames: []int{81, 100}}
		if billed != tc.billedMS || m.FramesFor(billed) != tc.frames || !strings.Contains(why, tc.reason) {
			t.Errorf("a %d ms shot bills %d ms (%q) as %d frames, want %d ms as %d frames, reason %q",
				tc.shotMS, billed, why, m.FramesFor(billed), tc.billedMS, tc.frames, tc.reason)
		}
	}
}

func TestFramesFor(t *testing.T) {
	t.Parallel()
	ranged := fal.Model{FPS: 16, MinFrames: 17, MaxFrames: 161}
	listed := fal.Model{FPS: 16, Frames: []int{81, 100}}
	for _, tc := range []struct {
		m      fal.Model
		ms     int64
		frames int
	}{
		{ranged, 3000, 48},
		{ranged, 3031, 48}, // 48.5 frames: the nearest whole one
		{ranged, 1125, 18},
		{ranged, 10, 17},
		{ranged, 60000, 161},
		{listed, 0, 81},
		{listed, 5063, 81},
		{listed, 5100, 100},
		{listed, 6250, 100},
		{listed, 20000, 100},
	} {
		if got := tc.m.FramesFor(tc.ms); got != tc.frames {
			t.Errorf("%+v.FramesFor(%d) = %d, want %d", tc.m, tc.ms, got, tc.frames)
		}
	}
}

func TestAppID(t *testing.T) {
	t.Parallel()
	for model, app := range map[string]string{
		"fal-ai/wan-t2v":                     "fal-ai/wan-t2v",
		"fal-ai/flux/dev":                    "fal-ai/flux",
		"fal-ai/wan/v2.2-a14b/text-to-video": "fal-ai/wan",
		"workflows/someone/flow":             "workflows/someone/flow",
		"workflows/someone/flow/step":        "workflows/someone/flow",
		"comfy/someone/graph/run":            "comfy/someone/graph",
	} {
		if got := fal.AppID(model); got != app {
			t.Errorf("AppID(%q) = %q, want %q", model, got, app)
		}
	}
}
