package comfyui_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/engine"
	"slate/engine/comfyui"
	"slate/engine/enginetest"
	"slate/media"
)

const hostile = `"}, "99": {"class_type": "Evil"}, "x": "{{seed}} \ ' %{pts} $(reboot)` + "\n🎬"

func newEngine(t *testing.T, baseURL string, cfg comfyui.Config) *comfyui.Engine {
	t.Helper()
	tmpl, err := comfyui.LoadTemplate(filepath.Join("testdata", "wan_t2v.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseURL, cfg.Template = baseURL, tmpl
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 20 * time.Millisecond
	}
	e, err := comfyui.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

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

func TestRender(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		noSocket bool
	}{
		{"with the websocket", false},
		{"polling only", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(f *fake) {
				f.noSocket = tc.noSocket
				if !tc.noSocket {
					f.heard = make(chan struct{})
				}
			})
			e := newEngine(t, f.srv.URL, comfyui.Config{})
			spec := testSpec()
			spec.Prompt = hostile
			dst := filepath.Join(t.TempDir(), "take.mp4")
			var rec enginetest.Recorder
			report := func(p engine.Progress) {
				rec.Add(p)
				if p.Percent == 99 { // the socket's 4 of 4
					f.release()
				}
			}
			if err := e.Render(context.Background(), spec, dst, report); err != nil {
				t.Fatal(err)
			}
			f.equalVideo(t, dst)
			if info, err := media.Probe(context.Background(), "", dst); err != nil || info.Width != 160 {
				t.Fatalf("Probe = %+v, %v", info, err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) != 1 {
				t.Errorf("%d files next to the take, want only the take", len(entries))
			}

			workflow, body := f.postedWorkflow(t)
			if len(workflow) != 10 {
				t.Errorf("posted %d nodes, want 10", len(workflow))
			}
			for _, c := range []struct {
				id, name string
				want     any
			}{
				{"6", "text", hostile},
				{"3s", "seed", json.Number("42")},
				{"40", "width", json.Number("854")},
				{"40", "height", json.Number("480")},
				{"40", "length", json.Number("60")},
				{"9", "fps", json.Number("24")},
			} {
				if got := input(t, workflow, c.id, c.name); got != c.want {
					t.Errorf("posted %s.inputs.%s = %#v, want %#v", c.id, c.name, got, c.want)
				}
			}
			if body["client_id"] == "" || body["prompt_id"] == "" {
				t.Errorf("posted without client_id or prompt_id: %v", body)
			}

			// The socket's four steps (the last kept below 100 until the
			// file is in place), never the other prompt's 9 of 10; polling
			// alone knows only the end.
			want := []int{25, 50, 75, 99, 100}
			if tc.noSocket {
				want = []int{100}
			}
			wantPercents(t, &rec, want...)
		})
	}
}

func TestRenderFails(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, tc := range []struct {
		name      string
		setup     func(f *fake)
		url       string
		cfg       comfyui.Config
		code      string
		retryable bool
		message   string
	}{
		{"node error", func(f *fake) { f.reject = true }, "", comfyui.Config{},
			slate.JobErrPromptRejected, false, "UNETLoader (node 1): Value not in list: unet_name"},
		{"server down", nil, down.URL, comfyui.Config{}, slate.JobErrEngineUnavailable, true, "cannot reach"},
		{"server error", func(f *fake) { f.status = http.StatusServiceUnavailable }, "", comfyui.Config{},
			slate.JobErrEngineUnavailable, true, "answered 503"},
		{"not comfyui", func(f *fake) { f.status = http.StatusNotFound }, "", comfyui.Config{},
			slate.JobErrEngineFailed, false, "answered 404"},
		{"timeout", func(f *fake) { f.stall = true }, "", comfyui.Config{RequestTimeout: 100 * time.Millisecond},
			slate.JobErrEngineTimeout, true, "took longer than 100ms"},
		{"node fails", func(f *fake) { f.fail = true }, "", comfyui.Config{},
			slate.JobErrEngineFailed, false, "KSampler (node 3s): CUDA out of memory"},
		// Without the socket the failure is read from the history's status.
		{"node fails, polling only", func(f *fake) { f.fail, f.noSocket = true, true }, "", comfyui.Config{},
			slate.JobErrEngineFailed, false, "ComfyUI failed in KSampler (node 3s): CUDA out of memory. Tried to allocate 2.00 GiB"},
		{"no output", func(f *fake) { f.noOutput = true }, "", comfyui.Config{},
			slate.JobErrEngineFailed, false, "saved no file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := tc.url
			if url == "" {
				url = newFake(t, tc.setup).srv.URL
			}
			e := newEngine(t, url, tc.cfg)
			out := t.TempDir()
			err := e.Render(context.Background(), testSpec(), filepath.Join(out, "take.mp4"), nil)
			var ee *engine.Error
			if !errors.As(err, &ee) {
				t.Fatalf("Render = %v, want an *engine.Error", err)
			}
			if ee.Code != tc.code || ee.Retryable != tc.retryable || !strings.Contains(ee.Message, tc.message) {
				t.Errorf("Render = %+v, want code %s retryable %v message containing %q", ee, tc.code, tc.retryable, tc.message)
			}
			assertEmpty(t, out)
		})
	}
}

