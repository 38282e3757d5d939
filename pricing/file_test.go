package pricing_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"slate"
	"slate/pricing"
)

// customBook is a small valid price book for files that replace the default.
const customBookJSON = `{
	"version": 9,
	"tiers": [{"name": "draft", "multiplier": 1, "short_side": 480}, {"name": "high", "multiplier": 3, "short_side": 1080}],
	"engines": [{"name": "preview", "credits_per_second": 5, "partial_billable": true}],
	"actions": {"script_per_run": 7}
}`

func customBook() pricing.Book {
	return pricing.Book{
		Tiers: []pricing.Tier{
			{Name: "draft", Multiplier: 1, ShortSide: 480},
			{Name: "high", Multiplier: 3, ShortSide: 1080},
		},
		Engines: []pricing.Engine{{Name: "preview", CreditsPerSecond: 5, PartialBillable: true}},
		Actions: pricing.Actions{ScriptPerRun: 7},
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pricing.json")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultCatalog(t *testing.T) {
	t.Parallel()
	c := pricing.Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("default catalog invalid: %v", err)
	}
	if !reflect.DeepEqual(c.Plans, pricing.DefaultPlans()) || !reflect.DeepEqual(c.CreditPacks, pricing.DefaultPacks()) ||
		!reflect.DeepEqual(c.PriceBook, pricing.DefaultBook()) {
		t.Errorf("Default() = %+v, want the default plans, packs and book", c)
	}
	// Each call is independent: changing one catalog does not change the next.
	c.Plans[0].MonthlyCredits = 1
	c.PriceBook.Engines[0].CreditsPerSecond = 99
	if d := pricing.Default(); d.Plans[0].MonthlyCredits == 1 || d.PriceBook.Engines[0].CreditsPerSecond == 99 {
		t.Error("Default() shares its slices between calls")
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	withBook := pricing.Default()
	withBook.PriceBook = customBook()
	withPlans := pricing.Default()
	withPlans.Plans = []slate.Plan{{Name: "solo", MonthlyCredits: 100, RolloverCap: slate.NoRolloverCap, ConcurrentRenders: 2, Allow4K: true}}
	noPacks := pricing.Default()
	noPacks.CreditPacks = []slate.CreditPack{}
	withPacks := pricing.Default()
	withPacks.CreditPacks = []slate.CreditPack{{Name: "tiny", Credits: 10, PriceCents: 0}}

	tests := []struct {
		name string
		body string
		want *pricing.Catalog // nil means refused
	}{
		{"empty object gives defaults", `{}`, ptrTo(pricing.Default())},
		{"whitespace around an empty object", " \n{ }\n", ptrTo(pricing.Default())},
		{"null sections give defaults", `{"plans": null, "credit_packs": null, "price_book": null}`, ptrTo(pricing.Default())},
		{"price book only replaces just the book, version cleared", `{"price_book": ` + customBookJSON + `}`, &withBook},
		{"plans only", `{"plans": [{"name": "solo", "monthly_credits": 100, "rollover_cap": -1, "concurrent_renders": 2, "allow_4k": true}]}`, &withPlans},
		{"no packs on sale", `{"credit_packs": []}`, &noPacks},
		{"packs only; a free pack is allowed", `{"credit_packs": [{"name": "tiny", "credits": 10, "price_cents": 0}]}`, &withPacks},
		{"empty body", ``, nil},
		{"not JSON", `plans = []`, nil},
		{"truncated", `{"plans": [`, nil},
		{"an array", `[]`, nil},
		{"unknown section", `{"price_books": {}}`, nil},
		{"unknown field in a plan", `{"plans": [{"name": "solo", "monthly_credits": 100, "rollover_cap": 0, "concurrent_renders": 1, "credits": 5}]}`, nil},
		{"unknown field in the book", `{"price_book": {"tiers": [], "engines": [], "actions": {}, "currency": "EUR"}}`, nil},
		{"wrong type", `{"plans": {"name": "solo"}}`, nil},
		{"no plans", `{"plans": []}`, nil},
		{"plan without a name", `{"plans": [{"monthly_credits": 100, "rollover_cap": 0, "concurrent_renders": 1}]}`, nil},
		{"duplicate plan", `{"plans": [{"name": "a", "concurrent_renders": 1}, {"name": "a", "concurrent_renders": 1}]}`, nil},
		{"negative monthly credits", `{"plans": [{"name": "a", "monthly_credits": -1, "concurrent_renders": 1}]}`, nil},
		{"rollover cap below -1", `{"plans": [{"name": "a", "rollover_cap": -2, "concurrent_renders": 1}]}`, nil},
		{"no concurrent renders", `{"plans": [{"name": "a", "monthly_credits": 100}]}`, nil},
		{"pack with no credits", `{"credit_packs": [{"name": "p", "credits": 0, "price_cents": 100}]}`, nil},
		{"pack with a negative price", `{"credit_packs": [{"name": "p", "credits": 10, "price_cents": -1}]}`, nil},
		{"duplicate pack", `{"credit_packs": [{"name": "p", "credits": 10}, {"name": "p", "credits": 20}]}`, nil},
		{"pack without a name", `{"credit_packs": [{"credits": 10}]}`, nil},
		{"empty price book", `{"price_book": {}}`, nil},
		{"price book with a negative price", `{"price_book": {"tiers": [{"name": "d", "multiplier": 1, "short_side": 480}], "engines": [{"name": "e", "credits_per_second": -1}]}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pricing.Parse([]byte(tt.body))
			checkCatalog(t, got, err, tt.want)
		})
	}
}

func ptrTo(c pricing.Catalog) *pricing.Catalog { return &c }

// checkCatalog compares a parsed catalog with want, nil meaning the file must
// be refused.
func checkCatalog(t *testing.T, got pricing.Catalog, err error, want *pricing.Catalog) {
	t.Helper()
	if want == nil {
		if err == nil {
			t.Errorf("accepted, want refused: %+v", got)
		}
		return
	}
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if !reflect.DeepEqual(got, *want) {
		t.Errorf("catalog = %+v\nwant %+v", got, *want)
	}
	if got.PriceBook.Version != 0 {
		t.Errorf("price book version = %d, want 0", got.PriceBook.Version)
	}
}

func TestParsePriceBookSectionReplacedWhole(t *testing.T) {
	t.Parallel()
	// A book without actions prices every action at zero: sections are not
	// merged field by field with the defaults.
	c, err := pricing.Parse([]byte(`{"price_book": {"tiers": [{"name": "draft", "multiplier": 1, "short_side": 480}], "engines": [{"name": "preview", "credits_per_second": 1}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.PriceBook.Actions != (pricing.Actions{}) {
		t.Errorf("actions = %+v, want all zero", c.PriceBook.Actions)
	}
	if _, ok := c.PriceBook.Engine("veo-3.1"); ok {
		t.Error("default engine survived a replaced price book")
	}
	if got, err := c.PriceBook.ShotCost("preview", "draft", 2_000); err != nil || got != 2 {
		t.Errorf("ShotCost = %d, %v; want 2", got, err)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	withBook := pricing.Default()
	withBook.PriceBook = customBook()
	tests := []struct {
		name string
		body string
		want *pricing.Catalog
	}{
		{"empty object", `{}`, ptrTo(pricing.Default())},
		{"price book only", `{"price_book": ` + customBookJSON + `}`, &withBook},
		{"unknown field", `{"plan": []}`, nil},
		{"invalid plan", `{"plans": [{"name": "free", "concurrent_renders": 0}]}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := pricing.Load(writeFile(t, tt.body))
			checkCatalog(t, got, err, tt.want)
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := pricing.Load(filepath.Join(t.TempDir(), "absent.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing file = %v, want fs.ErrNotExist", err)
	}
}

func TestCatalogValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(c *pricing.Catalog)
		ok     bool
	}{
		{"default", func(*pricing.Catalog) {}, true},
		{"no packs", func(c *pricing.Catalog) { c.CreditPacks = nil }, true},
		{"a plan and a pack may share a name", func(c *pricing.Catalog) { c.CreditPacks[0].Name = "free" }, true},
		{"cap 0 and no cap are fine", func(c *pricing.Catalog) { c.Plans[0].RolloverCap, c.Plans[1].RolloverCap = 0, slate.NoRolloverCap }, true},
		{"no plans", func(c *pricing.Catalog) { c.Plans = nil }, false},
		{"plan without a name", func(c *pricing.Catalog) { c.Plans[1].Name = "" }, false},
		{"duplicate plan", func(c *pricing.Catalog) { c.Plans[2].Name = "free" }, false},
		{"negative monthly credits", func(c *pricing.Catalog) { c.Plans[0].MonthlyCredits = -1 }, false},
		{"rollover cap below no cap", func(c *pricing.Catalog) { c.Plans[0].RolloverCap = -2 }, false},
		{"zero concurrent renders", func(c *pricing.Catalog) { c.Plans[3].ConcurrentRenders = 0 }, false},
		{"pack without a name", func(c *pricing.Catalog) { c.CreditPacks[0].Name = "" }, false},
		{"duplicate pack", func(c *pricing.Catalog) { c.CreditPacks[1].Name = c.CreditPacks[0].Name }, false},
		{"pack with no credits", func(c *pricing.Catalog) { c.CreditPacks[0].Credits = 0 }, false},
		{"pack with a negative price", func(c *pricing.Catalog) { c.CreditPacks[0].PriceCents = -1 }, false},
		{"invalid price book", func(c *pricing.Catalog) { c.PriceBook.Tiers = nil }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := pricing.Default()
			tt.change(&c)
			if err := c.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestCatalogLookups(t *testing.T) {
	t.Parallel()
	c := pricing.Default()
	for _, want := range pricing.DefaultPlans() {
		if got, ok := c.Plan(want.Name); !ok || got != want {
			t.Errorf("Plan(%q) = %+v, %v; want %+v", want.Name, got, ok, want)
		}
	}
	for _, want := range pricing.DefaultPacks() {
		if got, ok := c.Pack(want.Name); !ok || got != want {
			t.Errorf("Pack(%q) = %+v, %v; want %+v", want.Name, got, ok, want)
		}
	}
	for _, name := range []string{"", "Free", "pack-5k"} {
		if got, ok := c.Plan(name); ok || got != (slate.Plan{}) {
			t.Errorf("Plan(%q) = %+v, %v; want not found", name, got, ok)
		}
	}
	for _, name := range []string{"", "free", "pack-1k"} {
		if got, ok := c.Pack(name); ok || got != (slate.CreditPack{}) {
			t.Errorf("Pack(%q) = %+v, %v; want not found", name, got, ok)
		}
	}
	if p, ok := c.Plan("enterprise"); !ok || p.RolloverCap != slate.NoRolloverCap || !p.Allow4K {
		t.Errorf("enterprise = %+v, %v; want no cap and 4K", p, ok)
	}
}
