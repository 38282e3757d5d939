package luma_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/enginetest"
	"slate/engine/luma"
	"slate/engine/luma/lumatest"
	"slate/engine/provider"
	"slate/media"
	"slate/waitfor"
)

// key is distinctive so a test can tell it never reached a message.
const key = "luma-s3cret-0123456789abcdef"

var video = sync.OnceValues(func() ([]byte, error) { return enginetest.Clip("") })

func newFake(t *testing.T) *lumatest.Server {
	t.Helper()
	v, err := video()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := lumatest.New(lumatest.Options{Key: key, Video: v})
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

func config(base string, w *waits) provider.Config {
	if w == nil {
		w = &waits{}
	}
	return provider.Config{Name: "ray-2", Model: "ray-2", APIKey: key, BaseURL: base,
		Pacing: provider.Pacing{Interval: time.Millisecond, Max: 4 * time.Millisecond, Sleep: w.sleep}}
}

func newEngine(t *testing.T, cfg provider.Config) *luma.Engine {
	t.Helper()
	e, err := luma.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func testSpec() slate.RenderSpec {
	return slate.RenderSpec{JobID: "job_1", ShotID: "shot_1", Prompt: "A lighthouse keeper climbs the stairs at dawn",
		NegativePrompt: "blurry", Seed: 42, Engine: "ray-2", Tier: "high", DurationMS: 7000,
		Width: 1920, Height: 1080, FrameRate: 24, AspectRatio: "9:16"}
}

// wantCode fails t unless err is an *engine.Error with code, and checks
// that it does not carry the key.
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

func TestRender(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tier       string
		durationMS int64
		resolution string
		duration   string
		billedMS   int64
	}{
		{"draft", 4000, "540p", "5s", 5000},
		{"standard", 5000, "720p", "5s", 5000},
		{"high", 7000, "1080p", "9s", 9000},
		{"4k", 12000, "4k", "9s", 9000},
	} {
		t.Run(tc.tier, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			e := newEngine(t, config(srv.URL(), nil))
			spec := testSpec()
			spec.Tier, spec.DurationMS = tc.tier, tc.durationMS
			ticket, err := e.Submit(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "take.mp4")
			var rec enginetest.Recorder
			out, err := e.Await(context.Background(), spec, ticket, dst, rec.Add)
			if err != nil {
				t.Fatal(err)
			}

			want := map[string]any{"generation_type": "video", "model": "ray-2", "prompt": spec.Prompt,
				"aspect_ratio": "9:16", "resolution": tc.resolution, "duration": tc.duration, "loop": false}
			if got := srv.LastRequest(); !equalJSON(got, want) {
				t.Errorf("posted %v, want %v", got, want)
			}
			if got := srv.States(ticket.ID); !slices.Equal(got, []string{"queued", "dreaming", "completed"}) {
				t.Errorf("states %v, want queued, dreaming, completed", got)
			}
			info, err := media.Probe(context.Background(), "", dst)
			if err != nil || info.Width != 320 || info.DurationMS <= 0 {
				t.Fatalf("Probe = %+v, %v", info, err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 1 {
				t.Errorf("%d files beside the take, want only the take", len(entries))
			}
			if got := rec.Percents(); !slices.Equal(got, []int{100}) {
				t.Errorf("progress %v, want [100] (Luma reports none before the end)", got)
			}
			if out.Model != "ray-2" || out.Seed != nil || out.Usage != (engine.Usage{VideoMS: tc.billedMS}) {
				t.Errorf("output %+v, want ray-2, no seed, %d ms billed", out, tc.billedMS)
			}
			if srv.Submissions() != 1 || srv.InFlight() != 0 || srv.MaxInFlight() != 1 {
				t.Errorf("submissions %d, in flight %d, peak %d; want 1, 0, 1", srv.Submissions(), srv.InFlight(), srv.MaxInFlight())
			}
		})
	}
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestRenderLoopsAndRendersEngine(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	cfg := config(srv.URL(), nil)
	cfg.Options = json.RawMessage(`{"loop": true}`)
	e := newEngine(t, cfg)
	if err := e.Render(context.Background(), testSpec(), filepath.Join(t.TempDir(), "take.mp4"), nil); err != nil {
		t.Fatal(err)
	}
	if got := srv.LastRequest()["loop"]; got != true {
		t.Errorf("loop = %v, want true", got)
	}
}

func TestSubmitWaitsOutThrottling(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	srv.FailSubmits(lumatest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7"},
		lumatest.Fault{Status: http.StatusTooManyRequests})
	var w waits
	e := newEngine(t, config(srv.URL(), &w))
	if _, err := e.Submit(context.Background(), testSpec()); err != nil {
		t.Fatal(err)
	}
	if srv.Creates() != 3 || srv.Submissions() != 1 {
		t.Errorf("creates %d, accepted %d; want 3 (two refused), 1", srv.Creates(), srv.Submissions())
	}
	if w.longest() < 7*time.Second {
		t.Errorf("longest wait %s, want Luma's Retry-After of 7s", w.longest())
	}
}

func TestAwaitWaitsOutThrottlingAndOutages(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	var w waits
	e := newEngine(t, config(srv.URL(), &w))
	ticket, err := e.Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	srv.FailPolls(lumatest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "30"},
		lumatest.Fault{Status: http.StatusTooManyRequests},
		lumatest.Fault{Status: http.StatusInternalServerError},
		lumatest.Fault{Status: http.StatusBadGateway},
		lumatest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "2"})
	if _, err := e.Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil); err != nil {
		t.Fatal(err)
	}
	if w.longest() < 30*time.Second {
		t.Errorf("longest wait %s, want the 30s Luma asked for", w.longest())
	}
	if srv.Polls() != 8 {
		t.Errorf("%d polls, want 5 refused and 3 walking the states", srv.Polls())
	}
}

