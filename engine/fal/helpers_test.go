package fal_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/fal"
	"slate/engine/fal/faltest"
	"slate/engine/provider"
)

// hostile is a prompt that would break anything splicing it into JSON or
// a command line.
const hostile = `"}, "num_frames": 1, "x": "{{seed}} \ ' %{pts} $(reboot)` + "\n🎬"

// newFake starts a fake fal queue for the test.
func newFake(t *testing.T, cfg faltest.Config) *faltest.Server {
	t.Helper()
	f, err := faltest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// sleeps records the waits an engine asks for instead of taking them, so
// a test sees that a Retry-After was honoured without waiting for it.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) asked(d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.waits {
		if w == d {
			return true
		}
	}
	return false
}

// config is an entry for the fake: wan-t2v, its key, its URL, and polls
// that wait (recorded by rec, when set) instead of sleeping.
func config(f *faltest.Server, rec *sleeps) provider.Config {
	cfg := provider.Config{Name: "wan-2.1", Model: "fal-ai/wan-t2v", APIKey: f.Key(), BaseURL: f.URL(),
		Pacing: provider.Pacing{Interval: time.Millisecond, Max: 4 * time.Millisecond}}
	if rec != nil {
		cfg.Pacing.Sleep = rec.sleep
	}
	return cfg
}

func newEngine(t *testing.T, cfg provider.Config) *fal.Engine {
	t.Helper()
	e, err := fal.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func testSpec() slate.RenderSpec {
	return slate.RenderSpec{JobID: "job_1", ShotID: "shot_1", ShotName: "Opening", Prompt: "a lighthouse at dawn",
		NegativePrompt: "blurry", Seed: 1234, Engine: "wan-2.1", Tier: "standard", DurationMS: 5000,
		Width: 1280, Height: 720, FrameRate: 24, AspectRatio: "16:9"}
}

// wantCode fails t unless err is an *engine.Error with code.
func wantCode(t *testing.T, err error, code string) *engine.Error {
	t.Helper()
	var ee *engine.Error
	if !errors.As(err, &ee) {
		t.Fatalf("error = %v (%T), want an *engine.Error %s", err, err, code)
	}
	if ee.Code != code {
		t.Fatalf("error code = %s (%s), want %s", ee.Code, ee.Message, code)
	}
	return ee
}

// assertEmpty fails t when dir holds anything: a failed render leaves no
// partial file.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s left behind in %s", e.Name(), dir)
	}
}
