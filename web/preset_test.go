package web

import (
	"testing"

	"slate"
)

func TestPresetLabels(t *testing.T) {
	t.Parallel()
	for _, p := range slate.ExportPresets {
		if presetLabels[p] == "" {
			t.Errorf("preset %s has no label", p)
		}
	}
	if c := presetChoices(); len(c) != len(slate.ExportPresets) {
		t.Errorf("%d preset choices for %d presets", len(c), len(slate.ExportPresets))
	}
}