// A worker that dies after Submit leaves the ticket; another, with an
// engine of its own, finishes the render without creating it again.
func TestResumeFromTicket(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	first := newEngine(t, config(srv.URL(), nil))
	ticket, err := first.Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := json.Marshal(ticket)
	var resumed engine.Ticket
	if err := json.Unmarshal(saved, &resumed); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "take.mp4")
	if _, err := newEngine(t, config(srv.URL(), nil)).Await(context.Background(), testSpec(), resumed, dst, nil); err != nil {
		t.Fatal(err)
	}
	if srv.Submissions() != 1 || srv.Creates() != 1 {
		t.Errorf("creates %d, accepted %d; want one of each", srv.Creates(), srv.Submissions())
	}
	if _, err := media.Probe(context.Background(), "", dst); err != nil {
		t.Fatal(err)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	srv.Hold()
	e := newEngine(t, config(srv.URL(), nil))
	ticket, err := e.Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	if srv.InFlight() != 1 {
		t.Fatalf("in flight %d, want 1", srv.InFlight())
	}
	if err := e.Cancel(context.Background(), ticket); err != nil {
		t.Fatal(err)
	}
	if srv.Cancels() != 1 || srv.InFlight() != 0 {
		t.Errorf("cancels %d, in flight %d; want 1, 0", srv.Cancels(), srv.InFlight())
	}
	if err := e.Cancel(context.Background(), ticket); err != nil {
		t.Errorf("cancelling a deleted generation: %v", err)
	}
	_, err = e.Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil)
	wantCode(t, err, slate.JobErrEngineFailed)
}

// A held generation keeps Await waiting until its context ends; the
// render is left to the worker to cancel or resume.
func TestAwaitEndsWithItsContext(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	srv.Hold()
	e := newEngine(t, config(srv.URL(), nil))
	ticket, err := e.Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.Await(ctx, testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil)
		done <- err
	}()
	waitfor.Until(t, func() error {
		if n := srv.Polls(); n < 4 {
			return fmt.Errorf("%d polls of a held generation", n)
		}
		return nil
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Await = %v, want context.Canceled", err)
	}
	if srv.Cancels() != 0 || srv.InFlight() != 1 {
		t.Errorf("cancels %d, in flight %d; Await must leave the generation alone", srv.Cancels(), srv.InFlight())
	}
}

func TestExpiredVideoURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		expired int
		fails   bool
	}{
		{"fresh URL on the second look", 1, false},
		{"expired twice", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			srv.ExpireNextResults(tc.expired)
			e := newEngine(t, config(srv.URL(), nil))
			ticket, err := e.Submit(context.Background(), testSpec())
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "take.mp4")
			_, err = e.Await(context.Background(), testSpec(), ticket, dst, nil)
			if !tc.fails {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := media.Probe(context.Background(), "", dst); err != nil {
					t.Fatal(err)
				}
				return
			}
			ee := wantCode(t, err, slate.JobErrEngineFailed)
			if !errors.Is(err, provider.ErrExpired) || !ee.Retryable {
				t.Errorf("err %v: want ErrExpired, retryable", err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 0 {
				t.Errorf("%d files left behind", len(entries))
			}
		})
	}
}
