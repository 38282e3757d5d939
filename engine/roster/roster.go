package roster

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"time"

	"slate"
	"slate/clock"
	"slate/engine"
	"slate/engine/comfyui"
	"slate/engine/preview"
	"slate/engine/provider"
	"slate/pricing"
)

// Deps are what building the engines takes from the process.
type Deps struct {
	// Getenv reads the keys; nil is os.Getenv.
	Getenv func(string) string
	// FFmpeg is the binary the preview engine renders with.
	FFmpeg string
	// HTTP makes hosted engines' calls; nil is a plain client.
	HTTP *http.Client
	// Pacing paces hosted engines' status polls; zero is each adapter's
	// default.
	Pacing provider.Pacing
	// Clock dates checks; nil is the system clock.
	Clock slate.Clock
}

// Roster is the deployment's engines, built from the engines file.
type Roster struct {
	reg         *engine.Registry
	entries     map[string]Entry
	offers      map[string]slate.EngineOffer
	rates       map[string]pricing.ProviderRate
	timeouts    map[string]time.Duration
	currency    string
	creditValue pricing.Micros
	book        pricing.Book
	clock       slate.Clock
	checks      map[string]*checkState
}

// Build checks every entry of f and builds its engine. It refuses, naming
// the entry and the field, an entry that is malformed, whose key variable
// is unset, or that the price book does not price. The preview engine is
// always there, under its own name, unless the file configures it.
func Build(f File, book pricing.Book, d Deps) (*Roster, error) {
	if d.Getenv == nil {
		d.Getenv = os.Getenv
	}
	r := &Roster{entries: map[string]Entry{}, offers: map[string]slate.EngineOffer{},
		rates: map[string]pricing.ProviderRate{}, timeouts: map[string]time.Duration{}, currency: f.Currency,
		book: book, clock: d.Clock, checks: map[string]*checkState{}}
	if r.clock == nil {
		r.clock = clock.System{}
	}
	if r.currency == "" {
		r.currency = "USD"
	}
	var err error
	if r.creditValue, err = pricing.ParseMicros(f.CreditValue); err != nil {
		return nil, fmt.Errorf("engines file: credit_value: %w", err)
	}
	entries := f.Engines
	builtIn := !slices.ContainsFunc(entries, func(e Entry) bool { return e.Name == slate.DefaultEngine })
	if builtIn {
		entries = append([]Entry{{Name: slate.DefaultEngine, Adapter: "preview"}}, entries...)
	}
	var engines []engine.Engine
	for i, e := range entries {
		if builtIn {
			i-- // the file's own numbering
		}
		fail := func(field, format string, args ...any) error {
			return fmt.Errorf("engines file: engine %q (entry %d): %s: %s", e.Name, i+1, field, fmt.Sprintf(format, args...))
		}
		if err := slate.ValidEngineName("name", e.Name); err != nil || e.Name == slate.ExportEngine {
			return nil, fail("name", "%q is not a usable engine name", e.Name)
		}
		if _, dup := r.entries[e.Name]; dup {
			return nil, fail("name", "another entry has this name")
		}
		if _, ok := book.Engine(e.Name); !ok {
			return nil, fail("name", "the price book has no price for this engine; add it to the pricing file's price_book.engines")
		}
		if e.MaxConcurrent < 0 {
			return nil, fail("max_concurrent", "must not be negative")
		}
		if e.Timeout != "" {
			t, err := time.ParseDuration(e.Timeout)
			if err != nil || t <= 0 {
				return nil, fail("timeout", "%q is not a positive duration such as \"20m\"", e.Timeout)
			}
			r.timeouts[e.Name] = t
		}
		for tier := range e.Tiers {
			if _, ok := book.Tier(tier); !ok {
				return nil, fail("tiers", "the price book has no tier %q", tier)
			}
		}
		pacing := d.Pacing
		if e.PollInterval != "" {
			p, err := time.ParseDuration(e.PollInterval)
			if err != nil || p <= 0 {
				return nil, fail("poll_interval", "%q is not a positive duration such as \"5s\"", e.PollInterval)
			}
			pacing.Interval = p
		}
		rate, err := r.rate(e)
		if err != nil {
			return nil, fail("cost", "%v", err)
		}
		eng, err := build(f, e, d, pacing)
		if err != nil {
			return nil, fail(fieldOf(err), "%v", err)
		}
		offer := slate.EngineOffer{Name: e.Name, Adapter: e.Adapter, Model: e.Model}
		if o, ok := eng.(engine.Offerer); ok {
			offer = o.Offer()
			offer.Name, offer.Adapter = e.Name, e.Adapter
		}
		offer.MaxConcurrent = e.MaxConcurrent
		for _, t := range offer.Tiers {
			if _, ok := book.Tier(t); !ok {
				return nil, fail("tiers", "the engine offers tier %q, which the price book lacks", t)
			}
		}
		r.entries[e.Name], r.offers[e.Name], r.rates[e.Name] = e, offer, rate
		r.checks[e.Name] = &checkState{}
		engines = append(engines, eng)
	}
	r.reg = engine.NewRegistry(engines...)
	return r, nil
}

// fieldError names the entry field an adapter refused.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.err.Error() }

func fieldOf(err error) string {
	if fe, ok := err.(*fieldError); ok {
		return fe.field
	}
	return "options"
}

