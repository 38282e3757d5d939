package runway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/enginetest"
	"slate/engine/runway/runwaytest"
	"slate/media"
	"slate/waitfor"
)

func TestRender(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, model, tier, aspect, options string
		durationMS                         int64
		want                               string // the body posted to /v1/text_to_video
		seconds                            int64
		seed                               bool
	}{
		{name: "gen4.5 standard", model: "gen4.5", tier: "standard", aspect: "16:9", durationMS: 5000, seed: true, seconds: 5,
			want: `{"duration":5,"model":"gen4.5","promptText":%q,"ratio":"1280:720","seed":42}`},
		{name: "gen4.5 draft portrait, rounded up", model: "gen4.5", tier: "draft", aspect: "9:16", durationMS: 2500, seed: true, seconds: 3,
			want: `{"duration":3,"model":"gen4.5","promptText":%q,"ratio":"720:1280","seed":42}`},
		{name: "gen4.5 past its longest", model: "gen4.5", tier: "high", aspect: "16:9", durationMS: 14000, seed: true, seconds: 10,
			options: `{"public_figure_threshold": "low"}`,
			want:    `{"contentModeration":{"publicFigureThreshold":"low"},"duration":10,"model":"gen4.5","promptText":%q,"ratio":"1280:720","seed":42}`},
		{name: "veo3.1 high is 1080p", model: "veo3.1", tier: "high", aspect: "16:9", durationMS: 5000, seconds: 6,
			want: `{"duration":6,"model":"veo3.1","negativePrompt":"blurry","promptText":%q,"ratio":"1920:1080"}`},
		{name: "veo3.1_fast silent portrait", model: "veo3.1_fast", tier: "draft", aspect: "9:16", durationMS: 4000, seconds: 4,
			options: `{"audio": false}`,
			want:    `{"audio":false,"duration":4,"model":"veo3.1_fast","negativePrompt":"blurry","promptText":%q,"ratio":"720:1280"}`},
		{name: "veo3 renders 8 s", model: "veo3", tier: "standard", aspect: "16:9", durationMS: 3000, seconds: 8,
			want: `{"duration":8,"model":"veo3","negativePrompt":"blurry","promptText":%q,"ratio":"1280:720"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, runwaytest.Options{})
			cfg := config(srv.URL(), tc.model, nil)
			if tc.options != "" {
				cfg.Options = json.RawMessage(tc.options)
			}
			e := newEngine(t, cfg)
			spec := testSpec()
			spec.Tier, spec.AspectRatio, spec.DurationMS = tc.tier, tc.aspect, tc.durationMS
			ticket, err := e.Submit(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := json.Marshal(srv.LastRequest()); string(got) != fmt.Sprintf(tc.want, spec.Prompt) {
				t.Errorf("posted %s\nwant   %s", got, fmt.Sprintf(tc.want, spec.Prompt))
			}
			if srv.LastPath() != "/v1/text_to_video" {
				t.Errorf("posted to %s, want /v1/text_to_video", srv.LastPath())
			}
			dst := filepath.Join(t.TempDir(), "take.mp4")
			var rec enginetest.Recorder
			out, err := e.Await(context.Background(), spec, ticket, dst, rec.Add)
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.Statuses(ticket.ID); !slices.Equal(got, []string{"PENDING", "RUNNING", "RUNNING", "SUCCEEDED"}) {
				t.Errorf("statuses %v, want PENDING, RUNNING, RUNNING, SUCCEEDED", got)
			}
			if got := rec.Percents(); !slices.Equal(got, []int{25, 75, 100}) {
				t.Errorf("progress %v, want Runway's 0.25 and 0.75, then 100 with the file in", got)
			}
			info, err := media.Probe(context.Background(), "", dst)
			if err != nil || info.Width != 320 || info.DurationMS <= 0 {
				t.Fatalf("Probe = %+v, %v", info, err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 1 {
				t.Errorf("%d files beside the take, want only the take", len(entries))
			}
			if out.Model != tc.model || out.Usage != (engine.Usage{VideoMS: tc.seconds * 1000}) || (out.Seed != nil) != tc.seed {
				t.Errorf("output %+v, want %s billed %d s, seed %v", out, tc.model, tc.seconds, tc.seed)
			}
			if out.Seed != nil && *out.Seed != 42 {
				t.Errorf("seed %d, want the shot's 42", *out.Seed)
			}
			if srv.Submissions() != 1 || srv.InFlight() != 0 || srv.MaxInFlight() != 1 {
				t.Errorf("submissions %d, in flight %d, peak %d; want 1, 0, 1", srv.Submissions(), srv.InFlight(), srv.MaxInFlight())
			}
		})
	}
}

// The seam a start frame comes through: gen4_turbo renders from a data:
// URI on /v1/image_to_video, square included, and refuses a shot without
// one before anything is sent.
func TestStartImage(t *testing.T) {
	t.Parallel()
	srv := newFake(t, runwaytest.Options{})
	e := newEngine(t, config(srv.URL(), "gen4_turbo", nil))
	spec := testSpec()
	ee := wantCode(t, e.Render(context.Background(), spec, filepath.Join(t.TempDir(), "take.mp4"), nil), slate.JobErrInvalidRequest)
	if ee.Retryable || !strings.Contains(ee.Message, "start image") || srv.Creates() != 0 {
		t.Errorf("gen4_turbo without a start image: %v after %d creates", ee, srv.Creates())
	}

	const frame = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
	spec.AspectRatio = "1:1"
	ticket, err := e.SubmitFrom(context.Background(), spec, frame)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"duration":5,"model":"gen4_turbo","promptImage":%q,"promptText":%q,"ratio":"960:960","seed":42}`, frame, spec.Prompt)
	if got, _ := json.Marshal(srv.LastRequest()); string(got) != want || srv.LastPath() != "/v1/image_to_video" {
		t.Errorf("posted %s to %s\nwant   %s to /v1/image_to_video", got, srv.LastPath(), want)
	}
	dst := filepath.Join(t.TempDir(), "take.mp4")
	if _, err := e.Await(context.Background(), spec, ticket, dst, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := media.Probe(context.Background(), "", dst); err != nil {
		t.Fatal(err)
	}
	// The frame alone is enough for gen4_turbo: promptText is optional there.
	spec.Prompt = ""
	if _, err := e.SubmitFrom(context.Background(), spec, frame); err != nil {
		t.Fatalf("a start image without a prompt: %v", err)
	}
	if _, ok := srv.LastRequest()["promptText"]; ok {
		t.Errorf("posted %v, want no promptText", srv.LastRequest())
	}
}

// Past the organisation's concurrency, Runway accepts a task and holds it
// THROTTLED: the engine waits, and it runs once a slot frees.
func TestThrottledTaskWaits(t *testing.T) {
	t.Parallel()
	srv := newFake(t, runwaytest.Options{Concurrency: 1})
	srv.Hold()
	e := newEngine(t, config(srv.URL(), "gen4.5", nil))
	first, err := e.Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	await := func(tk engine.Ticket) {
		go func() {
			_, err := e.Await(context.Background(), testSpec(), tk, filepath.Join(t.TempDir(), "take.mp4"), nil)
			done <- err
		}()
	}
	shown := func(id, status string, n int) func() error {
		return func() error {
			if got := count(srv.Statuses(id), status); got < n {
				return fmt.Errorf("%s shown %s %d times", id, status, got)
			}
			return nil
		}
	}
	await(first)
	waitfor.Until(t, shown(first.ID, "RUNNING", 1))
	await(second)
	waitfor.Until(t, shown(second.ID, "THROTTLED", 3))
	srv.Release()
	for range 2 {
		if err, _ := waitfor.Recv(t, "a render's end", done); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Statuses(second.ID); got[len(got)-1] != "SUCCEEDED" || !slices.Contains(got, "RUNNING") {
		t.Errorf("the throttled task went %v", got)
	}
	if srv.Submissions() != 2 || srv.MaxInFlight() != 2 || srv.InFlight() != 0 {
		t.Errorf("submissions %d, peak %d, in flight %d", srv.Submissions(), srv.MaxInFlight(), srv.InFlight())
	}
}

func count(s []string, v string) (n int) {
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// A held task keeps Await waiting until its context ends; the task is
// left at Runway for the next worker.
func TestAwaitEndsWithItsContext(t *testing.T) {
	t.Parallel()
	srv := newFake(t, runwaytest.Options{})
	srv.Hold()
	e := newEngine(t, config(srv.URL(), "gen4.5", nil))
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
			return fmt.Errorf("%d polls of a held task", n)
		}
		return nil
	})
	cancel()
	if err, _ := waitfor.Recv(t, "Await's end", done); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await = %v, want context.Canceled", err)
	}
	if srv.InFlight() != 1 || srv.Cancels() != 0 {
		t.Errorf("in flight %d, cancels %d; the task is still Runway's", srv.InFlight(), srv.Cancels())
	}
	srv.Release()
	if _, err := e.Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil); err != nil {
		t.Fatalf("resuming after release: %v", err)
	}
}

