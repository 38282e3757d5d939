package veo_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"slate"
	"slate/engine/veo/veotest"
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

// TestStartImage sends the spec's start image as instances[0].image on
// both backends, byte for byte, and sends no image when the spec has none.
func TestStartImage(t *testing.T) {
	t.Parallel()
	path, want := startPNG(t)
	srv := newFake(t, veotest.Options{})
	tests := []struct {
		name, options, model string
		image                string
	}{
		{"gemini with image", "", "veo-3.1-generate-preview", path},
		{"gemini without", "", "veo-3.1-generate-preview", ""},
		{"vertex with image", vertexOptions(srv), "veo-3.1-generate-001", path},
		{"vertex without", vertexOptions(srv), "veo-3.1-generate-001", ""},
		{"veo 2 with image", "", "veo-2.0-generate-001", path},
	}
	for _, tt := range tests {
		e := newEngine(t, config(srv, tt.model, tt.options, &sleeps{}))
		if got := e.Offer().StartImage; got != slate.StartImageOptional {
			t.Errorf("%s: offer's start image = %q, want optional", tt.name, got)
		}
		spec := shotSpec()
		if tt.model == "veo-2.0-generate-001" {
			spec.Tier = "draft"
		}
		spec.StartImage = tt.image
		if _, err := e.Submit(context.Background(), spec); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		sub := srv.LastSubmission()
		got, mime := sub.StartImage()
		inst := sub.Body["instances"].([]any)[0].(map[string]any)
		switch {
		case tt.image == "" && inst["image"] != nil:
			t.Errorf("%s: sent an image field %v with no start image", tt.name, inst["image"])
		case tt.image != "" && (!bytes.Equal(got, want) || mime != "image/png"):
			t.Errorf("%s: fake received %d bytes (%q), want the %d bytes of the PNG as image/png", tt.name, len(got), mime, len(want))
		case inst["prompt"] != "a lighthouse in a storm":
			t.Errorf("%s: prompt = %v", tt.name, inst["prompt"])
		}
	}
}

// TestStartImageMissing fails the submission, sending nothing, when the
// start image the worker named is gone.
func TestStartImageMissing(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{})
	e := newEngine(t, config(srv, "veo-3.1-generate-preview", "", &sleeps{}))
	spec := shotSpec()
	spec.StartImage = filepath.Join(t.TempDir(), "gone.png")
	_, err := e.Submit(context.Background(), spec)
	jobError(t, err, slate.JobErrEngineFailed)
	if srv.Submissions() != 0 {
		t.Errorf("fake saw %d submissions, want none", srv.Submissions())
	}
}

// TestFakeRefusesBadImage: the fake holds a start image to the documented
// shape, so an adapter that sent another would fail here, not at Google.
func TestFakeRefusesBadImage(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{})
	for _, img := range []string{
		`"data:image/png;base64,iVBORw0KGgo="`,
		`{"mimeType":"image/png"}`,
		`{"bytesBase64Encoded":"not base64!","mimeType":"image/png"}`,
		`{"bytesBase64Encoded":"iVBORw0KGgo=","mimeType":"image/gif"}`,
		`{"bytesBase64Encoded":"iVBORw0KGgo=","mimeType":"image/png","gcsUri":"gs://b/o.png"}`,
		`{"url":"https://example.com/a.png","mimeType":"image/png"}`,
	} {
		body := `{"instances":[{"prompt":"a lighthouse","image":` + img + `}],"parameters":{"durationSeconds":8,"sampleCount":1}}`
		req, err := http.NewRequest(http.MethodPost, srv.URL()+"v1beta/models/veo-3.1-generate-preview:predictLongRunning", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("x-goog-api-key", veotest.DefaultKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("image %s: status %d, want 400", img, resp.StatusCode)
		}
	}
	if srv.Submissions() != 0 {
		t.Errorf("fake accepted %d of them", srv.Submissions())
	}
}
