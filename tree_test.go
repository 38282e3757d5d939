package slate_test

import (
	"strings"
	"testing"

	"slate"
)

func TestShotValidate(t *testing.T) {
	t.Parallel()
	ok := func() slate.ShotInput {
		return slate.ShotInput{Name: "Harbour at dawn", DurationMS: 4000, Prompt: "fog rolls over the harbour"}
	}
	tests := []struct {
		name  string
		edit  func(*slate.ShotInput)
		field string
	}{
		{"valid", func(*slate.ShotInput) {}, ""},
		{"shortest", func(in *slate.ShotInput) { in.DurationMS = 1000 }, ""},
		{"longest", func(in *slate.ShotInput) { in.DurationMS = 60000 }, ""},
		{"too short", func(in *slate.ShotInput) { in.DurationMS = 999 }, "duration_ms"},
		{"too long", func(in *slate.ShotInput) { in.DurationMS = 60001 }, "duration_ms"},
		{"prompt of 4000 characters", func(in *slate.ShotInput) { in.Prompt = strings.Repeat("é", 4000) }, ""},
		{"prompt of 4001 characters", func(in *slate.ShotInput) { in.Prompt = strings.Repeat("é", 4001) }, "prompt"},
		{"no name", func(in *slate.ShotInput) { in.Name = " " }, "name"},
		{"multi-line name", func(in *slate.ShotInput) { in.Name = "a\nb" }, "name"},
		{"unknown engine", func(in *slate.ShotInput) { in.Engine = "Sora 2" }, "engine"},
		{"unknown tier", func(in *slate.ShotInput) { in.Tier = "8k" }, "tier"},
		{"known overrides", func(in *slate.ShotInput) { in.Engine, in.Tier = "veo-3.1", "4k" }, ""},
		{"long lens", func(in *slate.ShotInput) { in.Camera = &slate.Camera{Lens: strings.Repeat("x", 201)} }, "camera.lens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := ok()
			tt.edit(&in)
			err := in.Apply(&slate.Shot{})
			if tt.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			e, isOurs := err.(*slate.Error)
			if !isOurs || e.Code != slate.EINVALID || e.Field != tt.field {
				t.Fatalf("got %v, want invalid %s", err, tt.field)
			}
		})
	}
}

func TestShotInheritsProjectDefaults(t *testing.T) {
	t.Parallel()
	p := &slate.Project{DefaultEngine: "comfyui", DefaultTier: "standard"}
	s := &slate.Shot{}
	s.Resolve(p)
	if s.EffectiveEngine != "comfyui" || s.EffectiveTier != "standard" {
		t.Errorf("empty overrides: got %s/%s, want the project's defaults", s.EffectiveEngine, s.EffectiveTier)
	}
	s = &slate.Shot{Engine: "veo-3.1", Tier: "high"}
	s.Resolve(p)
	if s.EffectiveEngine != "veo-3.1" || s.EffectiveTier != "high" {
		t.Errorf("overrides: got %s/%s", s.EffectiveEngine, s.EffectiveTier)
	}
}

func TestProjectDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	var p slate.Project
	if err := (slate.ProjectInput{Title: "Pilot"}).Apply(&p); err != nil {
		t.Fatal(err)
	}
	if p.Format != "film" || p.AspectRatio != "16:9" || p.FrameRate != 24 || p.DefaultEngine != "preview" || p.DefaultTier != "draft" {
		t.Errorf("defaults = %+v", p)
	}
	for _, in := range []slate.ProjectInput{
		{Title: ""}, {Title: "x", Format: "opera"}, {Title: "x", AspectRatio: "4:3"},
		{Title: "x", FrameRate: 23}, {Title: "x", DefaultEngine: "sora!"}, {Title: "x", DefaultTier: "8k"},
	} {
		if err := in.Apply(&slate.Project{}); slate.ErrorCode(err) != slate.EINVALID {
			t.Errorf("%+v: got %v, want invalid", in, err)
		}
	}
}
