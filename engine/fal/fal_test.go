package fal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/enginetest"
	"slate/engine/fal/faltest"
	"slate/engine/provider"
	"slate/media"
	"slate/waitfor"
)

func TestRender(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		model        string
		tier, aspect string
		durationMS   int64
		// what fal should be sent and what the take should be
		path               string
		res                string
		frames             int
		width, height      int
		videoMS            int64
		statusOnlyUnderApp bool
	}{
		{name: "wan 2.1, standard, 16:9", model: "fal-ai/wan-t2v", tier: "standard", aspect: "16:9", durationMS: 5000,
			path: "fal-ai/wan-t2v", res: "720p", frames: 81, width: 160, height: 90, videoMS: 5063},
		{name: "wan 2.1, draft, 9:16, longer shot", model: "fal-ai/wan-t2v", tier: "draft", aspect: "9:16", durationMS: 5500,
			path: "fal-ai/wan-t2v", res: "480p", frames: 100, width: 90, height: 160, videoMS: 6250},
		{name: "wan 2.2 sub-path model, 1:1", model: "fal-ai/wan/v2.2-a14b/text-to-video", tier: "high", aspect: "1:1", durationMS: 3000,
			path: "fal-ai/wan/v2.2-a14b/text-to-video", res: "720p", frames: 48, width: 96, height: 96, videoMS: 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := waitfor.Context(t)
			f := newFake(t, faltest.Config{})
			cfg := config(f, &sleeps{})
			cfg.Model = tc.model
			e := newEngine(t, cfg)
			spec := testSpec()
			spec.Prompt, spec.Tier, spec.AspectRatio, spec.DurationMS = hostile, tc.tier, tc.aspect, tc.durationMS

			ticket, err := e.Submit(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			path, in := f.LastInput()
			if path != tc.path {
				t.Errorf("submitted to %q, want %q", path, tc.path)
			}
			want := map[string]any{"prompt": hostile, "negative_prompt": "blurry", "seed": json.Number("1234"),
				"num_frames": json.Number(strconv.Itoa(tc.frames)), "frames_per_second": json.Number("16"),
				"resolution": tc.res, "aspect_ratio": tc.aspect}
			if len(in) != len(want) {
				t.Errorf("input = %v, want exactly %v", in, want)
			}
			for k, v := range want {
				if in[k] != v {
					t.Errorf("input %s = %#v, want %#v", k, in[k], v)
				}
			}
			if ticket.ID == "" || len(ticket.Data) > engine.MaxTicketData || strings.Contains(ticket.Data, f.Key()) {
				t.Errorf("ticket %+v: want an id, at most %d bytes of data and no key", ticket, engine.MaxTicketData)
			}

			dst := filepath.Join(t.TempDir(), "take.mp4")
			var rec enginetest.Recorder
			out, err := e.Await(ctx, spec, ticket, dst, rec.Add)
			if err != nil {
				t.Fatal(err)
			}
			// IN_QUEUE, IN_PROGRESS, COMPLETED: one poll each.
			if st := f.Stats(); st.Polls != 3 || st.Results != 1 || st.Submissions != 1 || st.InFlight != 0 {
				t.Errorf("fake saw %+v, want 3 polls, 1 result, 1 submission, none in flight", st)
			}
			if got := rec.Percents(); len(got) == 0 || got[len(got)-1] != 100 || !slices.IsSorted(got) {
				t.Errorf("progress = %v, want rising to 100", got)
			}
			info, err := media.Probe(ctx, "", dst)
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != tc.width || info.Height != tc.height || info.FrameRate != 16 || info.VideoCodec != "h264" {
				t.Errorf("take = %+v, want %dx%d h264 at 16 fps", info, tc.width, tc.height)
			}
			if d := info.DurationMS - tc.videoMS; d < -70 || d > 70 {
				t.Errorf("take lasts %d ms, want %d (%d frames at 16 fps)", info.DurationMS, tc.videoMS, tc.frames)
			}
			if out.Model != tc.model || out.Seed == nil || *out.Seed != 1234 ||
				out.Usage.VideoMS != tc.videoMS || out.Usage.ComputeMS != 1250 || out.Usage.Amount != 0 {
				t.Errorf("output = %+v (seed %v), want model %s, seed 1234, %d ms billed, 1250 ms computed", out, out.Seed, tc.model, tc.videoMS)
			}
		})
	}
}

