package veo_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/enginetest"
	"slate/engine/provider"
	"slate/engine/veo"
	"slate/engine/veo/veotest"
	"slate/waitfor"
)

// TestRenderGemini walks an operation through its running polls to a
// downloaded file, and checks what was asked of the Gemini API.
func TestRenderGemini(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{RunningPolls: 3})
	e := newEngine(t, config(srv, "veo-3.1-generate-preview", "", &sleeps{}))
	dst := dstPath(t)
	var rec enginetest.Recorder
	spec := shotSpec()
	ticket, err := e.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ticket.ID, "models/veo-3.1-generate-preview/operations/") || len(ticket.Data) > engine.MaxTicketData {
		t.Fatalf("ticket = %+v", ticket)
	}
	out, err := e.Await(context.Background(), spec, ticket, dst, rec.Add)
	if err != nil {
		t.Fatal(err)
	}
	probe(t, dst)

	sub := srv.LastSubmission()
	if sub.Backend != "gemini" || sub.Path != "/v1beta/models/veo-3.1-generate-preview:predictLongRunning" ||
		sub.Header.Get("x-goog-api-key") != veotest.DefaultKey || sub.Header.Get("Content-Type") != "application/json" {
		t.Errorf("submission went to %s %s with headers %v", sub.Backend, sub.Path, sub.Header)
	}
	got, _ := json.Marshal(sub.Body)
	want := `{"instances":[{"prompt":"a lighthouse in a storm"}],"parameters":{"aspectRatio":"16:9","durationSeconds":8,"negativePrompt":"people","resolution":"1080p","sampleCount":1}}`
	if string(got) != want {
		t.Errorf("request body\n got %s\nwant %s", got, want)
	}
	if p := rec.Percents(); !slices.Equal(p, []int{100}) {
		t.Errorf("progress = %v, want [100] (Veo reports none until done)", p)
	}
	if out.Model != "veo-3.1-generate-preview" || out.Seed != nil || out.Usage != (engine.Usage{VideoMS: 8000}) {
		t.Errorf("output = %+v (seed %v)", out, out.Seed)
	}
	if srv.Submissions() != 1 || srv.InFlight() != 0 || srv.Polls() != 4 || srv.Downloads() != 1 {
		t.Errorf("fake saw %d submissions, %d in flight, %d polls, %d downloads; want 1, 0, 4, 1",
			srv.Submissions(), srv.InFlight(), srv.Polls(), srv.Downloads())
	}
}

// TestWaitingAnswersDoNotFail: 429 with and without Retry-After and 5xx
// while polling back off and the render still finishes.
func TestWaitingAnswersDoNotFail(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{})
	var s sleeps
	e := newEngine(t, config(srv, "veo-3.1-generate-001", "", &s))
	srv.ThrottlePolls(1, "3")
	srv.ThrottlePolls(2, "")
	srv.FailPolls(2, 503)
	srv.FailPolls(1, 500)
	dst := dstPath(t)
	if err := e.Render(context.Background(), shotSpec(), dst, nil); err != nil {
		t.Fatal(err)
	}
	probe(t, dst)
	if !s.has(3 * time.Second) {
		t.Errorf("waits %v do not include the 3 s Retry-After asked for", s.d)
	}
	if srv.Submissions() != 1 || srv.Polls() != 8 {
		t.Errorf("fake saw %d submissions and %d polls; want 1 and 8", srv.Submissions(), srv.Polls())
	}
}

// TestSubmitThrottled: a 429 refused the request, so it is sent again after
// the wait; too many in a row give the job back, retryable.
func TestSubmitThrottled(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{})
	var s sleeps
	e := newEngine(t, config(srv, "veo-3.1-generate-001", "", &s))
	srv.ThrottleSubmits(2, "5")
	if _, err := e.Submit(context.Background(), shotSpec()); err != nil {
		t.Fatal(err)
	}
	if srv.Submissions() != 1 || !s.has(5*time.Second) {
		t.Errorf("submissions %d, waits %v; want 1 and a 5 s wait", srv.Submissions(), s.d)
	}
	srv.ThrottleSubmits(20, "")
	_, err := e.Submit(context.Background(), shotSpec())
	if je := jobError(t, err, slate.JobErrEngineUnavailable); !je.Retryable || srv.Submissions() != 1 {
		t.Errorf("after endless throttling: %+v, %d submissions", je, srv.Submissions())
	}
}

