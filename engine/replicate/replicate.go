// Package replicate is the engine that renders a shot with any video model
// on Replicate (replicate.com): it fills the engines-file entry's input
// template with the shot, creates a prediction over Replicate's HTTP API,
// polls it to the end, and downloads the video it made.
//
// The API it speaks is Replicate's documented predictions API: POST
// /v1/models/{owner}/{name}/predictions for an official model, or POST
// /v1/predictions with {"version": …} for a pinned version; GET
// /v1/predictions/{id} to follow it; POST /v1/predictions/{id}/cancel to
// stop it; GET /v1/account to check the key. Every call carries
// "Authorization: Bearer <token>". It never asks to wait ("Prefer: wait"):
// a render takes minutes and a worker follows it by polling, so the
// prediction id is saved before anything waits on it.
package replicate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// Adapter is the engines file's name for this adapter.
const Adapter = "replicate"

// DefaultBaseURL is Replicate's API.
const DefaultBaseURL = "https://api.replicate.com/v1"

// DefaultTiers maps Slate's tiers to the resolution names most video
// models on Replicate take; an entry's "tiers" replaces it with the
// model's own (Kling's "standard"/"pro", say).
var DefaultTiers = map[string]string{
	"draft":    "480p",
	"standard": "720p",
	"high":     "1080p",
	"4k":       "2160p",
}

// Engine renders with one model on Replicate. It is safe for concurrent
// renders.
type Engine struct {
	cfg     provider.Config
	client  *provider.Client
	owner   string
	name    string
	version string
	tmpl    *Template
	tiers   map[string]string
	ratios  []string
	offer   slate.EngineOffer
}

var (
	_ engine.Hosted    = (*Engine)(nil)
	_ engine.Offerer   = (*Engine)(nil)
	_ provider.Checker = (*Engine)(nil)
)

// options are the entry's adapter settings.
type options struct {
	// DurationsS are the only lengths the model renders, in seconds
	// (Kling: [5, 10]). MinS, MaxS and StepS bound them instead for a
	// model that takes a range. None set is no restriction.
	DurationsS []float64 `json:"durations_s"`
	MinS       float64   `json:"min_s"`
	MaxS       float64   `json:"max_s"`
	StepS      float64   `json:"step_s"`
	// AspectRatios, when set, are the only aspect ratios the model takes;
	// a shot in another is refused before anything is sent.
	AspectRatios []string `json:"aspect_ratios"`
	// StartImage is "required" when the model's schema requires the input
	// the template gives {{start_image}} (Kling v2.1's start_image), or
	// "optional". The adapter does not read the schema, so the entry says;
	// unset is optional for a template that places {{start_image}}.
	StartImage string `json:"start_image"`
}

