package runway_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/engine/provider"
	"slate/engine/runway/runwaytest"
)

// Every way a create can fail: refused here before sending (nothing is
// paid), refused by Runway, or lost after sending (never sent again).
func TestSubmitFailures(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("🎬", 501) // 1002 UTF-16 code units
	for _, tc := range []struct {
		name      string
		model     string
		edit      func(*slate.RenderSpec, *provider.Config, *runwaytest.Server)
		code      string
		retryable bool
		says      string
		creates   int
	}{
		{"a tier the entry lacks", "gen4.5", func(s *slate.RenderSpec, _ *provider.Config, _ *runwaytest.Server) { s.Tier = "4k" },
			slate.JobErrInvalidRequest, false, "draft, standard, high", 0},
		{"square from text on gen4.5", "gen4.5", func(s *slate.RenderSpec, _ *provider.Config, _ *runwaytest.Server) { s.AspectRatio = "1:1" },
			slate.JobErrInvalidRequest, false, "16:9, 9:16, not 1:1", 0},
		{"square on Veo", "veo3.1", func(s *slate.RenderSpec, _ *provider.Config, _ *runwaytest.Server) { s.AspectRatio = "1:1" },
			slate.JobErrInvalidRequest, false, "not 1:1", 0},
		{"no prompt", "gen4.5", func(s *slate.RenderSpec, _ *provider.Config, _ *runwaytest.Server) { s.Prompt = "  " },
			slate.JobErrInvalidRequest, false, "no prompt", 0},
		{"a prompt past 1000", "veo3", func(s *slate.RenderSpec, _ *provider.Config, _ *runwaytest.Server) { s.Prompt = long },
			slate.JobErrInvalidRequest, false, "1002", 0},
		{"a refused key", "gen4.5", func(_ *slate.RenderSpec, c *provider.Config, _ *runwaytest.Server) { c.APIKey = "rw-wrong" },
			slate.JobErrEngineUnavailable, false, "API key", 1},
		{"out of credits", "gen4.5", func(_ *slate.RenderSpec, _ *provider.Config, s *runwaytest.Server) { s.SetCredits(59) },
			slate.JobErrQuotaExceeded, false, "enough credits", 1},
		{"a validation failure", "gen4.5", func(_ *slate.RenderSpec, _ *provider.Config, s *runwaytest.Server) {
			s.FailSubmits(runwaytest.Fault{Status: http.StatusBadRequest, Error: "Validation of body failed"})
		}, slate.JobErrInvalidRequest, false, "Validation of body failed", 1},
		{"a 502 may hide an accepted task", "gen4.5", func(_ *slate.RenderSpec, _ *provider.Config, s *runwaytest.Server) {
			s.FailSubmits(runwaytest.Fault{Status: http.StatusBadGateway})
		}, slate.JobErrEngineUnavailable, true, "may have accepted", 1},
		{"a 504 too", "gen4.5", func(_ *slate.RenderSpec, _ *provider.Config, s *runwaytest.Server) {
			s.FailSubmits(runwaytest.Fault{Status: http.StatusGatewayTimeout, RetryAfter: "1"})
		}, slate.JobErrEngineUnavailable, true, "may have accepted", 1},
		{"429 past the limit's patience", "gen4.5", func(_ *slate.RenderSpec, _ *provider.Config, s *runwaytest.Server) {
			for range 8 {
				s.FailSubmits(runwaytest.Fault{Status: http.StatusTooManyRequests, Error: "Daily task limit reached"})
			}
		}, slate.JobErrEngineUnavailable, true, "daily generations", 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, runwaytest.Options{})
			spec, cfg := testSpec(), config(srv.URL(), tc.model, nil)
			tc.edit(&spec, &cfg, srv)
			_, err := newEngine(t, cfg).Submit(context.Background(), spec)
			ee := wantCode(t, err, tc.code)
			if ee.Retryable != tc.retryable || !strings.Contains(ee.Message, tc.says) {
				t.Errorf("Submit = %+v, want retryable %v saying %q", ee, tc.retryable, tc.says)
			}
			if srv.Creates() != tc.creates || srv.Submissions() != 0 {
				t.Errorf("creates %d, accepted %d; want %d, 0", srv.Creates(), srv.Submissions(), tc.creates)
			}
		})
	}
}

