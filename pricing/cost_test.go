package pricing_test

import (
	"testing"

	"slate"
	"slate/pricing"
)

func TestRenderCost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		rate, mult, durationMS int64
		want                   int64
	}{
		{"preview draft 4 s", 1, 1, 4_000, 4},
		{"rounds up a partial credit", 1, 1, 4_001, 5},
		{"veo high 8 s", 8, 4, 8_000, 256},
		{"comfyui 4k 1.5 s", 2, 8, 1_500, 24},
		{"grok standard 2.25 s", 4, 2, 2_250, 18},
		{"smallest shot at the cheapest rate", 1, 1, 1_000, 1},
		{"free engine", 0, 8, 60_000, 0},
	}
	for _, tt := range tests {
		got, err := pricing.RenderCost(tt.rate, tt.mult, tt.durationMS)
		if err != nil || got != tt.want {
			t.Errorf("%s: RenderCost = %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
	if _, err := pricing.RenderCost(1<<40, 1<<20, 60_000); err == nil {
		t.Error("overflowing cost was not refused")
	}
	if _, err := pricing.RenderCost(-1, 1, 1000); slate.ErrorCode(err) != slate.EINVALID {
		t.Errorf("negative rate: %v", err)
	}
}

func TestResolution(t *testing.T) {
	t.Parallel()
	tiers := map[string]pricing.Tier{}
	for _, tr := range pricing.DefaultTiers() {
		tiers[tr.Name] = tr
	}
	tests := []struct {
		tier, aspect string
		w, h         int
	}{
		{"draft", "16:9", 854, 480},
		{"standard", "16:9", 1280, 720},
		{"high", "16:9", 1920, 1080},
		{"4k", "16:9", 3840, 2160},
		{"draft", "9:16", 480, 854},
		{"high", "1:1", 1080, 1080},
		{"4k", "9:16", 2160, 3840},
	}
	for _, tt := range tests {
		w, h, err := pricing.Resolution(tiers[tt.tier], tt.aspect)
		if err != nil || w != tt.w || h != tt.h {
			t.Errorf("%s %s = %dx%d %v, want %dx%d", tt.tier, tt.aspect, w, h, err, tt.w, tt.h)
		}
	}
	if _, _, err := pricing.Resolution(tiers["draft"], "4:3"); slate.ErrorCode(err) != slate.EINVALID {
		t.Errorf("unknown aspect: %v", err)
	}
}