// rate reads an entry's cost into a rate in the file's currency.
func (r *Roster) rate(e Entry) (pricing.ProviderRate, error) {
	if e.GPUHourCost != "" {
		if e.Cost != nil {
			return pricing.ProviderRate{}, fmt.Errorf("set cost or gpu_hour_cost, not both")
		}
		hour, err := pricing.ParseMicros(e.GPUHourCost)
		if err != nil {
			return pricing.ProviderRate{}, fmt.Errorf("gpu_hour_cost: %w", err)
		}
		return pricing.ProviderRate{Unit: "gpu_second", PerComputeSecond: 1_000_000, Value: hour, ValuePer: 3600}, nil
	}
	if e.Cost == nil {
		return pricing.ProviderRate{}, nil
	}
	c := e.Cost
	rate := pricing.ProviderRate{Unit: c.Unit, PerTier: map[string]pricing.Micros{}}
	if rate.Unit == "" {
		rate.Unit = r.currency
	}
	var err error
	for _, f := range []struct {
		name string
		in   string
		out  *pricing.Micros
	}{
		{"per_second", c.PerSecond, &rate.PerSecond}, {"per_compute_second", c.PerComputeSecond, &rate.PerComputeSecond},
		{"per_request", c.PerRequest, &rate.PerRequest}, {"unit_value", c.UnitValue, &rate.Value},
	} {
		if *f.out, err = pricing.ParseMicros(f.in); err != nil {
			return rate, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	for tier, p := range c.PerTier {
		if rate.PerTier[tier], err = pricing.ParseMicros(p); err != nil {
			return rate, fmt.Errorf("per_second_by_tier.%s: %w", tier, err)
		}
	}
	if rate.Unit != r.currency && c.UnitValue == "" {
		return rate, fmt.Errorf("unit %q is not the file's currency %q: say what one is worth with unit_value", rate.Unit, r.currency)
	}
	if rate.Unit != r.currency {
		rate.ValuePer = 1
	}
	return rate, nil
}

// build makes the entry's engine with its adapter.
func build(f File, e Entry, d Deps, pacing provider.Pacing) (engine.Engine, error) {
	switch e.Adapter {
	case "preview":
		return preview.New(preview.Config{FFmpeg: d.FFmpeg, Name: e.Name}), nil
	case "comfyui":
		if e.BaseURL == "" {
			return nil, &fieldError{"base_url", fmt.Errorf("a comfyui engine needs its server's URL")}
		}
		if e.Workflow == "" {
			return nil, &fieldError{"workflow", fmt.Errorf("a comfyui engine needs a workflow template file")}
		}
		tpl, err := comfyui.LoadTemplate(f.path(e.Workflow))
		if err != nil {
			return nil, &fieldError{"workflow", err}
		}
		return comfyui.New(comfyui.Config{Name: e.Name, BaseURL: e.BaseURL, Template: tpl, Client: d.HTTP,
			PollInterval: pacing.Interval})
	}
	newHosted, ok := hosted[e.Adapter]
	if !ok {
		return nil, &fieldError{"adapter", fmt.Errorf("unknown adapter %q; this build has %s", e.Adapter, adapterNames())}
	}
	if e.Model == "" {
		return nil, &fieldError{"model", fmt.Errorf("a %s engine needs the provider's model id", e.Adapter)}
	}
	if e.APIKeyEnv == "" {
		return nil, &fieldError{"api_key_env", fmt.Errorf("name the environment variable that holds the %s key", e.Adapter)}
	}
	key := d.Getenv(e.APIKeyEnv)
	if key == "" {
		return nil, &fieldError{"api_key_env", fmt.Errorf("%s is not set", e.APIKeyEnv)}
	}
	return newHosted(provider.Config{Name: e.Name, Model: e.Model, APIKey: key, BaseURL: e.BaseURL, HTTP: d.HTTP,
		Pacing: pacing, Tiers: e.Tiers, Options: e.Options, Input: e.Input})
}

// adapterNames lists the adapters this build knows.
func adapterNames() string {
	names := []string{"comfyui", "preview"}
	for n := range hosted {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Sprint(names)
}

// Registry is the engines a worker serves.
func (r *Roster) Registry() *engine.Registry { return r.reg }

// Names lists the engines, sorted.
func (r *Roster) Names() []string { return r.reg.Names() }

// Offers are what each engine renders, for the store.
func (r *Roster) Offers() []slate.EngineOffer {
	out := make([]slate.EngineOffer, 0, len(r.offers))
	for _, n := range r.Names() {
		out = append(out, r.offers[n])
	}
	return out
}

// Timeout is how long one render of engine may take; 0 is the worker's
// default.
func (r *Roster) Timeout(engine string) time.Duration { return r.timeouts[engine] }

// Currency is what provider costs are converted into.
func (r *Roster) Currency() string { return r.currency }

// CreditValue is what a credit sells for in Currency, in millionths; 0
// when the file does not say.
func (r *Roster) CreditValue() pricing.Micros { return r.creditValue }

// Cost is what a render of engine at tier cost at its source, as the take
// keeps it.
func (r *Roster) Cost(engineName, tier string, out engine.Output) slate.TakeProvider {
	e := r.entries[engineName]
	tp := slate.TakeProvider{Model: out.Model, Seed: out.Seed, BilledMS: out.Usage.VideoMS, ComputeMS: out.Usage.ComputeMS}
	if tp.Model == "" {
		tp.Model = e.Model
	}
	rate, ok := r.rates[engineName]
	if !ok || rate.Unit == "" {
		return tp
	}
	tp.Amount, tp.Cost = rate.Cost(tier, pricing.Usage{VideoMS: out.Usage.VideoMS, ComputeMS: out.Usage.ComputeMS, Amount: out.Usage.Amount})
	tp.Unit, tp.Currency = rate.Unit, r.currency
	return tp
}

// Check makes one cheap authenticated call to engine's provider, for
// engines that can; others answer nil.
func (r *Roster) Check(ctx context.Context, name string) error {
	e, ok := r.reg.Get(name)
	if !ok {
		return slate.NotFound("engine", name)
	}
	if c, ok := e.(provider.Checker); ok {
		return c.Check(ctx)
	}
	return nil
}
