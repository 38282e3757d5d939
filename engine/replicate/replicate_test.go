package replicate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"slate/engine/replicate"
	"slate/engine/replicate/replicatetest"
	"slate/media"
	"slate/waitfor"
)

// video is made once with FFmpeg and served by every fake.
var video = sync.OnceValues(func() ([]byte, error) {
	s, err := replicatetest.New(replicatetest.Config{})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Video(), nil
})

// seeded is a model that takes a seed, for the tests of the seed's echo;
// the Kling models take none.
var seeded = replicatetest.Model{Name: "example/seeded-video", Inputs: map[string]replicatetest.Input{
	"prompt": {Type: "string", Required: true},
	"seed":   {Type: "integer"},
}}

func newFake(t *testing.T) *replicatetest.Server {
	t.Helper()
	v, err := video()
	if err != nil {
		t.Fatal(err)
	}
	s, err := replicatetest.New(replicatetest.Config{Video: v,
		Models: []replicatetest.Model{replicatetest.KlingV21, replicatetest.KlingV20, seeded}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
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
	// A breath, not the wait: a held prediction is polled without
	// spinning the machine's cores. Nothing is timed.
	t := time.NewTimer(time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.d)
}

// klingV20 is an entry for Kling v2.0, which renders from text.
func klingV20(s *replicatetest.Server, w *waits) provider.Config {
	return provider.Config{
		Name: "kling", Model: "kwaivgi/kling-v2.0", APIKey: replicatetest.Token, BaseURL: s.BaseURL(),
		Pacing:  provider.Pacing{Interval: time.Millisecond, Max: time.Minute, Sleep: w.sleep},
		Options: json.RawMessage(`{"durations_s": [5, 10]}`),
		Input: map[string]any{"prompt": "{{prompt}}", "negative_prompt": "{{negative_prompt}}",
			"aspect_ratio": "{{aspect_ratio}}", "duration": "{{duration_s}}", "cfg_scale": 0.5},
	}
}

func newEngine(t *testing.T, cfg provider.Config) *replicate.Engine {
	t.Helper()
	e, err := replicate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func testSpec() slate.RenderSpec {
	return slate.RenderSpec{JobID: "job_1", ShotID: "shot_1", ShotName: "1A",
		Prompt: `a lighthouse at dusk, "storm" rolling in`, NegativePrompt: "blurry", Seed: 8_070_450_532_247_928_831,
		Engine: "kling", Tier: "standard", DurationMS: 4000, Width: 1280, Height: 720, FrameRate: 24, AspectRatio: "9:16"}
}

func TestRequestMapping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, model, path, version string
	}{
		{"an official model by name", "kwaivgi/kling-v2.0", "/v1/models/kwaivgi/kling-v2.0/predictions", ""},
		{"a pinned version", "kwaivgi/kling-v2.0:" + replicatetest.KlingV20.Version, "/v1/predictions", replicatetest.KlingV20.Version},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFake(t)
			cfg := klingV20(s, &waits{})
			cfg.Model = tc.model
			e := newEngine(t, cfg)
			spec := testSpec()
			spec.DurationMS = 7000 // Kling renders 5 or 10 s
			tk, err := e.Submit(waitfor.Context(t), spec)
			if err != nil {
				t.Fatal(err)
			}
			if tk.ID == "" || tk.ID != s.Predictions()[0] || tk.Data != "" {
				t.Errorf("ticket = %+v, want the prediction id %v and no data", tk, s.Predictions())
			}
			req := s.LastCreate()
			if req.Path != tc.path {
				t.Errorf("path = %s, want %s", req.Path, tc.path)
			}
			if got := req.Header.Get("Authorization"); got != "Bearer "+replicatetest.Token {
				t.Errorf("Authorization = %q", got)
			}
			if got := req.Header.Get("Prefer"); got != "" {
				t.Errorf("Prefer = %q; the adapter polls and must not ask to wait", got)
			}
			if v, _ := req.Body["version"].(string); v != tc.version {
				t.Errorf("version = %q, want %q", v, tc.version)
			}
			input, _ := json.Marshal(req.Body["input"])
			want := `{"aspect_ratio":"9:16","cfg_scale":0.5,"duration":10,"negative_prompt":"blurry","prompt":"a lighthouse at dusk, \"storm\" rolling in"}`
			if string(input) != want {
				t.Errorf("input = %s\nwant    %s", input, want)
			}
			if n := s.Submissions(); n != 1 {
				t.Errorf("submissions = %d, want 1", n)
			}
		})
	}
}

