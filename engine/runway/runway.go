// Package runway is the engine that renders a shot with Runway's API: it
// creates a task (POST /v1/text_to_video, or /v1/image_to_video from a start
// frame), polls GET /v1/tasks/{id} through PENDING, THROTTLED and RUNNING
// until it SUCCEEDED, FAILED or was CANCELLED, and downloads the output at
// once, since Runway's output URLs expire within a day or two. Every call
// carries the key and the X-Runway-Version the adapter was written for.
// Runway bills credits per second of video by model and reports no price
// per task, so the take's provider cost comes from the entry's rates.
package runway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// Adapter is the adapter's name in the engines file.
const Adapter = "runway"

// DefaultBaseURL is Runway's documented API root.
const DefaultBaseURL = "https://api.dev.runwayml.com"

// Version is the X-Runway-Version every call sends: the API version this
// adapter speaks, the one Runway's SDKs pin (2024-11-06).
const Version = "2024-11-06"

// Options are the entry's Runway settings.
type Options struct {
	// Audio asks Veo 3.1 models for a soundtrack (true) or a silent video
	// (false); absent leaves Runway's default. Audio changes the price.
	Audio *bool `json:"audio,omitempty"`
	// PublicFigureThreshold is Gen-4 models' contentModeration setting:
	// "auto" (Runway's default) or "low", less strict about recognisable
	// public figures.
	PublicFigureThreshold string `json:"public_figure_threshold,omitempty"`
}

// Engine renders on Runway. It is safe for concurrent renders.
type Engine struct {
	cfg    provider.Config
	opts   Options
	model  model
	tiers  map[string]string
	client *provider.Client
}

var (
	_ engine.Hosted    = (*Engine)(nil)
	_ engine.Offerer   = (*Engine)(nil)
	_ provider.Checker = (*Engine)(nil)
)

// New checks cfg and returns the engine. Errors name the field at fault.
func New(cfg provider.Config) (*Engine, error) {
	if cfg.Name == "" {
		return nil, errors.New("runway: name is empty")
	}
	where := fmt.Sprintf("runway engine %q", cfg.Name)
	if cfg.Model == "" {
		return nil, fmt.Errorf("%s: model is empty (a Runway video model: %s)", where, strings.Join(Models(), ", "))
	}
	m, ok := models[cfg.Model]
	if !ok {
		return nil, fmt.Errorf("%s: model: this adapter renders with %s, not %q", where, strings.Join(Models(), ", "), cfg.Model)
	}
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("%s: the API key is empty (set the variable api_key_env names)", where)
	}
	var opts Options
	if len(bytes.TrimSpace(cfg.Options)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(cfg.Options))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&opts); err != nil {
			return nil, fmt.Errorf("%s: options: %v", where, err)
		}
	}
	if opts.Audio != nil && !m.audio {
		return nil, fmt.Errorf("%s: options.audio: %s takes no audio setting (veo3.1 and veo3.1_fast do)", where, cfg.Model)
	}
	switch {
	case opts.PublicFigureThreshold == "":
	case !m.moderation:
		return nil, fmt.Errorf("%s: options.public_figure_threshold: %s takes no moderation setting (gen4.5 and gen4_turbo do)", where, cfg.Model)
	case opts.PublicFigureThreshold != "auto" && opts.PublicFigureThreshold != "low":
		return nil, fmt.Errorf("%s: options.public_figure_threshold: %q is not auto or low", where, opts.PublicFigureThreshold)
	}
	tiers := m.tiers
	if cfg.Tiers != nil {
		tiers = cfg.Tiers
	}
	if len(tiers) == 0 {
		return nil, fmt.Errorf("%s: tiers is empty", where)
	}
	for tier, res := range tiers {
		if !slices.Contains(slate.Tiers, tier) {
			return nil, fmt.Errorf("%s: tiers: %q is not a tier (%s)", where, tier, strings.Join(slate.Tiers, ", "))
		}
		if !slices.Contains(m.resolutions(), res) {
			return nil, fmt.Errorf("%s: tiers.%s: %s renders %s, not %q", where, tier, cfg.Model, strings.Join(m.resolutions(), ", "), res)
		}
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	header := http.Header{"Authorization": {"Bearer " + cfg.APIKey}, "X-Runway-Version": {Version}}
	client, err := provider.NewClient("runway", base, header, cfg.HTTP)
	if err != nil {
		return nil, fmt.Errorf("%s: base_url: %v", where, err)
	}
	client.Timeout = cfg.Timeout
	return &Engine{cfg: cfg, opts: opts, model: m, tiers: tiers, client: client}, nil
}