var (
	modelPart = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	versionID = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// New checks cfg and returns the engine. Errors name the entry's field.
func New(cfg provider.Config) (*Engine, error) {
	e := &Engine{cfg: cfg}
	if cfg.Name == "" {
		return nil, errors.New("replicate engine: name: empty")
	}
	if err := e.parseModel(cfg.Model); err != nil {
		return nil, e.fail(err)
	}
	if cfg.APIKey == "" {
		return nil, e.fail(errors.New("api_key_env: the API token is empty"))
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	client, err := provider.NewClient("replicate", base, http.Header{"Authorization": {"Bearer " + cfg.APIKey}}, cfg.HTTP)
	if err != nil {
		return nil, e.fail(fmt.Errorf("base_url: %q is not an http(s) URL", base))
	}
	client.Timeout = cfg.Timeout
	e.client = client
	if e.tmpl, err = ParseTemplate(cfg.Input); err != nil {
		return nil, e.fail(err)
	}
	if err := e.parseTiers(cfg.Tiers); err != nil {
		return nil, e.fail(err)
	}
	opts, err := parseOptions(cfg.Options)
	if err != nil {
		return nil, e.fail(err)
	}
	e.ratios = opts.AspectRatios
	e.offer = slate.EngineOffer{Name: cfg.Name, Adapter: Adapter, Model: cfg.Model,
		Tiers: slices.Sorted(maps.Keys(e.tiers))}
	if e.offer.StartImage, err = opts.startImage(e.tmpl); err != nil {
		return nil, e.fail(err)
	}
	if err := opts.durations(&e.offer); err != nil {
		return nil, e.fail(err)
	}
	return e, nil
}

func (e *Engine) fail(err error) error {
	return fmt.Errorf("replicate engine %q: %w", e.cfg.Name, err)
}

func (e *Engine) parseModel(model string) error {
	ref, version, pinned := strings.Cut(model, ":")
	owner, name, ok := strings.Cut(ref, "/")
	if !ok || !modelPart.MatchString(owner) || !modelPart.MatchString(name) || (pinned && !versionID.MatchString(version)) {
		return fmt.Errorf("model: %q is not owner/name or owner/name:version", model)
	}
	e.owner, e.name, e.version = owner, name, version
	return nil
}

func (e *Engine) parseTiers(tiers map[string]string) error {
	if tiers == nil {
		e.tiers = DefaultTiers
		return nil
	}
	if len(tiers) == 0 {
		return errors.New("tiers: empty; leave it out to offer every tier")
	}
	for tier, res := range tiers {
		if !slices.Contains(slate.Tiers, tier) {
			return fmt.Errorf("tiers: unknown tier %q; tiers are %s", tier, strings.Join(slate.Tiers, ", "))
		}
		if res == "" {
			return fmt.Errorf("tiers.%s: empty resolution", tier)
		}
	}
	e.tiers = maps.Clone(tiers)
	return nil
}

func parseOptions(raw json.RawMessage) (options, error) {
	var o options
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return o, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("options: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return o, errors.New("options: data after the object")
	}
	for _, r := range o.AspectRatios {
		if !slices.Contains(slate.AspectRatios, r) {
			return o, fmt.Errorf("options.aspect_ratios: unknown aspect ratio %q; Slate's are %s", r, strings.Join(slate.AspectRatios, ", "))
		}
	}
	return o, nil
}

// startImage is the offer's StartImage: what the entry says, checked
// against whether its template has anywhere to put the image.
func (o options) startImage(t *Template) (string, error) {
	uses := t.Uses("start_image")
	switch o.StartImage {
	case "":
		if uses {
			return slate.StartImageOptional, nil
		}
		return "", nil
	case slate.StartImageOptional, slate.StartImageRequired:
		if !uses {
			return "", fmt.Errorf("options.start_image: %q, but the input template has no {{start_image}} to put the image in", o.StartImage)
		}
		return o.StartImage, nil
	}
	return "", fmt.Errorf("options.start_image: %q is neither %q nor %q", o.StartImage, slate.StartImageRequired, slate.StartImageOptional)
}

// durations puts the options' durations on the offer, in milliseconds.
func (o options) durations(offer *slate.EngineOffer) error {
	if len(o.DurationsS) > 0 && (o.MinS != 0 || o.MaxS != 0 || o.StepS != 0) {
		return errors.New("options: durations_s lists every length; it cannot be given with min_s, max_s or step_s")
	}
	for _, s := range o.DurationsS {
		ms, err := millis("options.durations_s", s)
		if err != nil {
			return err
		}
		if slices.Contains(offer.DurationsMS, ms) {
			return fmt.Errorf("options.durations_s: %g is listed twice", s)
		}
		offer.DurationsMS = append(offer.DurationsMS, ms)
	}
	slices.Sort(offer.DurationsMS)
	var err error
	for _, f := range []struct {
		name string
		s    float64
		ms   *int64
	}{{"min_s", o.MinS, &offer.MinMS}, {"max_s", o.MaxS, &offer.MaxMS}, {"step_s", o.StepS, &offer.StepMS}} {
		if f.s == 0 {
			continue
		}
		if *f.ms, err = millis("options."+f.name, f.s); err != nil {
			return err
		}
	}
	if offer.MaxMS > 0 && offer.MinMS > offer.MaxMS {
		return errors.New("options: min_s is more than max_s")
	}
	return nil
}

func millis(field string, s float64) (int64, error) {
	ms := s * 1000
	if s <= 0 || ms != float64(int64(ms)) || ms > 1e9 {
		return 0, fmt.Errorf("%s: %g is not a positive length in whole milliseconds", field, s)
	}
	return int64(ms), nil
}

// Name returns the entry's name.
func (e *Engine) Name() string { return e.cfg.Name }

// Offer is the tiers of the entry's tier map, the durations of its
// options, and whether the model takes a start image (see
// options.StartImage); MaxConcurrent is the catalog's to fill.
func (e *Engine) Offer() slate.EngineOffer {
	o := e.offer
	o.Tiers = slices.Clone(o.Tiers)
	o.DurationsMS = slices.Clone(o.DurationsMS)
	return o
}

// Render submits spec and waits for its video.
func (e *Engine) Render(ctx context.Context, spec slate.RenderSpec, dst string, progress func(engine.Progress)) error {
	return engine.RenderHosted(ctx, e, spec, dst, progress)
}

// Check asks Replicate who the token belongs to (GET /v1/account): the
// cheapest call that needs a valid token, and costs nothing.
func (e *Engine) Check(ctx context.Context) error {
	var acct struct {
		Username string `json:"username"`
	}
	if err := e.client.Do(ctx, http.MethodGet, "account", nil, &acct); err != nil {
		if se, ok := errors.AsType[*provider.StatusError](err); ok {
			return apiError(se, "checking the API token")
		}
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "replicate: cannot reach %s: %v", e.client.Base, err)
	}
	return nil
}

// Cancel asks Replicate to cancel the prediction. Cancelling is
// idempotent, so throttling and passing failures are tried again; a
// prediction Replicate no longer knows has nothing left to stop.
func (e *Engine) Cancel(ctx context.Context, t engine.Ticket) error {
	id, err := ticketID(t)
	if err != nil {
		return err
	}
	err = provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		err := e.client.Do(ctx, http.MethodPost, "predictions/"+id+"/cancel", nil, nil)
		if se, ok := errors.AsType[*provider.StatusError](err); ok && !se.Waits() {
			if se.Status == http.StatusNotFound {
				return provider.Step{Done: true}, nil
			}
			return provider.Step{}, apiError(se, "cancelling prediction "+id)
		}
		return provider.Step{Done: err == nil}, err
	})
	return err
}

// decodeJSON reads one JSON value, keeping numbers as written: a 64-bit
// seed would lose digits as a float.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the value")
	}
	return nil
}
