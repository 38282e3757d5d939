package slate_test

import (
	"slices"
	"testing"

	"slate"
)

func TestEngineOfferForTier(t *testing.T) {
	t.Parallel()
	veo := slate.EngineOffer{
		Name:            "veo-3.1",
		DurationsMS:     []int64{4000, 6000, 8000},
		TierDurationsMS: map[string][]int64{"high": {8000}, "4k": {8000}},
	}
	tests := []struct {
		tier       string
		shotMS     int64
		wantMS     int64
		wantReason bool
	}{
		{"draft", 4000, 4000, false},
		{"draft", 5000, 6000, true},
		{"high", 4000, 8000, true},
		{"4k", 8000, 8000, false},
		{"high", 9000, 8000, true},
	}
	for _, tt := range tests {
		got, reason := veo.ForTier(tt.tier).Billed(tt.shotMS)
		if got != tt.wantMS || (reason != "") != tt.wantReason {
			t.Errorf("ForTier(%q).Billed(%d) = %d, %q; want %d, reason %v", tt.tier, tt.shotMS, got, reason, tt.wantMS, tt.wantReason)
		}
	}
	if !slices.Equal(veo.DurationsMS, []int64{4000, 6000, 8000}) {
		t.Errorf("ForTier changed the offer it was called on: %v", veo.DurationsMS)
	}
	if plain := (slate.EngineOffer{Name: "x"}).ForTier("high"); plain.DurationsMS != nil {
		t.Errorf("an offer without tier durations gained some: %v", plain.DurationsMS)
	}
}