// The wait states, throttling and failures of the moment delay the render
// and never end it, and a Retry-After is honoured.
func TestWaitsOutThrottlingAndFailures(t *testing.T) {
	t.Parallel()
	ctx := waitfor.Context(t)
	f := newFake(t, faltest.Config{})
	rec := &sleeps{}
	e := newEngine(t, config(f, rec))
	f.ThrottleSubmits(2, "7")
	ticket, err := e.Submit(ctx, testSpec())
	if err != nil {
		t.Fatal(err)
	}
	if st := f.Stats(); st.Posts != 3 || st.Submissions != 1 {
		t.Fatalf("fake saw %+v, want 3 tries and 1 accepted submission", st)
	}
	f.ThrottlePolls(2, "3")
	f.BreakPolls(3)
	f.BreakResults(2)
	dst := filepath.Join(t.TempDir(), "take.mp4")
	if _, err := e.Await(ctx, testSpec(), ticket, dst, nil); err != nil {
		t.Fatal(err)
	}
	if !rec.asked(7*time.Second) || !rec.asked(3*time.Second) {
		// Poll caps its own backoff at Max (4 ms) but always honours the
		// provider's Retry-After.
		t.Errorf("waits = %v, want the 7 s and 3 s fal asked for", rec.waits)
	}
	if st := f.Stats(); st.Submissions != 1 || st.Results != 3 {
		t.Errorf("fake saw %+v, want 1 submission and 3 result calls (2 failed)", st)
	}
}

func TestSubmitIsNeverRetriedOnceSent(t *testing.T) {
	t.Parallel()
	ctx := waitfor.Context(t)
	f := newFake(t, faltest.Config{})
	e := newEngine(t, config(f, &sleeps{}))
	f.BreakSubmits(1)
	_, err := e.Submit(ctx, testSpec())
	if ee := wantCode(t, err, slate.JobErrEngineUnavailable); !ee.Retryable {
		t.Errorf("a 502 after sending should be retryable by the worker: %+v", ee)
	}
	if st := f.Stats(); st.Posts != 1 {
		t.Errorf("the engine posted %d times after a 502; it must not resubmit", st.Posts)
	}

	dead := newFake(t, faltest.Config{})
	cfg := config(dead, &sleeps{})
	dead.Close()
	_, err = newEngine(t, cfg).Submit(ctx, testSpec())
	if ee := wantCode(t, err, slate.JobErrEngineUnavailable); !ee.Retryable {
		t.Errorf("an unreachable queue should be retryable: %+v", ee)
	}
}