func TestRenderWalksEveryState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		list bool
	}{
		{"output is the video's URL", false},
		{"output is a list, poster first", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newFake(t)
			s.SetOutcome(replicatetest.Outcome{List: tc.list})
			e := newEngine(t, klingV20(s, &waits{}))
			ctx := waitfor.Context(t)
			tk, err := e.Submit(ctx, testSpec())
			if err != nil {
				t.Fatal(err)
			}
			if st := s.Status(tk.ID); st != "starting" {
				t.Errorf("status after submit = %q, want starting", st)
			}
			dst := filepath.Join(t.TempDir(), "take.mp4")
			var rec enginetest.Recorder
			out, err := e.Await(ctx, testSpec(), tk, dst, rec.Add)
			if err != nil {
				t.Fatal(err)
			}
			if st := s.Status(tk.ID); st != "succeeded" {
				t.Errorf("status = %q, want succeeded", st)
			}
			// Four polls processing, one progress bar each, then 100 with
			// the file in place.
			if got, want := rec.Percents(), []int{25, 50, 75, 99, 100}; !slices.Equal(got, want) {
				t.Errorf("progress = %v, want %v", got, want)
			}
			data, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, s.Video()) {
				t.Errorf("downloaded %d bytes, not the %d-byte output", len(data), len(s.Video()))
			}
			info, err := media.Probe(ctx, "ffprobe", dst)
			if err != nil {
				t.Fatal(err)
			}
			if info.Width != 320 || info.Height != 180 || info.VideoCodec != "h264" {
				t.Errorf("probed %+v, want the fake's 320x180 H.264", info)
			}
			want := engine.Output{Model: "kwaivgi/kling-v2.0", Usage: engine.Usage{VideoMS: 5000, ComputeMS: 37250}}
			if out.Model != want.Model || out.Usage != want.Usage || out.Seed != nil {
				t.Errorf("output = %+v (seed %v), want %+v", out, out.Seed, want)
			}
			if n := s.InFlight(); n != 0 {
				t.Errorf("in flight = %d after the end", n)
			}
		})
	}
}

