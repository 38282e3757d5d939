package xai_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
)

// startPNG writes a small PNG, as the worker does with a take's frame, and
// returns its path and bytes.
func startPNG(t *testing.T) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	for x := range 16 {
		img.Set(x, x%9, color.RGBA{R: uint8(x * 16), G: 90, B: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "start.png")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, b.Bytes()
}

// TestStartImage sends the spec's start image as image.url, a base64
// data: URI of exactly its bytes, and no image when the spec has none.
func TestStartImage(t *testing.T) {
	t.Parallel()
	path, want := startPNG(t)
	srv := newFake(t)
	e := newEngine(t, config(srv.URL(), nil))
	if got := e.Offer().StartImage; got != slate.StartImageOptional {
		t.Errorf("offer's start image = %q, want optional", got)
	}
	for _, image := range []string{path, ""} {
		spec := testSpec()
		spec.StartImage = image
		if _, err := e.Submit(context.Background(), spec); err != nil {
			t.Fatalf("start image %q: %v", image, err)
		}
		body := srv.LastRequest()
		if image == "" {
			if v, ok := body["image"]; ok {
				t.Errorf("sent image %v with no start image", v)
			}
			continue
		}
		img, _ := body["image"].(map[string]any)
		url, _ := img["url"].(string)
		data, ok := strings.CutPrefix(url, "data:image/png;base64,")
		got, err := base64.StdEncoding.DecodeString(data)
		if !ok || err != nil || !bytes.Equal(got, want) || len(img) != 1 {
			t.Errorf("fake received image %.60v, want a data: URI of the %d PNG bytes", img, len(want))
		}
		if body["prompt"] != spec.Prompt {
			t.Errorf("prompt = %v", body["prompt"])
		}
	}
}

// TestStartImageMissing fails the submission, sending nothing, when the
// start image the worker named is gone.
func TestStartImageMissing(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	spec := testSpec()
	spec.StartImage = filepath.Join(t.TempDir(), "gone.png")
	_, err := newEngine(t, config(srv.URL(), nil)).Submit(context.Background(), spec)
	wantCode(t, err, slate.JobErrEngineFailed)
	if srv.Submissions() != 0 {
		t.Errorf("fake saw %d submissions, want none", srv.Submissions())
	}
}
