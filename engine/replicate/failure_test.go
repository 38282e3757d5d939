package replicate_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/provider"
	"slate/engine/replicate/replicatetest"
	"slate/waitfor"
)

func TestThrottlingAndOutagesWait(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	s.FailNext(replicatetest.Create,
		replicatetest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "9"},
		replicatetest.Failure{Status: http.StatusTooManyRequests})
	s.FailNext(replicatetest.Get,
		replicatetest.Failure{Status: http.StatusTooManyRequests, RetryAfter: "7"},
		replicatetest.Failure{Status: http.StatusTooManyRequests},
		replicatetest.Failure{Status: http.StatusServiceUnavailable},
		replicatetest.Failure{Status: http.StatusInternalServerError, Detail: "upstream connect error"},
		replicatetest.Failure{Status: http.StatusBadGateway})
	s.FailNext(replicatetest.Download, replicatetest.Failure{Status: http.StatusServiceUnavailable, RetryAfter: "3"})
	w := &waits{}
	e := newEngine(t, klingV20(s, w))
	dst := filepath.Join(t.TempDir(), "take.mp4")
	if err := e.Render(waitfor.Context(t), testSpec(), dst, nil); err != nil {
		t.Fatalf("a throttled, flaky provider failed the render: %v", err)
	}
	if _, err := os.Stat(dst); err != nil {
		t.Fatal(err)
	}
	// Refused with 429, the create was asked again; nothing else was.
	if c, n := s.Creates(), s.Submissions(); c != 3 || n != 1 {
		t.Errorf("create calls = %d, predictions = %d; want 3 and 1", c, n)
	}
	got := w.all()
	for _, want := range []time.Duration{9 * time.Second, 7 * time.Second} {
		if !slices.Contains(got, want) {
			t.Errorf("waits %v: no wait of the %s Retry-After asked for", got, want)
		}
	}
}

