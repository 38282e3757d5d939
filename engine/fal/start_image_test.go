package fal_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"slate"
	"slate/engine/fal/faltest"
	"slate/engine/provider"
	"slate/waitfor"
)

// startPNG writes a small PNG, as the worker extracts a take's frame, and
// returns its path and bytes.
func startPNG(t *testing.T) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for x := range 16 {
		img.Set(x, x%9, color.RGBA{R: uint8(x * 16), G: 120, B: 40, A: 255})
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

var i2vModels = []string{"fal-ai/wan-i2v", "fal-ai/wan/v2.2-a14b/image-to-video"}

func TestStartImageOffer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ model, want string }{
		{"fal-ai/wan-t2v", ""},
		{"fal-ai/wan/v2.2-a14b/text-to-video", ""},
		{"fal-ai/wan-i2v", slate.StartImageRequired},
		{"fal-ai/wan/v2.2-a14b/image-to-video", slate.StartImageRequired},
	} {
		cfg := provider.Config{Name: "wan", Model: tc.model, APIKey: "k"}
		if got := newEngine(t, cfg).Offer().StartImage; got != tc.want {
			t.Errorf("%s: offer's start_image = %q, want %q", tc.model, got, tc.want)
		}
	}
}

func TestStartImageSentAsImageURL(t *testing.T) {
	t.Parallel()
	path, data := startPNG(t)
	for _, model := range i2vModels {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, faltest.Config{})
			cfg := config(f, nil)
			cfg.Model = model
			spec := testSpec()
			spec.StartImage = path
			dst := filepath.Join(t.TempDir(), "take.mp4")
			if err := newEngine(t, cfg).Render(waitfor.Context(t), spec, dst, nil); err != nil {
				t.Fatal(err)
			}
			_, in := f.LastInput()
			if got, want := in["image_url"], provider.DataURI(data); got != want {
				t.Errorf("image_url = %.60v…, want the PNG's data URI %.60s…", got, want)
			}
		})
	}
}

func TestTextModelSendsNoImage(t *testing.T) {
	t.Parallel()
	path, _ := startPNG(t)
	f := newFake(t, faltest.Config{})
	e := newEngine(t, config(f, nil))
	spec := testSpec()
	spec.StartImage = path // a text model is never handed one; if it were, it is not sent
	if _, err := e.Submit(waitfor.Context(t), spec); err != nil {
		t.Fatal(err)
	}
	if _, in := f.LastInput(); in["image_url"] != nil {
		t.Errorf("image_url = %.40v… sent to a text-to-video model", in["image_url"])
	}
}

func TestRequiredStartImageMissingIsRefused(t *testing.T) {
	t.Parallel()
	for _, model := range i2vModels {
		t.Run(model, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, faltest.Config{})
			cfg := config(f, nil)
			cfg.Model = model
			_, err := newEngine(t, cfg).Submit(waitfor.Context(t), testSpec())
			if ee := wantCode(t, err, slate.JobErrInvalidRequest); ee.Retryable {
				t.Errorf("error %+v is retryable", ee)
			}
			if path, _ := f.LastInput(); f.Submissions() != 0 || path != "" {
				t.Errorf("submissions = %d, last path %q; nothing may be sent", f.Submissions(), path)
			}
		})
	}
}
