package pricing_test

import (
	"errors"
	"reflect"
	"testing"

	"slate"
	"slate/pricing"
)

// The spec's rates and multipliers, written out independently of the code.
var (
	specRates       = map[string]int64{"preview": 1, "comfyui": 2, "wan-2.1": 2, "grok-video": 4, "veo-3.1": 8}
	specMultipliers = map[string]int64{"draft": 1, "standard": 2, "high": 4, "4k": 8}
)

// specCost is the spec's formula, ceil(rate × multiplier × duration_ms / 1000).
func specCost(t *testing.T, engine, tier string, durationMS int64) int64 {
	t.Helper()
	rate, ok := specRates[engine]
	if !ok {
		t.Fatalf("spec has no engine %q", engine)
	}
	mult, ok := specMultipliers[tier]
	if !ok {
		t.Fatalf("spec has no tier %q", tier)
	}
	n := rate * mult * durationMS
	cost := n / 1000
	if n%1000 != 0 {
		cost++
	}
	return cost
}

func TestShotCostDefaultBook(t *testing.T) {
	t.Parallel()
	book := pricing.DefaultBook()
	for engine := range specRates {
		for tier := range specMultipliers {
			for _, ms := range []int64{0, 1, 999, 1_000, 1_001, 1_500, 4_000, 8_333, 60_000, 3_600_000} {
				got, err := book.ShotCost(engine, tier, ms)
				if err != nil {
					t.Errorf("ShotCost(%q, %q, %d): %v", engine, tier, ms, err)
					continue
				}
				if want := specCost(t, engine, tier, ms); got != want {
					t.Errorf("ShotCost(%q, %q, %d) = %d, want %d", engine, tier, ms, got, want)
				}
			}
		}
	}
}

