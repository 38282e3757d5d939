package veo_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/provider"
	"slate/engine/veo"
	"slate/engine/veo/veotest"
	"slate/media"
)

var (
	clipOnce sync.Once
	clipData []byte
	clipErr  error
)

// newFake starts a fake Veo serving one clip made with ffmpeg for the
// whole package.
func newFake(t *testing.T, opts veotest.Options) *veotest.Server {
	t.Helper()
	clipOnce.Do(func() { clipData, clipErr = veotest.Clip() })
	if clipErr != nil {
		t.Fatal(clipErr)
	}
	opts.Video = clipData
	srv, err := veotest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// sleeps records the waits the engine asks for and takes none of them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) has(d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Contains(s.d, d)
}

// config is an engines-file entry for the fake.
func config(srv *veotest.Server, model, options string, s *sleeps) provider.Config {
	cfg := provider.Config{Name: "veo-test", Model: model, APIKey: veotest.DefaultKey, BaseURL: srv.URL(),
		Pacing: provider.Pacing{Interval: time.Millisecond, Max: time.Minute, Sleep: s.sleep}}
	if options != "" {
		cfg.Options = json.RawMessage(options)
		cfg.APIKey = veotest.DefaultToken
	}
	return cfg
}

func newEngine(t *testing.T, cfg provider.Config) *veo.Engine {
	t.Helper()
	e, err := veo.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// vertexOptions points Vertex AI and Cloud Storage at the fake.
func vertexOptions(srv *veotest.Server) string {
	b, _ := json.Marshal(map[string]string{"backend": "vertex", "project": "film-123", "location": "us-central1",
		"storage_uri": "gs://slate-takes/veo", "storage_url": srv.URL()})
	return string(b)
}

func shotSpec() slate.RenderSpec {
	return slate.RenderSpec{JobID: "job_01", Prompt: "a lighthouse in a storm", NegativePrompt: "people",
		Seed: 1234, Tier: "high", AspectRatio: "16:9", DurationMS: 8000}
}

// probe checks that ffprobe reads dst as the fake's clip.
func probe(t *testing.T, dst string) {
	t.Helper()
	info, err := media.Probe(context.Background(), "", dst)
	if err != nil {
		t.Fatalf("ffprobe on the downloaded file: %v", err)
	}
	if info.Width != 160 || info.Height != 90 || info.VideoCodec != "h264" {
		t.Fatalf("downloaded file is %dx%d %s, want the fake's 160x90 h264", info.Width, info.Height, info.VideoCodec)
	}
}

func dstPath(t *testing.T) string { return filepath.Join(t.TempDir(), "take.mp4") }

// jobError asserts err is an *engine.Error with code.
func jobError(t *testing.T, err error, code string) *engine.Error {
	t.Helper()
	e, ok := err.(*engine.Error)
	if !ok || e.Code != code {
		t.Fatalf("error = %#v (%v), want *engine.Error with code %s", err, err, code)
	}
	return e
}
