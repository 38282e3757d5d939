// Package comfyui is the engine that renders a shot on a ComfyUI server: it
// fills the operator's workflow template with the shot, queues it over
// ComfyUI's HTTP API, follows its progress on the websocket, and downloads
// the file the workflow saves.
package comfyui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"slate"
	"slate/engine"
)

// Name is the engine's name in specs and in the registry.
const Name = "comfyui"

// maxPollFailures is how many polls of /history in a row may fail before
// the render gives up on the server.
const maxPollFailures = 3

// Config configures the engine.
type Config struct {
	// Name is the engine's name; empty is "comfyui".
	Name string
	// BaseURL is the ComfyUI server, such as http://127.0.0.1:8188; a path
	// prefix for a server behind a proxy is kept.
	BaseURL string
	// Template is the workflow each render fills in.
	Template *Template
	// Client makes the requests; nil means a plain http.Client. Its own
	// Timeout, if any, bounds the download too.
	Client *http.Client
	// PollInterval is how often /history is asked whether the prompt is
	// done; 0 means one second.
	PollInterval time.Duration
	// RequestTimeout bounds each API call except the download; 0 means 30
	// seconds. A call that takes longer fails with engine_timeout.
	RequestTimeout time.Duration
}

// Engine renders on one ComfyUI server. It is safe for concurrent renders.
type Engine struct {
	cfg  Config
	base *url.URL
}

var _ engine.Engine = (*Engine)(nil)

// New checks cfg and returns the engine.
func New(cfg Config) (*Engine, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("comfyui: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	base.RawQuery, base.Fragment = "", ""
	if cfg.Template == nil {
		return nil, errors.New("comfyui: no workflow template")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	return &Engine{cfg: cfg, base: base}, nil
}

// Name returns "comfyui".
func (e *Engine) Name() string {
	if e.cfg.Name != "" {
		return e.cfg.Name
	}
	return Name
}

// Render queues spec's workflow, waits for it and downloads its output to
// dst. When ctx ends first, it takes the prompt out of ComfyUI's queue or
// interrupts it, so the GPU does not go on working for nobody.
func (e *Engine) Render(ctx context.Context, spec slate.RenderSpec, dst string, progress func(engine.Progress)) error {
	if progress == nil {
		progress = func(engine.Progress) {}
	}
	workflow := e.cfg.Template.Fill(spec)
	clientID, promptID := newID(), newID()

	// Listen before submitting, so no message about the prompt is missed.
	w := e.watch(ctx, clientID)
	defer w.close()

	id, err := e.submit(ctx, workflow, clientID, promptID)
	if err != nil {
		if ctx.Err() != nil {
			e.stopAfter(promptID)
			return ctx.Err()
		}
		return err
	}
	h, err := e.wait(ctx, id, w, progress)
	if ctx.Err() != nil {
		e.stopAfter(id)
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	file, ok := h.output()
	if !ok {
		return engine.Errorf(slate.JobErrEngineFailed, false, "ComfyUI finished but the workflow saved no file; does it end in a save node?")
	}
	if err := e.download(ctx, file, dst); err != nil {
		return err
	}
	progress(engine.Progress{Percent: 100})
	return nil
}

// stopAfter stops the prompt on the server with a context of its own, the
// render's being already done.
func (e *Engine) stopAfter(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), min(e.cfg.RequestTimeout, 5*time.Second))
	defer cancel()
	e.stop(ctx, id)
}

// wait follows the prompt until its history entry shows it finished, and
// returns that entry, or the failure it records.
func (e *Engine) wait(ctx context.Context, id string, w *watcher, progress func(engine.Progress)) (*historyEntry, error) {
	var events <-chan event
	if w != nil {
		events = w.events
	}
	poll := time.NewTicker(e.cfg.PollInterval)
	defer poll.Stop()
	var started time.Time
	percent, failures := 0, 0
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case ev, ok := <-events:
			if !ok {
				events = nil // the socket dropped; polling carries on
				continue
			}
			if ev.promptID != id {
				continue
			}
			if ev.failed != nil {
				return nil, ev.failed
			}
			if !ev.done {
				if started.IsZero() {
					started = time.Now()
				}
				// Progress is per node; never let a second sampler
				// starting over pull the bar back, and keep 100 for the
				// file in place.
				if p := min(ev.value*100/ev.max, 99); p >= percent {
					percent = p
					progress(engine.Progress{Percent: p, ETA: eta(started, p)})
				}
				continue
			}
		case <-poll.C:
		}
		h, err := e.history(ctx, id)
		if err != nil {
			// A render runs for minutes; one failed poll should not
			// throw it away.
			if failures++; failures < maxPollFailures || ctx.Err() != nil {
				continue
			}
			return nil, err
		}
		failures = 0
		if h == nil || h.Status != nil && !h.Status.Completed && h.Status.StatusStr != "error" {
			continue
		}
		if h.Status != nil && h.Status.StatusStr == "error" {
			return nil, h.failure()
		}
		return h, nil
	}
}

func eta(started time.Time, percent int) time.Duration {
	if percent <= 0 || started.IsZero() {
		return 0
	}
	elapsed := time.Since(started)
	return (elapsed * time.Duration(100-percent) / time.Duration(percent)).Round(time.Second / 10)
}

// download fetches the file through /view into a temporary file next to
// dst and renames it into place, so dst is whole or absent.
func (e *Engine) download(ctx context.Context, f fileRef, dst string) (err error) {
	query := url.Values{"filename": {f.Filename}, "subfolder": {f.Subfolder}, "type": {f.Type}}
	resp, err := e.send(ctx, http.MethodGet, "view", query, nil)
	if err != nil {
		return e.transportError(ctx, err, http.MethodGet, "view")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return asError(&statusError{method: http.MethodGet, path: "view", status: resp.StatusCode, body: body})
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.part")
	if err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "comfyui: %v", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, resp.Body); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "comfyui: downloading %s: %v", f.Filename, err)
	}
	if err := tmp.Sync(); err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "comfyui: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "comfyui: %v", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "comfyui: %v", err)
	}
	return nil
}

// newID returns a random UUID (version 4), the form ComfyUI uses for
// client and prompt ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Check asks the server for its queue, the cheapest call that shows it is
// a ComfyUI server and answers (`slate engines check`).
func (e *Engine) Check(ctx context.Context) error {
	var q struct {
		Running *[]any `json:"queue_running"`
	}
	if err := e.call(ctx, http.MethodGet, "queue", nil, nil, &q); err != nil {
		return asError(err)
	}
	// Any JSON answers 200 on some servers; only ComfyUI lists its queue.
	if q.Running == nil {
		return engine.Errorf(slate.JobErrEngineFailed, false, "comfyui: GET /queue at %s answered without queue_running; is it a ComfyUI server?",
			e.base.Redacted())
	}
	return nil
}