func TestRenderReportsTheSeedTheModelWasGiven(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	cfg := klingV20(s, &waits{})
	cfg.Model, cfg.Options = "example/seeded-video", nil
	cfg.Input = map[string]any{"prompt": "{{prompt}}", "seed": "{{seed}}"}
	e := newEngine(t, cfg)
	spec := testSpec()
	tk, err := e.Submit(waitfor.Context(t), spec)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Await(waitfor.Context(t), spec, tk, filepath.Join(t.TempDir(), "take.mp4"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Seed == nil || *out.Seed != spec.Seed {
		t.Errorf("seed = %v, want %d (all 64 bits)", out.Seed, spec.Seed)
	}
	if got := s.LastCreate().Body["input"].(map[string]any)["seed"]; got != json.Number("8070450532247928831") {
		t.Errorf("seed sent = %v", got)
	}
}

func TestResumeFromTheTicketAlone(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	s.SetOutcome(replicatetest.Outcome{Hold: true})
	first := newEngine(t, klingV20(s, &waits{}))
	tk, err := first.Submit(waitfor.Context(t), testSpec())
	if err != nil {
		t.Fatal(err)
	}
	// The worker saves the ticket on the job and dies; another reads it.
	saved, err := json.Marshal(tk)
	if err != nil {
		t.Fatal(err)
	}
	var loaded engine.Ticket
	if err := json.Unmarshal(saved, &loaded); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(saved), replicatetest.Token) {
		t.Fatalf("the ticket holds the API token: %s", saved)
	}
	second := newEngine(t, klingV20(s, &waits{}))
	done := make(chan error, 1)
	go func() {
		_, err := second.Await(waitfor.Context(t), testSpec(), loaded, filepath.Join(t.TempDir(), "take.mp4"), nil)
		done <- err
	}()
	waitfor.Until(t, func() error {
		if s.Polls(tk.ID) < 6 {
			return errors.New("the second worker has not caught up with the held prediction")
		}
		return nil
	})
	s.Release(tk.ID)
	if err, _ := waitfor.Recv(t, "the resumed render", done); err != nil {
		t.Fatal(err)
	}
	if n, c := s.Submissions(), s.Creates(); n != 1 || c != 1 {
		t.Errorf("submissions = %d, create calls = %d; want one of each", n, c)
	}
}

func TestOffer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		tiers   map[string]string
		options string
		want    slate.EngineOffer
	}{
		{"defaults: every tier, any duration", nil, "",
			slate.EngineOffer{Tiers: []string{"4k", "draft", "high", "standard"}}},
		{"the entry's tiers and listed durations", map[string]string{"standard": "standard", "high": "pro"}, `{"durations_s": [10, 5]}`,
			slate.EngineOffer{Tiers: []string{"high", "standard"}, DurationsMS: []int64{5000, 10000}}},
		{"a range of durations", map[string]string{"draft": "480p"}, `{"min_s": 2, "max_s": 8.5, "step_s": 0.5}`,
			slate.EngineOffer{Tiers: []string{"draft"}, MinMS: 2000, MaxMS: 8500, StepMS: 500}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := provider.Config{Name: "kling", Model: "kwaivgi/kling-v2.1", APIKey: "k", Tiers: tc.tiers,
				Options: json.RawMessage(tc.options), Input: map[string]any{"prompt": "{{prompt}}"}}
			got := newEngine(t, cfg).Offer()
			tc.want.Name, tc.want.Adapter, tc.want.Model = "kling", "replicate", "kwaivgi/kling-v2.1"
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(tc.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("offer = %s\nwant    %s", gotJSON, wantJSON)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	const key = "r8_SecretTokenThatMustNotLeak"
	good := func() provider.Config {
		return provider.Config{Name: "kling", Model: "kwaivgi/kling-v2.1", APIKey: key,
			Input: map[string]any{"prompt": "{{prompt}}"}}
	}
	for _, tc := range []struct {
		name string
		edit func(*provider.Config)
		want string
	}{
		{"no owner", func(c *provider.Config) { c.Model = "kling-v2.1" }, `model: "kling-v2.1" is not owner/name`},
		{"empty version", func(c *provider.Config) { c.Model = "kwaivgi/kling-v2.1:" }, "model:"},
		{"a path in the name", func(c *provider.Config) { c.Model = "a/b/c" }, "model:"},
		{"no key", func(c *provider.Config) { c.APIKey = "" }, "api_key_env:"},
		{"base URL", func(c *provider.Config) { c.BaseURL = "ftp://example.com" }, "base_url:"},
		{"no input", func(c *provider.Config) { c.Input = nil }, "input: required"},
		{"unknown placeholder", func(c *provider.Config) { c.Input["duration"] = "{{duration}}" }, "input.duration: unknown placeholder {{duration}}"},
		{"unknown tier", func(c *provider.Config) { c.Tiers = map[string]string{"ultra": "1080p"} }, `tiers: unknown tier "ultra"`},
		{"empty resolution", func(c *provider.Config) { c.Tiers = map[string]string{"high": ""} }, "tiers.high: empty"},
		{"unknown option", func(c *provider.Config) { c.Options = json.RawMessage(`{"durations": [5]}`) }, `options: json: unknown field "durations"`},
		{"bad duration", func(c *provider.Config) { c.Options = json.RawMessage(`{"durations_s": [5, -1]}`) }, "options.durations_s: -1"},
		{"a duration twice", func(c *provider.Config) { c.Options = json.RawMessage(`{"durations_s": [5, 5]}`) }, "listed twice"},
		{"list and range", func(c *provider.Config) { c.Options = json.RawMessage(`{"durations_s": [5], "max_s": 10}`) }, "cannot be given with"},
		{"min over max", func(c *provider.Config) { c.Options = json.RawMessage(`{"min_s": 10, "max_s": 5}`) }, "min_s is more than max_s"},
		{"aspect ratio", func(c *provider.Config) { c.Options = json.RawMessage(`{"aspect_ratios": ["4:3"]}`) }, `options.aspect_ratios: unknown aspect ratio "4:3"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := good()
			tc.edit(&cfg)
			_, err := replicate.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), `replicate engine "kling": `) || strings.Contains(err.Error(), key) {
				t.Errorf("err = %v: it must name the entry and never the key", err)
			}
		})
	}
}

func TestNewRefusesANamelessEntry(t *testing.T) {
	t.Parallel()
	_, err := replicate.New(provider.Config{Model: "kwaivgi/kling-v2.1", APIKey: "k", Input: map[string]any{"prompt": "{{prompt}}"}})
	if err == nil || !strings.Contains(err.Error(), "name: empty") {
		t.Errorf("err = %v", err)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	cfg := klingV20(s, &waits{})
	if err := newEngine(t, cfg).Check(waitfor.Context(t)); err != nil {
		t.Errorf("good token: %v", err)
	}
	cfg.APIKey = "r8_WrongToken"
	err := newEngine(t, cfg).Check(waitfor.Context(t))
	if e := engine.AsError(err); err == nil || e.Code != slate.JobErrEngineUnavailable || e.Retryable ||
		!strings.Contains(e.Message, "401 You did not pass a valid authentication token") || strings.Contains(e.Message, "r8_WrongToken") {
		t.Errorf("bad token: %v", err)
	}
	gone := newFake(t)
	cfg.BaseURL = gone.BaseURL()
	gone.Close()
	if e := engine.AsError(newEngine(t, cfg).Check(waitfor.Context(t))); e == nil || e.Code != slate.JobErrEngineUnavailable || !e.Retryable {
		t.Errorf("unreachable: %v", e)
	}
}
