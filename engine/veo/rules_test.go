package veo

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"slate"
)

func TestShape(t *testing.T) {
	t.Parallel()
	spec := func(tier, aspect string, ms int64) slate.RenderSpec {
		return slate.RenderSpec{Prompt: " a fox at dawn ", NegativePrompt: "blur", Tier: tier, AspectRatio: aspect, DurationMS: ms}
	}
	tests := []struct {
		name    string
		model   string
		spec    slate.RenderSpec
		want    shot
		wantErr string // a part of the invalid_request message
	}{
		{"draft 16:9 4 s", "veo-3.1-generate-001", spec("draft", "16:9", 4000),
			shot{prompt: "a fox at dawn", negative: "blur", aspect: "16:9", resolution: "720p", seconds: 4}, ""},
		{"portrait", "veo-3.1-generate-001", spec("standard", "9:16", 6000),
			shot{prompt: "a fox at dawn", negative: "blur", aspect: "9:16", resolution: "720p", seconds: 6}, ""},
		{"no aspect lets the model choose", "veo-3.1-generate-001", spec("draft", "", 8000),
			shot{prompt: "a fox at dawn", negative: "blur", resolution: "720p", seconds: 8}, ""},
		{"1080p at 8 s", "veo-3.1-generate-001", spec("high", "16:9", 8000),
			shot{prompt: "a fox at dawn", negative: "blur", aspect: "16:9", resolution: "1080p", seconds: 8}, ""},
		{"4k at 8 s", "veo-3.1-generate-001", spec("4k", "16:9", 8000),
			shot{prompt: "a fox at dawn", negative: "blur", aspect: "16:9", resolution: "4k", seconds: 8}, ""},
		{"veo 2 takes 5 s and no resolution", "veo-2.0-generate-001", spec("draft", "16:9", 5000),
			shot{prompt: "a fox at dawn", negative: "blur", aspect: "16:9", seconds: 5}, ""},
		{"1080p at 4 s", "veo-3.1-generate-001", spec("high", "16:9", 4000), shot{}, "only at 8 s"},
		{"square", "veo-3.1-generate-001", spec("draft", "1:1", 4000), shot{}, "16:9 or 9:16 only; the project's 1:1"},
		{"5 s on veo 3", "veo-3.1-generate-001", spec("draft", "16:9", 5000), shot{}, "renders 4, 6 or 8 s; the job asks for 5 s"},
		{"half seconds", "veo-3.1-generate-001", spec("draft", "16:9", 4500), shot{}, "4.5 s"},
		{"4 s on veo 2", "veo-2.0-generate-001", spec("draft", "16:9", 4000), shot{}, "renders 5, 6 or 8 s"},
		{"4k on veo 3.0", "veo-3.0-generate-001", spec("4k", "16:9", 8000), shot{}, `does not render tier "4k"; it offers draft, standard, high`},
		{"no prompt", "veo-3.1-generate-001", slate.RenderSpec{Prompt: "  ", Tier: "draft", DurationMS: 4000}, shot{}, "needs a prompt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := familyOf(tt.model)
			got, err := f.shape("veo", f.tiers, tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), slate.JobErrInvalidRequest) {
					t.Fatalf("shape() error = %v, want invalid_request containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("shape() = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestOffer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		model     string
		tiers     map[string]string
		wantTiers []string
		wantMS    []int64
		wantEight []string // tiers rendered at 8 s only
	}{
		{"veo-3.1-generate-preview", nil, []string{"draft", "standard", "high", "4k"}, []int64{4000, 6000, 8000}, []string{"4k", "high"}},
		{"veo-3.1-fast-generate-001", nil, []string{"draft", "standard", "high", "4k"}, []int64{4000, 6000, 8000}, []string{"4k", "high"}},
		{"veo-3.1-lite-generate-001", nil, []string{"draft", "standard", "high"}, []int64{4000, 6000, 8000}, []string{"high"}},
		{"veo-3.0-generate-001", nil, []string{"draft", "standard", "high"}, []int64{4000, 6000, 8000}, []string{"high"}},
		{"veo-2.0-generate-001", nil, []string{"draft", "standard"}, []int64{5000, 6000, 8000}, nil},
		{"veo-3.1-generate-001", map[string]string{"draft": "720p", "premium": "1080p"}, []string{"draft", "premium"}, []int64{4000, 6000, 8000}, []string{"premium"}},
	}
	for _, tt := range tests {
		f := familyOf(tt.model)
		tiers, err := f.tierMap(tt.model, tt.tiers)
		if err != nil {
			t.Fatalf("%s: tierMap: %v", tt.model, err)
		}
		o := f.offer("veo", tt.model, tiers)
		eight := slices.Sorted(maps.Keys(o.TierDurationsMS))
		if o.Adapter != "veo" || o.Model != tt.model || !slices.Equal(o.Tiers, tt.wantTiers) ||
			!slices.Equal(o.DurationsMS, tt.wantMS) || !slices.Equal(eight, tt.wantEight) {
			t.Errorf("%s: offer = %+v; want tiers %v, durations %v, 8 s only %v", tt.model, o, tt.wantTiers, tt.wantMS, tt.wantEight)
		}
		for _, tier := range eight {
			if got, _ := o.ForTier(tier).Billed(4000); got != 8000 {
				t.Errorf("%s: a 4 s shot at %s bills %d ms, want 8000", tt.model, tier, got)
			}
		}
	}
}

func TestTierMapRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		model string
		tiers map[string]string
		want  string
	}{
		{"veo-3.0-generate-001", map[string]string{"4k": "4k"}, `tiers.4k: veo-3.0-generate-001 renders 720p, 1080p, not "4k"`},
		{"veo-3.1-generate-001", map[string]string{"draft": "480p"}, `not "480p"`},
		{"veo-2.0-generate-001", map[string]string{"draft": "720p"}, "takes no resolution"},
	}
	for _, tt := range tests {
		_, err := familyOf(tt.model).tierMap(tt.model, tt.tiers)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %v: error = %v, want %q", tt.model, tt.tiers, err, tt.want)
		}
	}
}
