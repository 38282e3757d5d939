package pricing_test

import (
	"testing"

	"slate/pricing"
)

func TestParseMicros(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"0.40", 400_000, false}, {"12", 12_000_000, false},
		{"0.000001", 1, false}, {"2.5", 2_500_000, false}, {"1.", 0, true}, {".5", 0, true},
		{"-1", 0, true}, {"1e3", 0, true}, {"0.0000001", 0, true}, {"1,5", 0, true},
		{"9999999999999", 0, true},
	} {
		got, err := pricing.ParseMicros(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseMicros(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.bad)
		}
		if !tc.bad && tc.in != "" {
			if back, _ := pricing.ParseMicros(pricing.FormatMicros(got)); back != got {
				t.Errorf("FormatMicros(%d) = %q does not read back", got, pricing.FormatMicros(got))
			}
		}
	}
	if got := pricing.FormatMicros(400_000); got != "0.4" {
		t.Errorf("FormatMicros(400000) = %q, want 0.4", got)
	}
}

// Worked examples from providers' published prices, computed by hand.
func TestProviderRateCost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		rate         pricing.ProviderRate
		tier         string
		usage        pricing.Usage
		amount, cost int64
	}{
		{"Veo: 8 s at $0.40/s", pricing.ProviderRate{Unit: "USD", PerSecond: 400_000},
			"high", pricing.Usage{VideoMS: 8000}, 3_200_000, 3_200_000},
		{"a tier's own price wins", pricing.ProviderRate{Unit: "USD", PerSecond: 400_000, PerTier: map[string]int64{"draft": 150_000}},
			"draft", pricing.Usage{VideoMS: 8000}, 1_200_000, 1_200_000},
		{"Runway: 10 s at 5 credits/s, a credit is $0.01", pricing.ProviderRate{Unit: "runway_credit", PerSecond: 5_000_000, Value: 10_000},
			"standard", pricing.Usage{VideoMS: 10_000}, 50_000_000, 500_000},
		{"Replicate: 37.5 s of GPU at $0.001400/s", pricing.ProviderRate{Unit: "USD", PerComputeSecond: 1_400},
			"draft", pricing.Usage{VideoMS: 5000, ComputeMS: 37_500}, 52_500, 52_500},
		{"ComfyUI: 90 GPU seconds at $2.50 an hour", pricing.ProviderRate{Unit: "gpu_second", PerComputeSecond: 1_000_000, Value: 2_500_000, ValuePer: 3600},
			"high", pricing.Usage{ComputeMS: 90_000}, 90_000_000, 62_500},
		{"fal: a flat $0.20 a video", pricing.ProviderRate{Unit: "USD", PerRequest: 200_000},
			"standard", pricing.Usage{VideoMS: 5000}, 200_000, 200_000},
		{"the provider's own amount wins", pricing.ProviderRate{Unit: "USD", PerSecond: 400_000},
			"high", pricing.Usage{VideoMS: 8000, Amount: 3_000_000}, 3_000_000, 3_000_000},
		{"half a micro rounds up", pricing.ProviderRate{Unit: "USD", PerSecond: 1},
			"draft", pricing.Usage{VideoMS: 500}, 1, 1},
		{"nothing billed", pricing.ProviderRate{}, "draft", pricing.Usage{}, 0, 0},
	} {
		amount, cost := tc.rate.Cost(tc.tier, tc.usage)
		if amount != tc.amount || cost != tc.cost {
			t.Errorf("%s: Cost = %d, %d; want %d, %d", tc.name, amount, cost, tc.amount, tc.cost)
		}
	}
}
