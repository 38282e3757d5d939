package slate

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// EngineOffer is what a deployment's engine can render, as estimates and
// submissions need to know it: the tiers it offers, the durations its model
// accepts and how many of its jobs may run at once. An engine with no offer
// renders every tier at any duration.
type EngineOffer struct {
	Name    string `json:"name"`
	Adapter string `json:"adapter"`
	Model   string `json:"model,omitempty"`
	// MaxConcurrent is the most jobs of the engine running at once across
	// every worker; 0 is no limit but the plans'.
	MaxConcurrent int `json:"max_concurrent,omitempty"`
	// Tiers are the tiers the engine renders; empty is every tier.
	Tiers []string `json:"tiers,omitempty"`
	// DurationsMS, when set, are the only lengths the model renders, in
	// ascending order (Veo's 4, 6 and 8 s). Otherwise MinMS..MaxMS in steps
	// of StepMS bound it, each 0 when there is no such bound.
	DurationsMS []int64 `json:"durations_ms,omitempty"`
	MinMS       int64   `json:"min_ms,omitempty"`
	MaxMS       int64   `json:"max_ms,omitempty"`
	StepMS      int64   `json:"step_ms,omitempty"`
	// StartImage says whether the model renders from a start image:
	// "" never, StartImageOptional or StartImageRequired.
	StartImage string `json:"start_image,omitempty"`
	// TierDurationsMS, for a tier it names, replaces DurationsMS: some
	// models render their larger frames only at some lengths (Veo: 1080p
	// and 4k only at 8 s).
	TierDurationsMS map[string][]int64 `json:"tier_durations_ms,omitempty"`
}

// ForTier is the offer a shot at tier meets: the tier's own durations
// where it has them. Estimates and the queue call Billed on it.
func (o EngineOffer) ForTier(tier string) EngineOffer {
	if d, ok := o.TierDurationsMS[tier]; ok {
		o.DurationsMS = d
	}
	return o
}

// Whether an engine's model takes a start image (image-to-video).
const (
	StartImageOptional = "optional"
	StartImageRequired = "required"
)

// OffersTier reports whether the engine renders tier.
func (o EngineOffer) OffersTier(tier string) bool {
	return len(o.Tiers) == 0 || slices.Contains(o.Tiers, tier)
}

// Billed is the length the engine renders, and is paid for, when a shot
// lasts durationMS, and why it differs when it does: the shortest accepted
// length that covers the shot, or the longest there is when none does.
func (o EngineOffer) Billed(durationMS int64) (int64, string) {
	if len(o.DurationsMS) > 0 {
		for _, d := range o.DurationsMS {
			if d >= durationMS {
				if d == durationMS {
					return d, ""
				}
				return d, fmt.Sprintf("%s renders %s; the shot's %s is rounded up", o.Name, secondsList(o.DurationsMS), seconds(durationMS))
			}
		}
		longest := o.DurationsMS[len(o.DurationsMS)-1]
		return longest, fmt.Sprintf("%s renders at most %s; the take will be shorter than the shot's %s", o.Name, seconds(longest), seconds(durationMS))
	}
	d := durationMS
	if o.StepMS > 0 && d%o.StepMS != 0 {
		d += o.StepMS - d%o.StepMS
	}
	if o.MinMS > 0 && d < o.MinMS {
		d = o.MinMS
	}
	if o.MaxMS > 0 && d > o.MaxMS {
		return o.MaxMS, fmt.Sprintf("%s renders at most %s; the take will be shorter than the shot's %s", o.Name, seconds(o.MaxMS), seconds(durationMS))
	}
	switch {
	case d == durationMS:
		return d, ""
	case o.MinMS > 0 && d == o.MinMS && durationMS < o.MinMS:
		return d, fmt.Sprintf("%s renders at least %s; the shot's %s is rounded up", o.Name, seconds(o.MinMS), seconds(durationMS))
	default:
		return d, fmt.Sprintf("%s renders whole steps of %s; the shot's %s is rounded up", o.Name, seconds(o.StepMS), seconds(durationMS))
	}
}

func seconds(ms int64) string { return number(ms) + " s" }

func number(ms int64) string {
	if ms%1000 == 0 {
		return fmt.Sprint(ms / 1000)
	}
	return fmt.Sprintf("%.3g", float64(ms)/1000)
}

// secondsList writes 4000, 6000, 8000 as "4, 6 or 8 s".
func secondsList(ms []int64) string {
	out := ""
	for i, d := range ms {
		switch {
		case i == 0:
		case i == len(ms)-1:
			out += " or "
		default:
			out += ", "
		}
		out += number(d)
	}
	return out + " s"
}

// EngineInfo is an engine as `slate engines` lists it: what it renders,
// its price in credits, and whether its provider answered the last check.
// It never carries the engine's key.
type EngineInfo struct {
	EngineOffer
	// CreditsPerSecond is its price book rate at the cheapest tier.
	CreditsPerSecond int64 `json:"credits_per_second"`
	// ProviderCost says how its provider prices a render, as the engines
	// file has it ("0.4 USD per second").
	ProviderCost string `json:"provider_cost,omitempty"`
	// Reachable is what the last check found; nil when the engine has no
	// check or none has run. Problem says why not.
	Reachable *bool      `json:"reachable,omitempty"`
	Problem   string     `json:"problem,omitempty"`
	CheckedAt *time.Time `json:"checked_at,omitempty"`
}

// EngineService lists the deployment's engines and checks their
// providers. Checks are cached, so asking often calls a provider seldom.
type EngineService interface {
	Engines(ctx context.Context) ([]*EngineInfo, error)
	// CheckEngine makes one cheap authenticated call to the engine's
	// provider (or answers the last one, when it was moments ago).
	CheckEngine(ctx context.Context, name string) (*EngineInfo, error)
}