// A connection that drops after the request is sent is never sent again.
func TestSubmitLostConnection(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan int, 16)
	go func() {
		for n := 1; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			_, _ = c.Read(buf) // the whole request, then hang up
			c.Close()
			accepted <- n
		}
	}()
	_, err = newEngine(t, config("http://"+ln.Addr().String(), "gen4.5", nil)).Submit(context.Background(), testSpec())
	ee := wantCode(t, err, slate.JobErrEngineUnavailable)
	if !ee.Retryable || !strings.Contains(ee.Message, "may have accepted") {
		t.Errorf("Submit = %+v", ee)
	}
	if n := len(accepted); n != 1 {
		t.Errorf("%d connections, want the one send", n)
	}
}

func TestSubmitWaitsOutThrottling(t *testing.T) {
	t.Parallel()
	srv := newFake(t, runwaytest.Options{})
	srv.FailSubmits(runwaytest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "12"},
		runwaytest.Fault{Status: http.StatusTooManyRequests})
	var w waits
	e := newEngine(t, config(srv.URL(), "gen4.5", &w))
	if err := e.Render(context.Background(), testSpec(), filepath.Join(t.TempDir(), "take.mp4"), nil); err != nil {
		t.Fatal(err)
	}
	if srv.Creates() != 3 || srv.Submissions() != 1 {
		t.Errorf("creates %d, accepted %d; want 3 (two refused), 1", srv.Creates(), srv.Submissions())
	}
	if w.longest() < 12*time.Second {
		t.Errorf("longest wait %s, want Runway's Retry-After of 12s", w.longest())
	}
}

func TestAwaitWaitsOutThrottlingAndOutages(t *testing.T) {
	t.Parallel()
	srv := newFake(t, runwaytest.Options{})
	var w waits
	e := newEngine(t, config(srv.URL(), "gen4.5", &w))
	ticket, err := e.Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	srv.FailPolls(runwaytest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "45"},
		runwaytest.Fault{Status: http.StatusTooManyRequests},
		runwaytest.Fault{Status: http.StatusInternalServerError},
		runwaytest.Fault{Status: http.StatusBadGateway},
		runwaytest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "3"},
		runwaytest.Fault{Status: http.StatusGatewayTimeout})
	if _, err := e.Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil); err != nil {
		t.Fatal(err)
	}
	if w.longest() < 45*time.Second {
		t.Errorf("longest wait %s, want the 45s Runway asked for", w.longest())
	}
	if srv.Polls() != 10 {
		t.Errorf("%d polls, want 6 refused and 4 walking the states", srv.Polls())
	}
}

