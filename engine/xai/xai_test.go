package xai_test

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
	"slate/engine/provider"
	"slate/engine/xai"
	"slate/engine/xai/xaitest"
	"slate/media"
	"slate/waitfor"
)

// key is distinctive so a test can tell it never reached a message.
const key = "xai-s3cret-0123456789abcdefXY"

var video = sync.OnceValues(func() ([]byte, error) { return enginetest.Clip("") })

func newFake(t *testing.T) *xaitest.Server {
	t.Helper()
	v, err := video()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := xaitest.New(xaitest.Options{Key: key, Video: v})
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
	return provider.Config{Name: "grok-video", Model: "grok-imagine-video", APIKey: key, BaseURL: base,
		Pacing: provider.Pacing{Interval: time.Millisecond, Max: 4 * time.Millisecond, Sleep: w.sleep}}
}

func newEngine(t *testing.T, cfg provider.Config) *xai.Engine {
	t.Helper()
	e, err := xai.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func testSpec() slate.RenderSpec {
	return slate.RenderSpec{JobID: "job_1", ShotID: "shot_1", Prompt: "A lighthouse keeper climbs the stairs at dawn",
		NegativePrompt: "blurry", Seed: 42, Engine: "grok-video", Tier: "standard", DurationMS: 6000,
		Width: 1280, Height: 720, FrameRate: 24, AspectRatio: "16:9"}
}

// wantCode fails t unless err is an *engine.Error with code, and checks
// that it carries neither the key nor the part of it xAI echoes.
func wantCode(t *testing.T, err error, code string) *engine.Error {
	t.Helper()
	ee, ok := errors.AsType[*engine.Error](err)
	if !ok {
		t.Fatalf("err = %v (%T), want an *engine.Error %s", err, err, code)
	}
	if ee.Code != code {
		t.Fatalf("code = %s (%v), want %s", ee.Code, ee, code)
	}
	if strings.Contains(ee.Error(), key) || strings.Contains(ee.Error(), "***") {
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
		seconds    int64
		microUSD   int64
	}{
		{"draft", 2500, "480p", 3, 150_000},
		{"standard", 6000, "720p", 6, 420_000},
		{"high", 20000, "720p", 15, 1_050_000},
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

			want := fmt.Sprintf(`{"aspect_ratio":"16:9","duration":%d,"model":"grok-imagine-video","prompt":%q,"resolution":%q}`,
				tc.seconds, spec.Prompt, tc.resolution)
			if got, _ := json.Marshal(srv.LastRequest()); string(got) != want {
				t.Errorf("posted %s, want %s", got, want)
			}
			if got := srv.Statuses(ticket.ID); !slices.Equal(got, []string{"pending", "pending", "done"}) {
				t.Errorf("statuses %v, want pending, pending, done", got)
			}
			if got := rec.Percents(); !slices.Equal(got, []int{50, 100}) {
				t.Errorf("progress %v, want xAI's 50 then 100 with the file in", got)
			}
			info, err := media.Probe(context.Background(), "", dst)
			if err != nil || info.Width != 320 || info.DurationMS <= 0 {
				t.Fatalf("Probe = %+v, %v", info, err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 1 {
				t.Errorf("%d files beside the take, want only the take", len(entries))
			}
			wantOut := engine.Output{Model: "grok-imagine-video",
				Usage: engine.Usage{VideoMS: tc.seconds * 1000, Amount: tc.microUSD, Unit: "USD"}}
			if out.Seed != nil || out.Model != wantOut.Model || out.Usage != wantOut.Usage {
				t.Errorf("output %+v, want %+v", out, wantOut)
			}
			if srv.Submissions() != 1 || srv.InFlight() != 0 || srv.MaxInFlight() != 1 {
				t.Errorf("submissions %d, in flight %d, peak %d; want 1, 0, 1", srv.Submissions(), srv.InFlight(), srv.MaxInFlight())
			}
		})
	}
}

func TestSubmitWaitsOutThrottling(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	srv.FailSubmits(xaitest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "12"},
		xaitest.Fault{Status: http.StatusTooManyRequests})
	var w waits
	e := newEngine(t, config(srv.URL(), &w))
	if err := e.Render(context.Background(), testSpec(), filepath.Join(t.TempDir(), "take.mp4"), nil); err != nil {
		t.Fatal(err)
	}
	if srv.Creates() != 3 || srv.Submissions() != 1 {
		t.Errorf("creates %d, accepted %d; want 3 (two refused), 1", srv.Creates(), srv.Submissions())
	}
	if w.longest() < 12*time.Second {
		t.Errorf("longest wait %s, want xAI's Retry-After of 12s", w.longest())
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
	srv.FailPolls(xaitest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "45"},
		xaitest.Fault{Status: http.StatusTooManyRequests},
		xaitest.Fault{Status: http.StatusInternalServerError},
		xaitest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "3"})
	if _, err := e.Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil); err != nil {
		t.Fatal(err)
	}
	if w.longest() < 45*time.Second {
		t.Errorf("longest wait %s, want the 45s xAI asked for", w.longest())
	}
	if srv.Polls() != 7 {
		t.Errorf("%d polls, want 4 refused and 3 walking the statuses", srv.Polls())
	}
}

