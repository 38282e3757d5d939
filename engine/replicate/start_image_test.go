package replicate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/provider"
	"slate/engine/replicate"
	"slate/engine/replicate/replicatetest"
	"slate/waitfor"
)

// startPNG writes a small PNG, as the worker extracts a take's frame, and
// returns its path and bytes.
func startPNG(t *testing.T) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for x := range 16 {
		img.Set(x, x%9, color.RGBA{R: uint8(x * 16), G: 80, B: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "start.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, buf.Bytes()
}

// klingV21 is the documented image-to-video entry for Kling v2.1, whose
// schema requires start_image.
func klingV21(s *replicatetest.Server) provider.Config {
	cfg := klingV20(s, &waits{})
	cfg.Model, cfg.Tiers = "kwaivgi/kling-v2.1", map[string]string{"standard": "standard", "high": "pro"}
	cfg.Options = json.RawMessage(`{"durations_s": [5, 10], "start_image": "required"}`)
	cfg.Input = map[string]any{"prompt": "{{prompt}}", "negative_prompt": "{{negative_prompt}}",
		"start_image": "{{start_image}}", "mode": "{{resolution}}", "duration": "{{duration_s}}"}
	return cfg
}

func TestStartImageOffer(t *testing.T) {
	t.Parallel()
	i2v := map[string]any{"prompt": "{{prompt}}", "start_image": "{{start_image}}"}
	for _, tc := range []struct {
		name    string
		input   map[string]any
		options string
		want    string
	}{
		{"no {{start_image}}: takes no image", map[string]any{"prompt": "{{prompt}}"}, "", ""},
		{"{{start_image}} placed: optional", i2v, "", slate.StartImageOptional},
		{"the entry says required", i2v, `{"start_image": "required"}`, slate.StartImageRequired},
		{"the entry says optional", i2v, `{"start_image": "optional"}`, slate.StartImageOptional},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := provider.Config{Name: "kling", Model: "kwaivgi/kling-v2.1", APIKey: "k",
				Options: json.RawMessage(tc.options), Input: tc.input}
			if got := newEngine(t, cfg).Offer().StartImage; got != tc.want {
				t.Errorf("offer's start_image = %q, want %q", got, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name, options, says string
	}{
		{"required with nowhere to put it", `{"start_image": "required"}`, "has no {{start_image}}"},
		{"an unknown value", `{"start_image": "yes"}`, `options.start_image: "yes" is neither`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := provider.Config{Name: "kling", Model: "kwaivgi/kling-v2.1", APIKey: "k",
				Options: json.RawMessage(tc.options), Input: map[string]any{"prompt": "{{prompt}}"}}
			if _, err := replicate.New(cfg); err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err = %v, want it to say %q", err, tc.says)
			}
		})
	}
}

func TestStartImageSentAsDataURI(t *testing.T) {
	t.Parallel()
	path, data := startPNG(t)
	for _, tc := range []struct {
		name string
		cfg  func(*replicatetest.Server) provider.Config
	}{
		{"Kling v2.1, which requires it", klingV21},
		{"Kling v2.0, which takes it optionally", func(s *replicatetest.Server) provider.Config {
			cfg := klingV20(s, &waits{})
			cfg.Input["start_image"] = "{{start_image}}"
			return cfg
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFake(t)
			e := newEngine(t, tc.cfg(s))
			spec := testSpec()
			spec.StartImage = path
			dst := filepath.Join(t.TempDir(), "take.mp4")
			if err := e.Render(waitfor.Context(t), spec, dst, nil); err != nil {
				t.Fatal(err)
			}
			input, _ := s.LastCreate().Body["input"].(map[string]any)
			if got, want := input["start_image"], provider.DataURI(data); got != want {
				t.Errorf("start_image = %.60v…, want the PNG's data URI %.60s…", got, want)
			}
			if n := s.Submissions(); n != 1 {
				t.Errorf("predictions = %d, want 1", n)
			}
		})
	}
}

func TestNoStartImageNoField(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	cfg := klingV20(s, &waits{})
	cfg.Input["start_image"] = "{{start_image}}"
	e := newEngine(t, cfg)
	if _, err := e.Submit(waitfor.Context(t), testSpec()); err != nil {
		t.Fatal(err)
	}
	input, _ := s.LastCreate().Body["input"].(map[string]any)
	if v, ok := input["start_image"]; ok {
		t.Errorf("start_image = %v sent for a shot without one", v)
	}
}

func TestRequiredStartImageMissingIsRefused(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	e := newEngine(t, klingV21(s))
	_, err := e.Submit(waitfor.Context(t), testSpec())
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Code != slate.JobErrInvalidRequest || ee.Retryable || !strings.Contains(ee.Message, "start image") {
		t.Fatalf("err = %v, want a final invalid_request about the start image", err)
	}
	if n := s.Creates(); n != 0 {
		t.Errorf("create calls = %d; nothing may be sent", n)
	}
}