func TestShotCost(t *testing.T) {
	t.Parallel()
	book := pricing.DefaultBook()
	tests := []struct {
		name         string
		engine, tier string
		durationMS   int64
		want         int64
		code         slate.Code
		field        string
	}{
		{"preview draft 1 s", "preview", "draft", 1_000, 1, "", ""},
		{"comfyui standard 5 s", "comfyui", "standard", 5_000, 20, "", ""},
		{"wan-2.1 high 3 s", "wan-2.1", "high", 3_000, 24, "", ""},
		{"grok-video 4k 2 s", "grok-video", "4k", 2_000, 64, "", ""},
		{"veo-3.1 4k 10 s", "veo-3.1", "4k", 10_000, 640, "", ""},
		{"veo-3.1 high 8 s", "veo-3.1", "high", 8_000, 256, "", ""},
		{"a millisecond costs a whole credit", "preview", "draft", 1, 1, "", ""},
		{"rounds up, never down", "veo-3.1", "4k", 333, 22, "", ""},
		{"exact thousandths do not round", "grok-video", "standard", 125, 1, "", ""},
		{"zero duration is free", "veo-3.1", "4k", 0, 0, "", ""},
		{"unknown engine", "sora", "draft", 1_000, 0, slate.EINVALID, "engine"},
		{"engine names are exact", "Preview", "draft", 1_000, 0, slate.EINVALID, "engine"},
		{"empty engine", "", "draft", 1_000, 0, slate.EINVALID, "engine"},
		{"unknown tier", "preview", "8k", 1_000, 0, slate.EINVALID, "tier"},
		{"empty tier", "preview", "", 1_000, 0, slate.EINVALID, "tier"},
		{"engine and tier both unknown names the engine", "sora", "8k", 1_000, 0, slate.EINVALID, "engine"},
		{"negative duration", "preview", "draft", -1, 0, slate.EINVALID, "cost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := book.ShotCost(tt.engine, tt.tier, tt.durationMS)
			if code := slate.ErrorCode(err); code != tt.code {
				t.Fatalf("ShotCost error = %v (code %q), want code %q", err, code, tt.code)
			}
			if tt.field != "" {
				var e *slate.Error
				if errors.As(err, &e) && e.Field != tt.field {
					t.Errorf("error field = %q, want %q", e.Field, tt.field)
				}
			}
			if got != tt.want {
				t.Errorf("ShotCost = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestShotCostOverflowRefused(t *testing.T) {
	t.Parallel()
	book := pricing.Book{
		Tiers:   []pricing.Tier{{Name: "t", Multiplier: 1 << 20, ShortSide: 1}},
		Engines: []pricing.Engine{{Name: "e", CreditsPerSecond: 1 << 40}},
	}
	if _, err := book.ShotCost("e", "t", 60_000); err == nil {
		t.Error("overflowing shot cost was not refused")
	}
}

func TestBookLookups(t *testing.T) {
	t.Parallel()
	book := pricing.DefaultBook()
	for name, rate := range specRates {
		e, ok := book.Engine(name)
		if !ok || e.Name != name || e.CreditsPerSecond != rate {
			t.Errorf("Engine(%q) = %+v, %v; want rate %d", name, e, ok, rate)
		}
	}
	for name, mult := range specMultipliers {
		tier, ok := book.Tier(name)
		if !ok || tier.Name != name || tier.Multiplier != mult {
			t.Errorf("Tier(%q) = %+v, %v; want multiplier %d", name, tier, ok, mult)
		}
	}
	for _, name := range []string{"", "draft", "sora"} {
		if e, ok := book.Engine(name); ok || e != (pricing.Engine{}) {
			t.Errorf("Engine(%q) = %+v, %v; want not found", name, e, ok)
		}
	}
	for _, name := range []string{"", "preview", "8k"} {
		if tier, ok := book.Tier(name); ok || tier != (pricing.Tier{}) {
			t.Errorf("Tier(%q) = %+v, %v; want not found", name, tier, ok)
		}
	}
	if got, want := book.TierNames(), []string{"draft", "standard", "high", "4k"}; !reflect.DeepEqual(got, want) {
		t.Errorf("TierNames = %v, want %v", got, want)
	}
	if got := (pricing.Book{}).TierNames(); len(got) != 0 {
		t.Errorf("empty book TierNames = %v", got)
	}
}

func TestDefaultBookMatchesSpec(t *testing.T) {
	t.Parallel()
	book := pricing.DefaultBook()
	if err := book.Validate(); err != nil {
		t.Fatalf("default book invalid: %v", err)
	}
	if book.Version != 0 {
		t.Errorf("default book version = %d, want 0 (the store sets it)", book.Version)
	}
	if len(book.Engines) != len(specRates) || len(book.Tiers) != len(specMultipliers) {
		t.Errorf("default book has %d engines and %d tiers, want %d and %d",
			len(book.Engines), len(book.Tiers), len(specRates), len(specMultipliers))
	}
}

func TestDigest(t *testing.T) {
	t.Parallel()
	base := pricing.DefaultBook()
	d := base.Digest()
	if len(d) != 64 {
		t.Fatalf("digest %q is not hex SHA-256", d)
	}
	if again := pricing.DefaultBook().Digest(); again != d {
		t.Errorf("digest not stable: %s then %s", d, again)
	}
	versioned := pricing.DefaultBook()
	versioned.Version = 42
	if got := versioned.Digest(); got != d {
		t.Errorf("digest changed with the version: %s, want %s", got, d)
	}
	if versioned.Version != 42 {
		t.Errorf("Digest changed the book's version to %d", versioned.Version)
	}

	changes := []struct {
		name   string
		change func(b *pricing.Book)
	}{
		{"engine rate", func(b *pricing.Book) { b.Engines[0].CreditsPerSecond++ }},
		{"last engine rate", func(b *pricing.Book) { b.Engines[len(b.Engines)-1].CreditsPerSecond-- }},
		{"engine partial billing", func(b *pricing.Book) { b.Engines[1].PartialBillable = true }},
		{"engine added", func(b *pricing.Book) {
			b.Engines = append(b.Engines, pricing.Engine{Name: "sora", CreditsPerSecond: 16})
		}},
		{"engine removed", func(b *pricing.Book) { b.Engines = b.Engines[:len(b.Engines)-1] }},
		{"engine renamed", func(b *pricing.Book) { b.Engines[0].Name = "preview-2" }},
		{"tier multiplier", func(b *pricing.Book) { b.Tiers[1].Multiplier = 3 }},
		{"tier short side", func(b *pricing.Book) { b.Tiers[0].ShortSide = 360 }},
		{"script per run", func(b *pricing.Book) { b.Actions.ScriptPerRun++ }},
		{"set per run", func(b *pricing.Book) { b.Actions.SetPerRun++ }},
		{"speech per 100 chars", func(b *pricing.Book) { b.Actions.SpeechPer100Chars++ }},
		{"upscale per second per step", func(b *pricing.Book) { b.Actions.UpscalePerSecondPerStep++ }},
		{"export per second", func(b *pricing.Book) { b.Actions.ExportPerSecond++ }},
	}
	seen := map[string]string{d: "default"}
	for _, c := range changes {
		b := pricing.DefaultBook()
		c.change(&b)
		got := b.Digest()
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: digest %s equals that of %s", c.name, got, prev)
		}
		seen[got] = c.name
	}
}

func TestBookValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(b *pricing.Book)
		ok     bool
	}{
		{"default", func(*pricing.Book) {}, true},
		{"zero multiplier and zero prices are allowed", func(b *pricing.Book) {
			b.Tiers[0].Multiplier = 0
			b.Engines[0].CreditsPerSecond = 0
			b.Actions = pricing.Actions{}
		}, true},
		{"equal multipliers are cheapest first", func(b *pricing.Book) { b.Tiers[1].Multiplier = b.Tiers[0].Multiplier }, true},
		{"a tier and an engine may share a name", func(b *pricing.Book) { b.Engines[0].Name = "draft" }, true},
		{"no tiers", func(b *pricing.Book) { b.Tiers = nil }, false},
		{"no engines", func(b *pricing.Book) { b.Engines = []pricing.Engine{} }, false},
		{"tier without a name", func(b *pricing.Book) { b.Tiers[2].Name = "" }, false},
		{"duplicate tier", func(b *pricing.Book) { b.Tiers[3].Name = "draft" }, false},
		{"negative multiplier", func(b *pricing.Book) { b.Tiers[0].Multiplier = -1 }, false},
		{"zero short side", func(b *pricing.Book) { b.Tiers[1].ShortSide = 0 }, false},
		{"negative short side", func(b *pricing.Book) { b.Tiers[1].ShortSide = -480 }, false},
		{"tiers not cheapest first", func(b *pricing.Book) { b.Tiers[1], b.Tiers[2] = b.Tiers[2], b.Tiers[1] }, false},
		{"engine without a name", func(b *pricing.Book) { b.Engines[4].Name = "" }, false},
		{"duplicate engine", func(b *pricing.Book) { b.Engines[2].Name = "comfyui" }, false},
		{"negative engine price", func(b *pricing.Book) { b.Engines[3].CreditsPerSecond = -4 }, false},
		{"negative script price", func(b *pricing.Book) { b.Actions.ScriptPerRun = -1 }, false},
		{"negative set price", func(b *pricing.Book) { b.Actions.SetPerRun = -1 }, false},
		{"negative speech price", func(b *pricing.Book) { b.Actions.SpeechPer100Chars = -1 }, false},
		{"negative upscale price", func(b *pricing.Book) { b.Actions.UpscalePerSecondPerStep = -1 }, false},
		{"negative export price", func(b *pricing.Book) { b.Actions.ExportPerSecond = -1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := pricing.DefaultBook()
			tt.change(&b)
			if err := b.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