// Cancel deletes the task at Runway: a running one is CANCELLED and the
// wait for it ends; cancelling again, or a task Runway no longer has,
// succeeds.
func TestCancel(t *testing.T) {
	t.Parallel()
	srv := newFake(t, runwaytest.Options{})
	srv.Hold()
	e := newEngine(t, config(srv.URL(), "gen4.5", nil))
	ticket, err := e.Submit(context.Background(), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Credits()
	done := make(chan error, 1)
	go func() {
		_, err := e.Await(context.Background(), testSpec(), ticket, filepath.Join(t.TempDir(), "take.mp4"), nil)
		done <- err
	}()
	waitfor.Until(t, func() error {
		if !slices.Contains(srv.Statuses(ticket.ID), "RUNNING") {
			return errors.New("the task is not running yet")
		}
		return nil
	})
	if err := e.Cancel(context.Background(), ticket); err != nil {
		t.Fatal(err)
	}
	awaited, _ := waitfor.Recv(t, "Await's end", done)
	ee := wantCode(t, awaited, slate.JobErrEngineFailed)
	if ee.Retryable || !strings.Contains(ee.Message, "cancelled") {
		t.Errorf("Await after cancel: %+v", ee)
	}
	if srv.Cancels() != 1 || srv.InFlight() != 0 || srv.Credits() <= before {
		t.Errorf("cancels %d, in flight %d, credits %d → %d", srv.Cancels(), srv.InFlight(), before, srv.Credits())
	}
	for range 2 { // deletes the cancelled task, then finds none
		if err := e.Cancel(context.Background(), ticket); err != nil {
			t.Fatalf("cancel again: %v", err)
		}
	}
	cfg := config(srv.URL(), "gen4.5", nil)
	cfg.APIKey = "rw-wrong-key"
	wantCode(t, newEngine(t, cfg).Cancel(context.Background(), ticket), slate.JobErrEngineUnavailable)
}

// A worker that dies after Submit leaves the ticket; another, with an
// engine of its own and an entry changed meanwhile, finishes the render
// without creating it again and reports what the task was created with.
func TestResumeFromTicket(t *testing.T) {
	t.Parallel()
	srv := newFake(t, runwaytest.Options{})
	spec := testSpec()
	spec.DurationMS = 7000
	ticket, err := newEngine(t, config(srv.URL(), "gen4.5", nil)).Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := json.Marshal(ticket)
	var resumed engine.Ticket
	if err := json.Unmarshal(saved, &resumed); err != nil {
		t.Fatal(err)
	}
	later := newEngine(t, config(srv.URL(), "veo3.1", nil))
	dst := filepath.Join(t.TempDir(), "take.mp4")
	out, err := later.Await(context.Background(), spec, resumed, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Submissions() != 1 || srv.Creates() != 1 {
		t.Errorf("creates %d, accepted %d; want one of each", srv.Creates(), srv.Submissions())
	}
	if out.Model != "gen4.5" || out.Usage.VideoMS != 7000 || out.Seed == nil || *out.Seed != 42 {
		t.Errorf("output %+v, want the task's own gen4.5, 7 s, seed 42", out)
	}
	if _, err := media.Probe(context.Background(), "", dst); err != nil {
		t.Fatal(err)
	}
}