// A worker that dies after Submit leaves the ticket; another, with an
// engine of its own, finishes the render without starting it again.
func TestResumeFromTicket(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	ticket, err := newEngine(t, config(srv.URL(), nil)).Submit(context.Background(), testSpec())
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

// xAI has no cancel: Cancel succeeds without a call, and the request runs
// on to its end.
func TestCancelIsANoOp(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	e := newEngine(t, config(srv.URL(), nil))
	ticket, err := e.Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	polls := srv.Polls()
	if err := e.Cancel(context.Background(), ticket); err != nil {
		t.Fatal(err)
	}
	if srv.Polls() != polls || srv.InFlight() != 1 {
		t.Errorf("Cancel called xAI (polls %d → %d) or ended the request (in flight %d)", polls, srv.Polls(), srv.InFlight())
	}
	if _, err := e.Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil); err != nil {
		t.Fatal(err)
	}
}

// A held request keeps Await waiting until its context ends.
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
			return fmt.Errorf("%d polls of a held request", n)
		}
		return nil
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Await = %v, want context.Canceled", err)
	}
	if srv.InFlight() != 1 {
		t.Errorf("in flight %d; the request is still xAI's", srv.InFlight())
	}
	srv.Release()
	if _, err := e.Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil); err != nil {
		t.Fatalf("resuming after release: %v", err)
	}
}

func TestExpired(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		setup   func(*xaitest.Server)
		after   func(*xaitest.Server)
		resumed bool
		fails   bool
	}{
		{name: "fresh URL on the second look", setup: func(s *xaitest.Server) { s.ExpireNextResults(1) }},
		{name: "the request expired by the second look", setup: func(s *xaitest.Server) {
			s.ExpireNextResults(1)
			s.EndNext(xaitest.Outcome{Expire: true})
		}, fails: true},
		{name: "resumed after it expired", after: func(s *xaitest.Server) { s.ExpireRequests() }, resumed: true, fails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			if tc.setup != nil {
				tc.setup(srv)
			}
			e := newEngine(t, config(srv.URL(), nil))
			ticket, err := e.Submit(context.Background(), testSpec())
			if err != nil {
				t.Fatal(err)
			}
			if tc.resumed {
				// A first worker saw it done and died before downloading.
				if _, err := e.Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "lost.mp4"), nil); err != nil {
					t.Fatal(err)
				}
				tc.after(srv)
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
			if !ee.Retryable || !strings.Contains(ee.Message, "expired") {
				t.Errorf("error %+v, want a retryable engine_failed saying the request expired", ee)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 0 {
				t.Errorf("%d files left behind", len(entries))
			}
		})
	}
}