// Name returns the engine's name in the engines file.
func (e *Engine) Name() string { return e.cfg.Name }

// Render submits spec and waits for its video.
func (e *Engine) Render(ctx context.Context, spec slate.RenderSpec, dst string, progress func(engine.Progress)) error {
	return engine.RenderHosted(ctx, e, spec, dst, progress)
}

// Offer is the tiers the entry maps to resolutions and the lengths the
// model renders: 2 to 10 s in whole seconds for Gen-4, 8 s for Veo 3,
// 4, 6 or 8 s for Veo 3.1. A model that renders only from a start image
// says so.
func (e *Engine) Offer() slate.EngineOffer {
	var tiers []string
	for _, t := range slate.Tiers {
		if _, ok := e.tiers[t]; ok {
			tiers = append(tiers, t)
		}
	}
	o := slate.EngineOffer{Name: e.cfg.Name, Adapter: Adapter, Model: e.cfg.Model, Tiers: tiers,
		StartImage: slate.StartImageOptional}
	if e.model.fromText == nil {
		o.StartImage = slate.StartImageRequired
	}
	if len(e.model.durationsS) > 0 {
		for _, s := range e.model.durationsS {
			o.DurationsMS = append(o.DurationsMS, s*1000)
		}
	} else {
		o.MinMS, o.MaxMS, o.StepMS = e.model.minS*1000, e.model.maxS*1000, 1000
	}
	return o
}

// Check asks for the organisation (GET /v1/organization), which costs
// nothing: it fails when Runway refuses the key, when the organisation has
// no credits left, or when its tier lists models but not this one.
func (e *Engine) Check(ctx context.Context) error {
	var org struct {
		CreditBalance *int64 `json:"creditBalance"`
		Tier          struct {
			Models map[string]json.RawMessage `json:"models"`
		} `json:"tier"`
	}
	if err := e.client.Do(ctx, http.MethodGet, "v1/organization", nil, &org); err != nil {
		return e.callError(ctx, "checking the organisation", err)
	}
	switch {
	case org.CreditBalance == nil:
		return engine.Errorf(slate.JobErrEngineUnavailable, false,
			"runway: GET /v1/organization answered without a credit balance; is base_url Runway's API?")
	case *org.CreditBalance <= 0:
		return engine.Errorf(slate.JobErrQuotaExceeded, false,
			"runway: the organisation has no credits left (buy credits at dev.runwayml.com)")
	case len(org.Tier.Models) > 0 && org.Tier.Models[e.cfg.Model] == nil:
		return engine.Errorf(slate.JobErrEngineUnavailable, false,
			"runway: the organisation's tier lists no limits for %s, so it cannot use it", e.cfg.Model)
	}
	return nil
}

// Cancel asks Runway to stop the task (DELETE /v1/tasks/{id}), which
// cancels a pending, throttled or running task and deletes a finished one.
// A task Runway no longer has is as good as cancelled.
func (e *Engine) Cancel(ctx context.Context, t engine.Ticket) error {
	err := e.client.Do(ctx, http.MethodDelete, "v1/tasks/"+url.PathEscape(t.ID), nil, nil)
	if se, ok := errors.AsType[*provider.StatusError](err); ok && se.Status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return e.callError(ctx, "cancelling task "+t.ID, err)
	}
	return nil
}