// TestFailures maps each way an operation or call ends badly to the job's
// error code.
func TestFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(srv *veotest.Server)
		key     string
		spec    func(s *slate.RenderSpec)
		code    string
		message string
		atSend  bool // the failure comes from Submit
	}{
		{"filtered by safety", func(srv *veotest.Server) {
			srv.SetOutcome(veotest.Outcome{Filtered: []string{"The video may depict a real person."}})
		}, "", nil, slate.JobErrPromptRejected, "real person", false},
		{"prompt refused", func(srv *veotest.Server) {
			srv.SetOutcome(veotest.Outcome{Code: 3, Message: "This prompt contains sensitive words that violate Google's Responsible AI practices. Support codes: 29310472"})
		}, "", nil, slate.JobErrPromptRejected, "Support codes", false},
		{"invalid", func(srv *veotest.Server) {
			srv.SetOutcome(veotest.Outcome{Code: 3, Message: "The input image is not supported."})
		}, "", nil, slate.JobErrInvalidRequest, "not supported", false},
		{"quota in the operation", func(srv *veotest.Server) {
			srv.SetOutcome(veotest.Outcome{Code: 8, Message: "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests"})
		}, "", nil, slate.JobErrQuotaExceeded, "Quota exceeded", false},
		{"daily quota at submit", func(srv *veotest.Server) { srv.ExhaustDailyQuota() },
			"", nil, slate.JobErrQuotaExceeded, "exceeded your current quota", true},
		{"bad key", nil, "not-the-key", nil, slate.JobErrEngineUnavailable, "API key not valid", true},
		{"square frame", nil, "", func(s *slate.RenderSpec) { s.AspectRatio = "1:1" }, slate.JobErrInvalidRequest, "16:9 or 9:16", true},
		{"1080p at 4 s", nil, "", func(s *slate.RenderSpec) { s.DurationMS = 4000 }, slate.JobErrInvalidRequest, "only at 8 s", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, veotest.Options{})
			cfg := config(srv, "veo-3.1-generate-001", "", &sleeps{})
			if tt.key != "" {
				cfg.APIKey = tt.key
			}
			e := newEngine(t, cfg)
			if tt.setup != nil {
				tt.setup(srv)
			}
			spec := shotSpec()
			if tt.spec != nil {
				tt.spec(&spec)
			}
			dst := dstPath(t)
			ticket, err := e.Submit(context.Background(), spec)
			if err == nil {
				_, err = e.Await(context.Background(), spec, ticket, dst, nil)
			}
			je := jobError(t, err, tt.code)
			if !strings.Contains(je.Message, tt.message) || strings.Contains(je.Message, cfg.APIKey) {
				t.Errorf("message %q: want it to contain %q and not the key", je.Message, tt.message)
			}
			if (ticket.ID == "") != tt.atSend {
				t.Errorf("ticket %q; failure at send %v", ticket.ID, tt.atSend)
			}
			if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("dst after a failure: %v", err)
			}
		})
	}
}

// TestResume: a second engine, as on another worker after a crash, finishes
// the first one's operation from the ticket alone, with no second
// submission.
func TestResume(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{Hold: true})
	cfg := config(srv, "veo-3.1-generate-001", "", &sleeps{})
	spec := shotSpec()
	ticket, err := newEngine(t, cfg).Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := json.Marshal(ticket) // what the worker stores on the job
	var back engine.Ticket
	if err := json.Unmarshal(saved, &back); err != nil || strings.Contains(string(saved), cfg.APIKey) {
		t.Fatalf("ticket %s: %v", saved, err)
	}
	dst := dstPath(t)
	done := make(chan error, 1)
	var out engine.Output
	go func() {
		var err error
		out, err = newEngine(t, cfg).Await(context.Background(), spec, back, dst, nil)
		done <- err
	}()
	waitfor.Until(t, func() error {
		if srv.Polls() < 2 {
			return errors.New("the second engine has not polled the held operation twice")
		}
		return nil
	})
	if srv.InFlight() != 1 {
		t.Errorf("in flight while held: %d", srv.InFlight())
	}
	srv.Release(ticket.ID)
	if err, _ := waitfor.Recv(t, "the resumed render", done); err != nil {
		t.Fatal(err)
	}
	probe(t, dst)
	if srv.Submissions() != 1 || srv.MaxInFlight() != 1 || out.Usage.VideoMS != 8000 {
		t.Errorf("submissions %d, max in flight %d, usage %+v", srv.Submissions(), srv.MaxInFlight(), out.Usage)
	}
}

// TestAwaitStopsWithContext: a cancelled wait returns ctx's error and asks
// nothing of Google beyond its polls.
func TestAwaitStopsWithContext(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{Hold: true})
	e := newEngine(t, config(srv, "veo-3.1-generate-001", "", &sleeps{}))
	ticket, err := e.Submit(context.Background(), shotSpec())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.Await(ctx, shotSpec(), ticket, dstPath(t), nil)
		done <- err
	}()
	waitfor.Until(t, func() error {
		if srv.Polls() == 0 {
			return errors.New("no poll yet")
		}
		return nil
	})
	cancel()
	if err, _ := waitfor.Recv(t, "the cancelled wait", done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await after cancel = %v", err)
	}
}

// TestExpiredResult: a download that finds the video gone reads the
// operation again once; a second miss fails the job with a clear reason.
func TestExpiredResult(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{})
	e := newEngine(t, config(srv, "veo-3.1-generate-001", "", &sleeps{}))
	srv.ExpireDownloads(1)
	dst := dstPath(t)
	if err := e.Render(context.Background(), shotSpec(), dst, nil); err != nil {
		t.Fatalf("one expired download: %v", err)
	}
	probe(t, dst)
	if srv.Downloads() != 2 || srv.Polls() != 3 {
		t.Errorf("downloads %d, polls %d; want 2 and 3 (one more read of the operation)", srv.Downloads(), srv.Polls())
	}

	srv.ExpireDownloads(5)
	dst2 := dstPath(t)
	err := e.Render(context.Background(), shotSpec(), dst2, nil)
	je := jobError(t, err, slate.JobErrEngineFailed)
	if !strings.Contains(je.Message, "gone from Google") {
		t.Errorf("message %q", je.Message)
	}
	if _, err := os.Stat(dst2); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dst after expiry: %v", err)
	}
}

