package runway_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/enginetest"
	"slate/engine/provider"
	"slate/engine/runway"
	"slate/engine/runway/runwaytest"
)

// key is distinctive so a test can tell it never reached a message.
const key = "rw-s3cret-0123456789abcdefXY"

var video = sync.OnceValues(func() ([]byte, error) { return enginetest.Clip("") })

func newFake(t *testing.T, opts runwaytest.Options) *runwaytest.Server {
	t.Helper()
	v, err := video()
	if err != nil {
		t.Fatal(err)
	}
	opts.Key, opts.Video = key, v
	srv, err := runwaytest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// waits records the pauses an engine asks for instead of taking them.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) longest() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Max(append([]time.Duration{0}, w.d...))
}

func config(base, model string, w *waits) provider.Config {
	if w == nil {
		w = &waits{}
	}
	return provider.Config{Name: "gen", Model: model, APIKey: key, BaseURL: base,
		Pacing: provider.Pacing{Interval: time.Millisecond, Max: 4 * time.Millisecond, Sleep: w.sleep}}
}

func newEngine(t *testing.T, cfg provider.Config) *runway.Engine {
	t.Helper()
	e, err := runway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func testSpec() slate.RenderSpec {
	return slate.RenderSpec{JobID: "job_1", ShotID: "shot_1", Prompt: "A lighthouse keeper climbs the stairs at dawn",
		NegativePrompt: "blurry", Seed: 42, Engine: "gen", Tier: "standard", DurationMS: 5000,
		Width: 1280, Height: 720, FrameRate: 24, AspectRatio: "16:9"}
}

// wantCode fails t unless err is an *engine.Error with code that does not
// carry the key.
func wantCode(t *testing.T, err error, code string) *engine.Error {
	t.Helper()
	ee, ok := errors.AsType[*engine.Error](err)
	if !ok {
		t.Fatalf("err = %v (%T), want an *engine.Error %s", err, err, code)
	}
	if ee.Code != code {
		t.Fatalf("code = %s (%v), want %s", ee.Code, ee, code)
	}
	if strings.Contains(ee.Error(), key) {
		t.Fatalf("the error carries the API key: %v", ee)
	}
	return ee
}