// Every documented failure code, a task Runway no longer has, and a key
// revoked while waiting.
func TestAwaitFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		outcome   *runwaytest.Outcome
		setup     func(*runwaytest.Server, string)
		code      string
		retryable bool
		says      string
	}{
		{"prompt moderated", &runwaytest.Outcome{FailureCode: "SAFETY.INPUT.TEXT", Failure: "Your prompt was flagged."},
			nil, slate.JobErrPromptRejected, false, "SAFETY.INPUT.TEXT"},
		{"output moderated", &runwaytest.Outcome{FailureCode: "SAFETY.OUTPUT.VIDEO", Failure: "The output was flagged."},
			nil, slate.JobErrPromptRejected, false, "content moderation"},
		{"moderated in preprocessing", &runwaytest.Outcome{FailureCode: "INPUT_PREPROCESSING.SAFETY.TEXT", Failure: "Flagged."},
			nil, slate.JobErrPromptRejected, false, "INPUT_PREPROCESSING.SAFETY.TEXT"},
		{"an asset Runway cannot use", &runwaytest.Outcome{FailureCode: "ASSET.INVALID", Failure: "Invalid asset."},
			nil, slate.JobErrInvalidRequest, false, "ASSET.INVALID"},
		{"preprocessing's own failure", &runwaytest.Outcome{FailureCode: "INPUT_PREPROCESSING.INTERNAL", Failure: "Try again."},
			nil, slate.JobErrEngineFailed, true, "INPUT_PREPROCESSING.INTERNAL"},
		{"a bad output", &runwaytest.Outcome{FailureCode: "INTERNAL.BAD_OUTPUT.CODE01", Failure: "Quality check failed."},
			nil, slate.JobErrEngineFailed, true, "INTERNAL.BAD_OUTPUT.CODE01"},
		{"Runway's own failure", &runwaytest.Outcome{FailureCode: "INTERNAL", Failure: "An unexpected error occurred."},
			nil, slate.JobErrEngineFailed, true, "unexpected error"},
		{"no code at all", &runwaytest.Outcome{Failure: "Something went wrong."},
			nil, slate.JobErrEngineFailed, true, "Something went wrong"},
		{"cancelled at Runway", &runwaytest.Outcome{Cancelled: true},
			nil, slate.JobErrEngineFailed, false, "cancelled or deleted"},
		{"deleted at Runway", nil, func(s *runwaytest.Server, id string) {
			deleteTask(t, s, id)
			deleteTask(t, s, id)
		}, slate.JobErrEngineFailed, false, "no task"},
		{"a key revoked meanwhile", nil, func(s *runwaytest.Server, _ string) {
			s.FailPolls(runwaytest.Fault{Status: http.StatusUnauthorized, Error: "bad key " + key})
		}, slate.JobErrEngineUnavailable, false, "API key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, runwaytest.Options{})
			if tc.outcome != nil {
				srv.EndNext(*tc.outcome)
			}
			e := newEngine(t, config(srv.URL(), "gen4.5", nil))
			ticket, err := e.Submit(context.Background(), testSpec())
			if err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(srv, ticket.ID)
			}
			dir := t.TempDir()
			_, err = e.Await(context.Background(), testSpec(), ticket, filepath.Join(dir, "take.mp4"), nil)
			ee := wantCode(t, err, tc.code)
			if ee.Retryable != tc.retryable || !strings.Contains(ee.Message, tc.says) {
				t.Errorf("Await = %+v, want retryable %v saying %q", ee, tc.retryable, tc.says)
			}
			if srv.Submissions() != 1 {
				t.Errorf("%d submissions", srv.Submissions())
			}
		})
	}
}

// deleteTask deletes a task at the fake as someone at Runway would.
func deleteTask(t *testing.T, s *runwaytest.Server, id string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, s.URL()+"/v1/tasks/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("X-Runway-Version", "2024-11-06")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE answered %d", resp.StatusCode)
	}
}

// An output URL that expired before the download is asked for again
// once; a second expired URL ends the render, which only a new task mends.
func TestExpired(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d expired", n), func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, runwaytest.Options{})
			srv.ExpireNextResults(n)
			e := newEngine(t, config(srv.URL(), "gen4.5", nil))
			ticket, err := e.Submit(context.Background(), testSpec())
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			_, err = e.Await(context.Background(), testSpec(), ticket, filepath.Join(dir, "take.mp4"), nil)
			if got := count(srv.Statuses(ticket.ID), "SUCCEEDED"); got != 2 {
				t.Errorf("the succeeded task was looked at %d times, want 2 (one for a fresh URL)", got)
			}
			if n == 1 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ee := wantCode(t, err, slate.JobErrEngineFailed)
			if !ee.Retryable || !errors.Is(err, provider.ErrExpired) {
				t.Errorf("Await = %+v, want a retryable failure that is ErrExpired", ee)
			}
			if srv.Submissions() != 1 {
				t.Errorf("%d submissions", srv.Submissions())
			}
		})
	}
}
