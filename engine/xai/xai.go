// Package xai is the engine that renders a shot with xAI's Grok Imagine
// video models: it starts a video generation (POST /v1/videos/generations),
// polls the deferred request until it is done, failed or expired, and
// downloads the video. xAI reports each render's price, which the take
// keeps as the provider's cost; it documents no way to cancel a request.
package xai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// Adapter is the adapter's name in the engines file.
const Adapter = "xai"

// DefaultBaseURL is xAI's documented API root.
const DefaultBaseURL = "https://api.x.ai"

// DefaultTiers maps Slate's tiers to the resolutions grok-imagine-video
// renders. It has two, so high is 720p like standard, and 4k is not
// offered.
var DefaultTiers = map[string]string{
	"draft":    "480p",
	"standard": "720p",
	"high":     "720p",
}

// Resolutions are the resolutions the API documents for video.
var Resolutions = []string{"480p", "720p"}

// AspectRatios are the aspect ratios the API documents for video.
var AspectRatios = []string{"1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3"}

// The lengths the API documents: whole seconds from 1 to 15.
const (
	minMS  = 1000
	maxMS  = 15000
	stepMS = 1000
)

// Engine renders on xAI. It is safe for concurrent renders.
type Engine struct {
	cfg    provider.Config
	tiers  map[string]string
	client *provider.Client
}

var (
	_ engine.Hosted    = (*Engine)(nil)
	_ engine.Offerer   = (*Engine)(nil)
	_ provider.Checker = (*Engine)(nil)
)

// New checks cfg and returns the engine. Errors name the field at fault.
// The adapter has no options of its own; any are refused.
func New(cfg provider.Config) (*Engine, error) {
	if cfg.Name == "" {
		return nil, errors.New("xai: name is empty")
	}
	where := fmt.Sprintf("xai engine %q", cfg.Name)
	if cfg.Model == "" {
		return nil, fmt.Errorf("%s: model is empty (a Grok Imagine video model, such as grok-imagine-video)", where)
	}
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("%s: the API key is empty (set the variable api_key_env names)", where)
	}
	if len(bytes.TrimSpace(cfg.Options)) > 0 {
		var none struct{}
		dec := json.NewDecoder(bytes.NewReader(cfg.Options))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&none); err != nil {
			return nil, fmt.Errorf("%s: options: the xai adapter takes none: %v", where, err)
		}
	}
	tiers := DefaultTiers
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
		if !slices.Contains(Resolutions, res) {
			return nil, fmt.Errorf("%s: tiers.%s: xAI renders %s, not %q", where, tier, strings.Join(Resolutions, ", "), res)
		}
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	header := http.Header{"Authorization": {"Bearer " + cfg.APIKey}}
	client, err := provider.NewClient("xai", base, header, cfg.HTTP)
	if err != nil {
		return nil, fmt.Errorf("%s: base_url: %v", where, err)
	}
	client.Timeout = cfg.Timeout
	return &Engine{cfg: cfg, tiers: tiers, client: client}, nil
}

// Name returns the engine's name in the engines file.
func (e *Engine) Name() string { return e.cfg.Name }

// Render submits spec and waits for its video.
func (e *Engine) Render(ctx context.Context, spec slate.RenderSpec, dst string, progress func(engine.Progress)) error {
	return engine.RenderHosted(ctx, e, spec, dst, progress)
}

// Offer is the tiers the entry maps to resolutions and the lengths the
// model renders: 1 to 15 s in whole seconds. A start image is sent when
// the shot has one.
func (e *Engine) Offer() slate.EngineOffer {
	var tiers []string
	for _, t := range slate.Tiers {
		if _, ok := e.tiers[t]; ok {
			tiers = append(tiers, t)
		}
	}
	return slate.EngineOffer{Name: e.cfg.Name, Adapter: Adapter, Model: e.cfg.Model,
		Tiers: tiers, MinMS: minMS, MaxMS: maxMS, StepMS: stepMS, StartImage: slate.StartImageOptional}
}

// Check asks xAI about the key itself (GET /v1/api-key), which costs
// nothing, and fails when xAI says the key or its team is blocked or the
// key disabled.
func (e *Engine) Check(ctx context.Context) error {
	var info struct {
		Redacted    *string `json:"redacted_api_key"`
		KeyBlocked  bool    `json:"api_key_blocked"`
		KeyDisabled bool    `json:"api_key_disabled"`
		TeamBlocked bool    `json:"team_blocked"`
	}
	if err := e.client.Do(ctx, http.MethodGet, "v1/api-key", nil, &info); err != nil {
		return e.callError(ctx, "checking the key", err)
	}
	switch {
	case info.Redacted == nil:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "xai: GET /v1/api-key answered without the key's details; is base_url xAI's API?")
	case info.KeyBlocked:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "xai: the API key is blocked")
	case info.KeyDisabled:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "xai: the API key is disabled")
	case info.TeamBlocked:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "xai: the key's team is blocked")
	}
	return nil
}

// Cancel does nothing: xAI documents no way to stop a video generation,
// so it runs to its end at the provider and is billed there.
func (e *Engine) Cancel(context.Context, engine.Ticket) error { return nil }
