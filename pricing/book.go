package pricing

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"slate"
)

// Engine is an AI engine's price: credits per second of video at draft.
type Engine struct {
	Name             string `json:"name"`
	CreditsPerSecond int64  `json:"credits_per_second"`
	// PartialBillable says a job cancelled while running is charged for the
	// work done rather than released.
	PartialBillable bool `json:"partial_billable,omitempty"`
}

// Actions prices the work that is not a shot render.
type Actions struct {
	ScriptPerRun            int64 `json:"script_per_run"`
	SetPerRun               int64 `json:"set_per_run"`
	SpeechPer100Chars       int64 `json:"speech_per_100_chars"`
	UpscalePerSecondPerStep int64 `json:"upscale_per_second_per_step"`
	ExportPerSecond         int64 `json:"export_per_second"`
}

// Book is the price book: tiers, engines and other actions. Version is set
// by the store, which gives every different book a new one; quotes name the
// version they used.
type Book struct {
	Version int64    `json:"version"`
	Tiers   []Tier   `json:"tiers"`
	Engines []Engine `json:"engines"`
	Actions Actions  `json:"actions"`
}

// DefaultBook is the spec's price book.
func DefaultBook() Book {
	return Book{
		Tiers: DefaultTiers(),
		Engines: []Engine{
			{Name: "preview", CreditsPerSecond: 1},
			{Name: "comfyui", CreditsPerSecond: 2},
			{Name: "wan-2.1", CreditsPerSecond: 2},
			{Name: "grok-video", CreditsPerSecond: 4},
			{Name: "veo-3.1", CreditsPerSecond: 8},
		},
		Actions: Actions{ScriptPerRun: 50, SetPerRun: 150, SpeechPer100Chars: 2, UpscalePerSecondPerStep: 2},
	}
}

// Tier finds a tier by name.
func (b Book) Tier(name string) (Tier, bool) {
	for _, t := range b.Tiers {
		if t.Name == name {
			return t, true
		}
	}
	return Tier{}, false
}

// Engine finds an engine by name.
func (b Book) Engine(name string) (Engine, bool) {
	for _, e := range b.Engines {
		if e.Name == name {
			return e, true
		}
	}
	return Engine{}, false
}

// TierNames lists the tiers cheapest first.
func (b Book) TierNames() []string {
	out := make([]string, len(b.Tiers))
	for i, t := range b.Tiers {
		out[i] = t.Name
	}
	return out
}

// ShotCost prices a render of durationMS at engine and tier.
func (b Book) ShotCost(engine, tier string, durationMS int64) (int64, error) {
	e, ok := b.Engine(engine)
	if !ok {
		return 0, slate.Invalidf("engine", "the price book has no engine %q", engine)
	}
	t, ok := b.Tier(tier)
	if !ok {
		return 0, slate.Invalidf("tier", "the price book has no tier %q", tier)
	}
	return RenderCost(e.CreditsPerSecond, t.Multiplier, durationMS)
}

// ExportCost prices an export of a cut lasting durationMS: nothing unless
// the book sets a price per second.
func (b Book) ExportCost(durationMS int64) (int64, error) {
	return RenderCost(b.Actions.ExportPerSecond, 1, durationMS)
}

// Digest identifies the book's prices, whatever its version: two books with
// one digest price everything alike.
func (b Book) Digest() string {
	b.Version = 0
	body, _ := json.Marshal(b)
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// Validate refuses a book that cannot price work: no tiers or engines,
// duplicate names, negative prices, tiers not cheapest first.
func (b Book) Validate() error {
	if len(b.Tiers) == 0 || len(b.Engines) == 0 {
		return fmt.Errorf("price book: needs at least one tier and one engine")
	}
	seen := map[string]bool{}
	for i, t := range b.Tiers {
		if t.Name == "" || seen["tier:"+t.Name] {
			return fmt.Errorf("price book: tier %d: missing or duplicate name %q", i, t.Name)
		}
		seen["tier:"+t.Name] = true
		if t.Multiplier < 0 || t.ShortSide <= 0 {
			return fmt.Errorf("price book: tier %q: multiplier must not be negative and short_side must be positive", t.Name)
		}
		if i > 0 && t.Multiplier < b.Tiers[i-1].Multiplier {
			return fmt.Errorf("price book: tiers must be listed cheapest first (%q after %q)", t.Name, b.Tiers[i-1].Name)
		}
	}
	for i, e := range b.Engines {
		if e.Name == "" || seen["engine:"+e.Name] {
			return fmt.Errorf("price book: engine %d: missing or duplicate name %q", i, e.Name)
		}
		seen["engine:"+e.Name] = true
		if e.Name == slate.ExportEngine {
			return fmt.Errorf("price book: engine %q: the name is the queue's for exports; price exports with actions.export_per_second", e.Name)
		}
		if e.CreditsPerSecond < 0 {
			return fmt.Errorf("price book: engine %q: negative price", e.Name)
		}
	}
	a := b.Actions
	if a.ScriptPerRun < 0 || a.SetPerRun < 0 || a.SpeechPer100Chars < 0 || a.UpscalePerSecondPerStep < 0 || a.ExportPerSecond < 0 {
		return fmt.Errorf("price book: action prices must not be negative")
	}
	return nil
}