// TestCancelCallsNothing: Google documents no cancel for video operations.
func TestCancelCallsNothing(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{Hold: true})
	e := newEngine(t, config(srv, "veo-3.1-generate-001", "", &sleeps{}))
	ticket, err := e.Submit(context.Background(), shotSpec())
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Requests()
	if err := e.Cancel(context.Background(), ticket); err != nil || srv.Requests() != before {
		t.Errorf("Cancel = %v after %d requests to Google", err, srv.Requests()-before)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	srv := newFake(t, veotest.Options{})
	tests := []struct {
		name, model, key, options string
		ok                        bool
	}{
		{"gemini key", "veo-3.1-generate-001", veotest.DefaultKey, "", true},
		{"gemini bad key", "veo-3.1-generate-001", "wrong-key-123", "", false},
		{"gemini unknown model", "imagen-4.0", veotest.DefaultKey, "", false},
		{"vertex token", "veo-3.1-generate-001", veotest.DefaultToken, vertexOptions(srv), true},
		{"vertex bad token", "veo-3.1-generate-001", "wrong-token-456", vertexOptions(srv), false},
	}
	for _, tt := range tests {
		cfg := config(srv, tt.model, tt.options, &sleeps{})
		cfg.APIKey = tt.key
		err := newEngine(t, cfg).Check(context.Background())
		if (err == nil) != tt.ok || err != nil && strings.Contains(err.Error(), tt.key) {
			t.Errorf("%s: Check = %v", tt.name, err)
		}
	}
	if srv.Submissions() != 0 {
		t.Errorf("Check submitted %d renders", srv.Submissions())
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	good := provider.Config{Name: "veo", Model: "veo-3.1-generate-001", APIKey: "k"}
	tests := []struct {
		name string
		edit func(c *provider.Config)
		want string
	}{
		{"no name", func(c *provider.Config) { c.Name = "" }, "name"},
		{"no model", func(c *provider.Config) { c.Model = "" }, "model"},
		{"odd model", func(c *provider.Config) { c.Model = "veo/../x" }, "model"},
		{"no key", func(c *provider.Config) { c.APIKey = "" }, "api_key_env"},
		{"bad base", func(c *provider.Config) { c.BaseURL = "ftp://x" }, "base URL"},
		{"unknown option", func(c *provider.Config) { c.Options = json.RawMessage(`{"region":"eu"}`) }, "unknown field \"region\""},
		{"unknown backend", func(c *provider.Config) { c.Options = json.RawMessage(`{"backend":"aws"}`) }, "options.backend"},
		{"vertex option on gemini", func(c *provider.Config) { c.Options = json.RawMessage(`{"project":"p"}`) }, "vertex"},
		{"vertex without project", func(c *provider.Config) {
			c.Options = json.RawMessage(`{"backend":"vertex","location":"us-central1","storage_uri":"gs://b/"}`)
		}, "options.project"},
		{"vertex without storage", func(c *provider.Config) {
			c.Options = json.RawMessage(`{"backend":"vertex","project":"p","location":"us-central1"}`)
		}, "options.storage_uri"},
		{"tier the model lacks", func(c *provider.Config) { c.Tiers = map[string]string{"4k": "8k"} }, "tiers.4k"},
	}
	for _, tt := range tests {
		cfg := good
		tt.edit(&cfg)
		if _, err := veo.New(cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New error = %v, want one naming %q", tt.name, err, tt.want)
		}
	}
	if _, err := veo.New(good); err != nil {
		t.Errorf("good config refused: %v", err)
	}
}

// TestOfferOfEngine: the engine offers the tiers it maps, Veo's lengths and
// 8 s alone for 1080p and 4k.
func TestOfferOfEngine(t *testing.T) {
	t.Parallel()
	e, err := veo.New(provider.Config{Name: "veo-3.1", Model: "veo-3.1-generate-preview", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	o := e.Offer()
	if o.Name != "veo-3.1" || o.Adapter != veo.Adapter || o.Model != "veo-3.1-generate-preview" || o.MaxConcurrent != 0 ||
		!slices.Equal(o.Tiers, []string{"draft", "standard", "high", "4k"}) || !slices.Equal(o.DurationsMS, []int64{4000, 6000, 8000}) {
		t.Errorf("offer = %+v", o)
	}
	if d, why := o.ForTier("high").Billed(4000); d != 8000 || why == "" {
		t.Errorf("a 4 s shot at high bills %d (%q), want 8000 with a reason", d, why)
	}
	if d, _ := o.ForTier("draft").Billed(5000); d != 6000 {
		t.Errorf("a 5 s draft shot bills %d, want 6000", d)
	}
}
