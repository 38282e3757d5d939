// Package fal is the engine that renders shots on fal.ai through its queue
// API: a request is submitted to https://queue.fal.run/{model}, its
// status_url is polled through IN_QUEUE and IN_PROGRESS to COMPLETED, its
// response_url gives the model's output, whose video is downloaded, and
// cancel_url stops it. The request id and those URLs are the ticket a
// worker saves, so another worker resumes the request instead of paying
// for a second one. It is written against Wan's text-to-video models,
// which take a length in frames; the package's fake provider is faltest.
package fal

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// Adapter is the adapter's name in the engines file.
const Adapter = "fal"

// DefaultBaseURL is fal's queue endpoint.
const DefaultBaseURL = "https://queue.fal.run"

// Options are the fal-specific settings of an engines-file entry. A model
// the adapter knows needs none; any other Wan-like model needs its frame
// rate and frame counts.
type Options struct {
	FramesPerSecond int      `json:"frames_per_second,omitempty"`
	NumFrames       []int    `json:"num_frames,omitempty"`
	MinFrames       int      `json:"min_frames,omitempty"`
	MaxFrames       int      `json:"max_frames,omitempty"`
	AspectRatios    []string `json:"aspect_ratios,omitempty"`
	Resolutions     []string `json:"resolutions,omitempty"`
	// Input are further model inputs sent with every request, such as
	// {"enable_prompt_expansion": false}; the shot's own fields cannot be
	// set here.
	Input map[string]any `json:"input,omitempty"`
}

// mapped are the inputs the adapter fills from the shot.
var mapped = []string{"prompt", "negative_prompt", "seed", "num_frames", "frames_per_second", "resolution", "aspect_ratio", "image_url"}

// Engine renders on one fal model. It is safe for concurrent renders.
type Engine struct {
	cfg    provider.Config
	model  Model
	tiers  map[string]string
	extra  map[string]any
	client *provider.Client
	hc     *http.Client
}

var (
	_ engine.Hosted    = (*Engine)(nil)
	_ engine.Offerer   = (*Engine)(nil)
	_ provider.Checker = (*Engine)(nil)
)

// New checks cfg, refusing with an error that names the field at fault.
func New(cfg provider.Config) (*Engine, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("fal: engine %q: "+format, append([]any{cfg.Name}, args...)...)
	}
	if cfg.Name == "" {
		return nil, fail("name is empty")
	}
	if cfg.Model == "" {
		return nil, fail("model is empty; set it to a fal model id such as fal-ai/wan-t2v")
	}
	if err := checkModelID(cfg.Model); err != nil {
		return nil, fail("model: %v", err)
	}
	if cfg.APIKey == "" {
		return nil, fail("the API key is empty; set api_key_env to a variable holding a fal key")
	}
	var opt Options
	if len(bytes.TrimSpace(cfg.Options)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(cfg.Options))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&opt); err != nil {
			return nil, fail("options: %v", err)
		}
	}
	m, err := modelOf(cfg.Model, opt)
	if err != nil {
		return nil, fail("%v", err)
	}
	for k := range opt.Input {
		if slices.Contains(mapped, k) {
			return nil, fail("options.input.%s is filled from the shot and cannot be set", k)
		}
	}
	tiers := cfg.Tiers
	if tiers == nil {
		tiers = defaultTiers
	}
	if len(tiers) == 0 {
		return nil, fail("tiers is empty; it must map at least one tier to a resolution")
	}
	for t, res := range tiers {
		if !slices.Contains(slate.Tiers, t) {
			return nil, fail("tiers.%s: no such tier (tiers are %v)", t, slate.Tiers)
		}
		if res == "" || len(m.Resolutions) > 0 && !slices.Contains(m.Resolutions, res) {
			return nil, fail("tiers.%s: %s renders %v, not %q", t, cfg.Model, m.Resolutions, res)
		}
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	client, err := provider.NewClient("fal", base, http.Header{"Authorization": {"Key " + cfg.APIKey}}, cfg.HTTP)
	if err != nil {
		return nil, fail("base_url: %v", err)
	}
	client.Timeout = cfg.Timeout
	return &Engine{cfg: cfg, model: m, tiers: maps.Clone(tiers), extra: opt.Input, client: client, hc: client.HTTP}, nil
}