func TestFailuresMapToJobErrors(t *testing.T) {
	t.Parallel()
	v21 := func(c *provider.Config) {
		c.Model, c.Options = "kwaivgi/kling-v2.1", nil
		c.Tiers = map[string]string{"standard": "standard", "high": "pro"}
		c.Input = map[string]any{"prompt": "{{prompt}}", "mode": "{{resolution}}", "start_image": "{{start_image}}"}
		// An entry that calls Kling v2.1's start image optional lets a
		// shot without one through, for Replicate to refuse.
		c.Options = json.RawMessage(`{"start_image": "optional"}`)
	}
	for _, tc := range []struct {
		name      string
		setup     func(*replicatetest.Server)
		edit      func(*provider.Config)
		code      string
		retryable bool
		says      string
		created   int
	}{
		{"E005 moderation", func(s *replicatetest.Server) { s.SetOutcome(replicatetest.Outcome{Error: replicatetest.ErrSensitive}) }, nil,
			slate.JobErrPromptRejected, false, "flagged as sensitive", 1},
		{"NSFW", func(s *replicatetest.Server) { s.SetOutcome(replicatetest.Outcome{Error: replicatetest.ErrNSFW}) }, nil,
			slate.JobErrPromptRejected, false, "NSFW content detected", 1},
		{"the model failing", func(s *replicatetest.Server) {
			s.SetOutcome(replicatetest.Outcome{Error: "CUDA out of memory. Tried to allocate 5.92 GiB"})
		}, nil, slate.JobErrEngineFailed, false, "failed: CUDA out of memory", 1},
		{"deadline before start", func(s *replicatetest.Server) { s.SetOutcome(replicatetest.Outcome{Abort: true}) }, nil,
			slate.JobErrEngineTimeout, true, "aborted", 1},
		{"a required input missing (an entry calling Kling v2.1's start image optional)", nil, v21,
			slate.JobErrInvalidRequest, false, "422 - input: start_image is required", 0},
		{"unknown model", nil, func(c *provider.Config) { c.Model = "kwaivgi/kling-v9" },
			slate.JobErrInvalidRequest, false, "404", 0},
		{"unknown version", nil, func(c *provider.Config) { c.Model = "kwaivgi/kling-v2.0:0123abc" },
			slate.JobErrInvalidRequest, false, "Invalid version or not permitted", 0},
		{"out of credit", func(s *replicatetest.Server) {
			s.FailNext(replicatetest.Create, replicatetest.Failure{Status: http.StatusPaymentRequired,
				Detail: "You have insufficient credit to run this model. Go to https://replicate.com/account/billing#billing to purchase credit."})
		}, nil, slate.JobErrQuotaExceeded, false, "insufficient credit", 0},
		{"a bad token", nil, func(c *provider.Config) { c.APIKey = "r8_RevokedTokenValue" },
			slate.JobErrEngineUnavailable, false, "401 You did not pass a valid authentication token", 0},
		{"a 5xx to the create is not sent again", func(s *replicatetest.Server) {
			s.FailNext(replicatetest.Create, replicatetest.Failure{Status: http.StatusInternalServerError})
		}, nil, slate.JobErrEngineUnavailable, true, "500", 0},
		{"the token revoked while polling", func(s *replicatetest.Server) {
			s.FailNext(replicatetest.Get, replicatetest.Failure{Status: http.StatusUnauthorized, Detail: "You did not pass a valid authentication token"})
		}, nil, slate.JobErrEngineUnavailable, false, "following prediction", 1},
		{"files removed before the download", func(s *replicatetest.Server) { s.RemoveData() }, nil,
			slate.JobErrEngineFailed, true, "has no output any more", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFake(t)
			if tc.setup != nil {
				tc.setup(s)
			}
			cfg := klingV20(s, &waits{})
			if tc.edit != nil {
				tc.edit(&cfg)
			}
			e := newEngine(t, cfg)
			dst := filepath.Join(t.TempDir(), "take.mp4")
			err := e.Render(waitfor.Context(t), testSpec(), dst, nil)
			var ee *engine.Error
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v, want an *engine.Error", err)
			}
			if ee.Code != tc.code || ee.Retryable != tc.retryable || !strings.Contains(ee.Message, tc.says) {
				t.Errorf("err = %+v, want %s (retryable %v) saying %q", ee, tc.code, tc.retryable, tc.says)
			}
			if strings.Contains(ee.Message, cfg.APIKey) {
				t.Errorf("the message holds the API token: %s", ee.Message)
			}
			if n := s.Submissions(); n != tc.created {
				t.Errorf("predictions = %d, want %d", n, tc.created)
			}
			if tc.created == 0 && s.Creates() > 1 {
				t.Errorf("the create was sent %d times", s.Creates())
			}
			if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed render left %s: %v", dst, err)
			}
		})
	}
}

func TestRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	cfg := klingV20(s, &waits{})
	cfg.Tiers = map[string]string{"standard": "720p"}
	cfg.Options = []byte(`{"aspect_ratios": ["16:9", "9:16"]}`)
	e := newEngine(t, cfg)
	for _, tc := range []struct {
		name string
		edit func(*slate.RenderSpec)
		says string
	}{
		{"a tier it does not render", func(sp *slate.RenderSpec) { sp.Tier = "4k" }, `kling does not render tier "4k"; it renders standard`},
		{"an aspect ratio the model lacks", func(sp *slate.RenderSpec) { sp.AspectRatio = "1:1" }, `kling does not render aspect ratio "1:1"`},
	} {
		spec := testSpec()
		tc.edit(&spec)
		_, err := e.Submit(waitfor.Context(t), spec)
		if ee := engine.AsError(err); err == nil || ee.Code != slate.JobErrInvalidRequest || !strings.Contains(ee.Message, tc.says) {
			t.Errorf("%s: err = %v, want invalid_request saying %q", tc.name, err, tc.says)
		}
	}
	if n := s.Creates(); n != 0 {
		t.Errorf("%d create calls reached the provider", n)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	s.SetOutcome(replicatetest.Outcome{Hold: true})
	e := newEngine(t, klingV20(s, &waits{}))
	tk, err := e.Submit(waitfor.Context(t), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(waitfor.Context(t))
	done := make(chan error, 1)
	go func() {
		_, err := e.Await(ctx, testSpec(), tk, filepath.Join(t.TempDir(), "take.mp4"), nil)
		done <- err
	}()
	waitfor.Until(t, func() error {
		if s.Status(tk.ID) != "processing" {
			return errors.New("the prediction is not processing yet")
		}
		return nil
	})
	// The worker stops waiting, then cancels; Await must not have.
	stop()
	if err, _ := waitfor.Recv(t, "Await's return", done); !errors.Is(err, context.Canceled) {
		t.Errorf("Await = %v, want context.Canceled", err)
	}
	if s.Cancels() != 0 || s.Status(tk.ID) != "processing" {
		t.Fatalf("Await cancelled the prediction itself (%d cancels, %s)", s.Cancels(), s.Status(tk.ID))
	}
	s.FailNext(replicatetest.Cancel, replicatetest.Failure{Status: http.StatusServiceUnavailable})
	if err := e.Cancel(waitfor.Context(t), tk); err != nil {
		t.Fatal(err)
	}
	if s.Cancels() != 1 || s.Status(tk.ID) != "canceled" || s.InFlight() != 0 {
		t.Errorf("cancels = %d, status = %s, in flight = %d", s.Cancels(), s.Status(tk.ID), s.InFlight())
	}
	// A prediction cancelled elsewhere ends the wait of whoever follows it.
	_, err = e.Await(waitfor.Context(t), testSpec(), tk, filepath.Join(t.TempDir(), "take.mp4"), nil)
	if ee := engine.AsError(err); err == nil || ee.Code != slate.JobErrEngineFailed || !strings.Contains(ee.Message, "canceled at Replicate") {
		t.Errorf("Await of a canceled prediction = %v", err)
	}
	if err := e.Cancel(waitfor.Context(t), engine.Ticket{ID: "unknownprediction0000000000"}); err != nil {
		t.Errorf("cancelling a prediction Replicate does not know: %v", err)
	}
	if err := e.Cancel(waitfor.Context(t), engine.Ticket{ID: "../account"}); err == nil {
		t.Error("a ticket that is no prediction id was sent")
	}
}

func TestExpiredResultURL(t *testing.T) {
	t.Parallel()
	t.Run("a fresh URL from the prediction", func(t *testing.T) {
		t.Parallel()
		s := newFake(t)
		s.ExpireNext(1)
		e := newEngine(t, klingV20(s, &waits{}))
		dst := filepath.Join(t.TempDir(), "take.mp4")
		if err := e.Render(waitfor.Context(t), testSpec(), dst, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dst); err != nil {
			t.Fatal(err)
		}
		if n := s.Downloads(); n != 2 {
			t.Errorf("downloads = %d, want the expired one and the fresh one", n)
		}
	})
	t.Run("asked once", func(t *testing.T) {
		t.Parallel()
		s := newFake(t)
		s.ExpireNext(2)
		e := newEngine(t, klingV20(s, &waits{}))
		dst := filepath.Join(t.TempDir(), "take.mp4")
		err := e.Render(waitfor.Context(t), testSpec(), dst, nil)
		if ee := engine.AsError(err); !errors.Is(err, provider.ErrExpired) || ee.Code != slate.JobErrEngineFailed || !ee.Retryable {
			t.Errorf("err = %v, want a retryable engine_failed that is ErrExpired", err)
		}
		if n := s.Downloads(); n != 2 {
			t.Errorf("downloads = %d, want 2", n)
		}
		if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("left %s behind", dst)
		}
	})
}

func TestDownloadResumes(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	s.FailNext(replicatetest.Download, replicatetest.Failure{Cut: true})
	e := newEngine(t, klingV20(s, &waits{}))
	dst := filepath.Join(t.TempDir(), "take.mp4")
	if err := e.Render(waitfor.Context(t), testSpec(), dst, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != string(s.Video()) {
		t.Errorf("the resumed file differs from the output (%d of %d bytes)", len(data), len(s.Video()))
	}
	want := []string{"", "bytes=" + strconv.Itoa(len(s.Video())/2) + "-"}
	if got := s.DownloadRanges(); !slices.Equal(got, want) {
		t.Errorf("download ranges = %q, want %q", got, want)
	}
}