func TestRenderCanceled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		setup func(f *fake)
		// interrupted: whether the engine should interrupt; a prompt still
		// queued is only deleted, since an interrupt would stop whatever
		// else is running.
		interrupted bool
	}{
		{"while running", func(f *fake) { f.hang = true }, true},
		{"while queued", func(f *fake) { f.pending = true }, false},
		// The case the check of /queue is for: an interrupt would stop the
		// other client's prompt on a ComfyUI that ignores its prompt_id.
		{"while queued behind another client's prompt", func(f *fake) { f.pending, f.busy = true, "someone-elses-prompt" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tc.setup)
			e := newEngine(t, f.srv.URL, comfyui.Config{})
			out := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// Cancel a running prompt at its first progress; a queued one,
			// which never makes progress, once the engine has it queued and
			// asks after it.
			if !tc.interrupted {
				go func() {
					select {
					case <-f.polled:
						cancel()
					case <-ctx.Done():
					}
				}()
			}
			// The fake never finishes the prompt, so Render ends only by
			// the cancel (or hangs the test).
			err := e.Render(ctx, testSpec(), filepath.Join(out, "take.mp4"), func(engine.Progress) { cancel() })
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Render = %v, want context.Canceled", err)
			}
			_, body := f.postedWorkflow(t)
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.deletes) != 1 || f.deletes[0] != body["prompt_id"] {
				t.Errorf("queue deletes %v, want prompt %v", f.deletes, body["prompt_id"])
			}
			switch {
			case tc.interrupted && (len(f.interrupts) != 1 || f.interrupts[0]["prompt_id"] != body["prompt_id"]):
				t.Errorf("interrupts %v, want one for prompt %v", f.interrupts, body["prompt_id"])
			case !tc.interrupted && len(f.interrupts) != 0:
				t.Errorf("interrupts %v, want none", f.interrupts)
			}
			if len(f.queued) != 0 {
				t.Errorf("still queued on the server: %v", f.queued)
			}
			assertEmpty(t, out)
		})
	}
}

// wantPercents fails t unless the engine reported exactly want, in order.
func wantPercents(t *testing.T, rec *enginetest.Recorder, want ...int) {
	t.Helper()
	if got := rec.Percents(); !slices.Equal(got, want) {
		t.Errorf("progress %v, want %v", got, want)
	}
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	tmpl, err := comfyui.LoadTemplate(filepath.Join("testdata", "wan_t2v.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  comfyui.Config
	}{
		{"no url", comfyui.Config{Template: tmpl}},
		{"not http", comfyui.Config{BaseURL: "ftp://comfy:8188", Template: tmpl}},
		{"no host", comfyui.Config{BaseURL: "http://", Template: tmpl}},
		{"no template", comfyui.Config{BaseURL: "http://127.0.0.1:8188"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := comfyui.New(tc.cfg); err == nil {
				t.Fatal("no error")
			}
		})
	}
}
