// Package luma is the engine that renders a shot with Luma's Dream Machine
// API (Ray 2 and Ray Flash 2): it creates a video generation, polls it
// through queued and dreaming until it is completed or failed, and
// downloads the video it made. Luma bills per pixel generated, reports no
// price per generation and takes no seed or negative prompt.
package luma

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
const Adapter = "luma"

// DefaultBaseURL is the Dream Machine API's documented root.
const DefaultBaseURL = "https://api.lumalabs.ai/dream-machine/v1"

// DefaultTiers maps Slate's tiers to the resolutions Ray 2 renders: its
// four resolutions, one a tier.
var DefaultTiers = map[string]string{
	"draft":    "540p",
	"standard": "720p",
	"high":     "1080p",
	"4k":       "4k",
}

// Resolutions are the resolutions the API documents for video.
var Resolutions = []string{"540p", "720p", "1080p", "4k"}

// AspectRatios are the aspect ratios the API documents for video.
var AspectRatios = []string{"1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"}

// Options are the entry's Luma settings.
type Options struct {
	// Loop asks for a video whose last frame leads back into its first.
	Loop bool `json:"loop,omitempty"`
	// DurationsS are the lengths, in seconds, the model renders; empty is
	// Ray 2's documented 5 and 9 seconds.
	DurationsS []int `json:"durations_s,omitempty"`
}

// Engine renders on Luma. It is safe for concurrent renders.
type Engine struct {
	cfg       provider.Config
	opts      Options
	tiers     map[string]string
	durations []int64
	client    *provider.Client
}

var (
	_ engine.Hosted    = (*Engine)(nil)
	_ engine.Offerer   = (*Engine)(nil)
	_ provider.Checker = (*Engine)(nil)
)

// New checks cfg and returns the engine. Errors name the field at fault.
func New(cfg provider.Config) (*Engine, error) {
	if cfg.Name == "" {
		return nil, errors.New("luma: name is empty")
	}
	where := fmt.Sprintf("luma engine %q", cfg.Name)
	if cfg.Model == "" {
		return nil, fmt.Errorf("%s: model is empty (a Dream Machine video model, such as ray-2)", where)
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
	durations := []int64{5000, 9000}
	if len(opts.DurationsS) > 0 {
		durations = durations[:0]
		for _, s := range opts.DurationsS {
			if s <= 0 {
				return nil, fmt.Errorf("%s: options.durations_s: %d is not a length in seconds", where, s)
			}
			durations = append(durations, int64(s)*1000)
		}
		slices.Sort(durations)
		durations = slices.Compact(durations)
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
			return nil, fmt.Errorf("%s: tiers.%s: Luma renders %s, not %q", where, tier, strings.Join(Resolutions, ", "), res)
		}
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	header := http.Header{"Authorization": {"Bearer " + cfg.APIKey}}
	client, err := provider.NewClient("luma", base, header, cfg.HTTP)
	if err != nil {
		return nil, fmt.Errorf("%s: base_url: %v", where, err)
	}
	client.Timeout = cfg.Timeout
	return &Engine{cfg: cfg, opts: opts, tiers: tiers, durations: durations, client: client}, nil
}

// Name returns the engine's name in the engines file.
func (e *Engine) Name() string { return e.cfg.Name }

// Render submits spec and waits for its video.
func (e *Engine) Render(ctx context.Context, spec slate.RenderSpec, dst string, progress func(engine.Progress)) error {
	return engine.RenderHosted(ctx, e, spec, dst, progress)
}

// Offer is the tiers the entry maps to resolutions and the lengths the
// model renders.
func (e *Engine) Offer() slate.EngineOffer {
	var tiers []string
	for _, t := range slate.Tiers {
		if _, ok := e.tiers[t]; ok {
			tiers = append(tiers, t)
		}
	}
	return slate.EngineOffer{Name: e.cfg.Name, Adapter: Adapter, Model: e.cfg.Model,
		Tiers: tiers, DurationsMS: slices.Clone(e.durations)}
}

// Check asks for the account's credit balance (GET /credits): the one
// documented call that needs the key and costs nothing.
func (e *Engine) Check(ctx context.Context) error {
	var credits struct {
		Balance *float64 `json:"credit_balance"`
	}
	if err := e.client.Do(ctx, http.MethodGet, "credits", nil, &credits); err != nil {
		return e.callError(ctx, "checking the key", err)
	}
	if credits.Balance == nil {
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "luma: GET /credits answered without a credit_balance; is base_url the Dream Machine API?")
	}
	return nil
}

// Cancel deletes the generation (DELETE /generations/{id}), the only way
// the API offers to drop one; a generation already gone is not an error.
func (e *Engine) Cancel(ctx context.Context, t engine.Ticket) error {
	err := e.client.Do(ctx, http.MethodDelete, "generations/"+pathID(t.ID), nil, nil)
	if se, ok := errors.AsType[*provider.StatusError](err); ok && se.Status == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return e.callError(ctx, "cancelling generation "+t.ID, err)
	}
	return nil
}