// Each way fal ends a request maps to the job error a person can act on,
// without echoing the key and without leaving a partial file.
func TestFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		setup     func(f *faltest.Server, cfg *provider.Config, spec *slate.RenderSpec)
		atSubmit  bool
		code      string
		retryable bool
		says      string
	}{
		{name: "moderation", setup: func(f *faltest.Server, _ *provider.Config, _ *slate.RenderSpec) { f.Moderate(1) },
			code: slate.JobErrPromptRejected, says: "content checker refused the prompt"},
		{name: "validation", setup: func(_ *faltest.Server, cfg *provider.Config, _ *slate.RenderSpec) {
			cfg.Options = json.RawMessage(`{"num_frames": [120]}`) // beyond wan-t2v's 100
		}, code: slate.JobErrInvalidRequest, says: "num_frames: Input should be less than or equal to 100"},
		{name: "out of credit", setup: func(f *faltest.Server, _ *provider.Config, _ *slate.RenderSpec) { f.LockBalance(true) },
			atSubmit: true, code: slate.JobErrQuotaExceeded, says: "Exhausted balance"},
		{name: "bad key", setup: func(_ *faltest.Server, cfg *provider.Config, _ *slate.RenderSpec) {
			cfg.APIKey = "wrong-id:wrong-secret"
		},
			atSubmit: true, code: slate.JobErrEngineUnavailable, says: "401"},
		{name: "runner timeout", setup: func(f *faltest.Server, _ *provider.Config, _ *slate.RenderSpec) { f.TimeOut(1) },
			code: slate.JobErrEngineTimeout, retryable: true, says: "request_timeout"},
		{name: "aspect ratio the model lacks", setup: func(_ *faltest.Server, _ *provider.Config, spec *slate.RenderSpec) { spec.AspectRatio = "1:1" },
			atSubmit: true, code: slate.JobErrInvalidRequest, says: "not 1:1"},
		{name: "tier not offered", setup: func(_ *faltest.Server, _ *provider.Config, spec *slate.RenderSpec) { spec.Tier = "4k" },
			atSubmit: true, code: slate.JobErrInvalidRequest, says: "does not render the 4k tier"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := waitfor.Context(t)
			f := newFake(t, faltest.Config{})
			cfg, spec := config(f, &sleeps{}), testSpec()
			tc.setup(f, &cfg, &spec)
			e := newEngine(t, cfg)
			dir := t.TempDir()
			ticket, err := e.Submit(ctx, spec)
			if tc.atSubmit {
				if f.Stats().Submissions != 0 {
					t.Errorf("fal queued a request the engine should not have had accepted")
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				_, err = e.Await(ctx, spec, ticket, filepath.Join(dir, "take.mp4"), nil)
			}
			ee := wantCode(t, err, tc.code)
			if ee.Retryable != tc.retryable || !strings.Contains(ee.Message, tc.says) {
				t.Errorf("error = %+v, want retryable %v and a message saying %q", ee, tc.retryable, tc.says)
			}
			if strings.Contains(err.Error(), cfg.APIKey) || strings.Contains(err.Error(), "secret") {
				t.Errorf("error echoes the key: %v", err)
			}
			assertEmpty(t, dir)
		})
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	ctx := waitfor.Context(t)
	f := newFake(t, faltest.Config{Hold: true})
	cfg := config(f, nil) // real 1 ms pauses: the request is held for a while
	e := newEngine(t, cfg)
	ticket, err := e.Submit(ctx, testSpec())
	if err != nil {
		t.Fatal(err)
	}
	awaitCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() {
		_, err := e.Await(awaitCtx, testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil)
		done <- err
	}()
	waitfor.Until(t, func() error {
		if n := f.Held(); n != 1 {
			return fmt.Errorf("%d requests held, want 1", n)
		}
		return nil
	})
	stop() // the worker gives up waiting, then cancels at fal
	if err, _ := waitfor.Recv(t, "the await's end", done); err == nil {
		t.Fatal("Await finished a held request after its context ended")
	}
	if err := e.Cancel(ctx, ticket); err != nil {
		t.Fatal(err)
	}
	if st := f.Stats(); st.Cancels != 1 || st.InFlight != 0 || st.Held != 0 {
		t.Errorf("fake saw %+v, want the request cancelled", st)
	}
	// Cancelling again, or a request fal finished, is no error.
	if err := e.Cancel(ctx, ticket); err != nil {
		t.Errorf("second cancel: %v", err)
	}
	if err := e.Cancel(ctx, engine.Ticket{ID: "00000000-0000-4000-8000-000000000000"}); err != nil {
		t.Errorf("cancelling a request fal does not know: %v", err)
	}
	if f.Stats().Cancels != 1 {
		t.Errorf("cancels = %d, want 1", f.Stats().Cancels)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	ctx := waitfor.Context(t)
	f := newFake(t, faltest.Config{})
	if err := newEngine(t, config(f, nil)).Check(ctx); err != nil {
		t.Errorf("check with the right key: %v", err)
	}
	cfg := config(f, nil)
	cfg.APIKey = "wrong-id:wrong-secret"
	err := newEngine(t, cfg).Check(ctx)
	wantCode(t, err, slate.JobErrEngineUnavailable)
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("check echoes the key: %v", err)
	}
	if st := f.Stats(); st.Posts != 0 {
		t.Errorf("check submitted %d requests", st.Posts)
	}
}

// An answer that is not fal's JSON ends the call instead of being asked
// again for ever; one to a submission is not retried, since fal took it.
func TestUnreadableAnswers(t *testing.T) {
	t.Parallel()
	ctx := waitfor.Context(t)
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>a proxy's page</html>"))
	}))
	t.Cleanup(srv.Close)
	e := newEngine(t, provider.Config{Name: "wan-2.1", Model: "fal-ai/wan-t2v", APIKey: "k", BaseURL: srv.URL,
		Pacing: provider.Pacing{Interval: time.Millisecond, Sleep: (&sleeps{}).sleep}})
	_, err := e.Submit(ctx, testSpec())
	if ee := wantCode(t, err, slate.JobErrEngineFailed); ee.Retryable || posts.Load() != 1 {
		t.Errorf("submission: %+v after %d posts, want a final failure after one", ee, posts.Load())
	}
	_, err = e.Await(ctx, testSpec(), engine.Ticket{ID: "00000000-0000-4000-8000-000000000000"}, filepath.Join(t.TempDir(), "take.mp4"), nil)
	wantCode(t, err, slate.JobErrEngineFailed)
}