// modelOf is what the adapter knows of model, with opt's settings over it.
func modelOf(model string, opt Options) (Model, error) {
	m, known := knownModels[model]
	if opt.FramesPerSecond != 0 {
		m.FPS = opt.FramesPerSecond
	}
	if len(opt.NumFrames) > 0 {
		m.Frames, m.MinFrames, m.MaxFrames = opt.NumFrames, 0, 0
	}
	if opt.MinFrames != 0 || opt.MaxFrames != 0 {
		if len(opt.NumFrames) > 0 {
			return Model{}, errors.New("options: set num_frames or min_frames and max_frames, not both")
		}
		m.Frames, m.MinFrames, m.MaxFrames = nil, opt.MinFrames, opt.MaxFrames
	}
	if opt.AspectRatios != nil {
		for _, ar := range opt.AspectRatios {
			if !slices.Contains(slate.AspectRatios, ar) {
				return Model{}, fmt.Errorf("options.aspect_ratios: %q is not an aspect ratio a project has (%v)", ar, slate.AspectRatios)
			}
		}
		m.AspectRatios = opt.AspectRatios
	}
	if opt.Resolutions != nil {
		m.Resolutions = opt.Resolutions
	}
	if err := m.check(); err != nil {
		if !known && m.FPS == 0 && len(m.Frames) == 0 && m.MaxFrames == 0 {
			return Model{}, fmt.Errorf("model %q is not one the fal adapter knows; set options.frames_per_second and options.num_frames (or options.min_frames and options.max_frames) from its input schema", model)
		}
		return Model{}, err
	}
	return m, nil
}

// Name returns the engine's name in Slate.
func (e *Engine) Name() string { return e.cfg.Name }

// Render submits spec and waits for it, for callers that keep no ticket.
func (e *Engine) Render(ctx context.Context, spec slate.RenderSpec, dst string, progress func(engine.Progress)) error {
	return engine.RenderHosted(ctx, e, spec, dst, progress)
}

// Offer is the tiers the entry maps, the lengths the model renders, and
// whether it needs a start image (an image-to-video model does).
func (e *Engine) Offer() slate.EngineOffer {
	o := slate.EngineOffer{Name: e.cfg.Name, Adapter: Adapter, Model: e.cfg.Model, StartImage: e.model.StartImage}
	for _, t := range slate.Tiers {
		if _, ok := e.tiers[t]; ok {
			o.Tiers = append(o.Tiers, t)
		}
	}
	o.DurationsMS, o.MinMS, o.MaxMS, o.StepMS = e.model.durations()
	return o
}

// Check asks fal for the status of a request that does not exist: a key
// fal accepts is answered 404 (no such request), one it refuses 401 or
// 403. It costs nothing and submits nothing.
func (e *Engine) Check(ctx context.Context) error {
	err := e.client.Do(ctx, http.MethodGet, requestURL(AppID(e.cfg.Model), newID())+"/status", nil, nil)
	var se *provider.StatusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusBadRequest || se.Status == http.StatusUnprocessableEntity):
		return nil
	case errors.As(err, &se) && se.Waits():
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "fal's queue answered %d: %s", se.Status, detailOf(se.Body))
	case errors.As(err, &se):
		return failure(se, "")
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return engine.Errorf(slate.JobErrEngineUnavailable, true, "fal: cannot reach the queue: %v", err)
}

// requestURL is a request's URL under app by fal's documented rule, for a
// ticket that lost the URLs fal handed out.
func requestURL(app, id string) string {
	return app + "/requests/" + url.PathEscape(id)
}

// newID returns a random UUID (version 4), the form of fal's request ids.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
