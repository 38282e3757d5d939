package pricing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"slate"
)

// Catalog is everything Slate sells: plans, credit packs and the price book.
type Catalog struct {
	Plans       []slate.Plan       `json:"plans"`
	CreditPacks []slate.CreditPack `json:"credit_packs"`
	PriceBook   Book               `json:"price_book"`
}

// Default is the spec's catalog.
func Default() Catalog {
	return Catalog{Plans: DefaultPlans(), CreditPacks: DefaultPacks(), PriceBook: DefaultBook()}
}

// file is the operator's pricing file: each section present replaces the
// default one whole, so a file may change only the price book.
type file struct {
	Plans       *[]slate.Plan       `json:"plans"`
	CreditPacks *[]slate.CreditPack `json:"credit_packs"`
	PriceBook   *Book               `json:"price_book"`
}

// Load reads an operator's pricing file over the defaults. Unknown fields are
// refused, so a misspelt section is not silently ignored.
func Load(path string) (Catalog, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return Catalog{}, err
	}
	return Parse(body)
}

// Parse reads a pricing file's body over the defaults.
func Parse(body []byte) (Catalog, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Catalog{}, fmt.Errorf("pricing file: %w", err)
	}
	if dec.More() {
		return Catalog{}, fmt.Errorf("pricing file: unexpected data after the JSON object")
	}
	c := Default()
	if f.Plans != nil {
		c.Plans = *f.Plans
	}
	if f.CreditPacks != nil {
		c.CreditPacks = *f.CreditPacks
	}
	if f.PriceBook != nil {
		c.PriceBook = *f.PriceBook
		c.PriceBook.Version = 0
	}
	return c, c.Validate()
}

// Validate refuses a catalog Slate cannot sell from.
func (c Catalog) Validate() error {
	if len(c.Plans) == 0 {
		return fmt.Errorf("pricing: needs at least one plan")
	}
	seen := map[string]bool{}
	for _, p := range c.Plans {
		if p.Name == "" || seen["plan:"+p.Name] {
			return fmt.Errorf("pricing: plan: missing or duplicate name %q", p.Name)
		}
		seen["plan:"+p.Name] = true
		if p.MonthlyCredits < 0 || p.RolloverCap < slate.NoRolloverCap || p.ConcurrentRenders < 1 {
			return fmt.Errorf("pricing: plan %q: credits and cap must not be negative (cap -1 is none), concurrent renders at least 1", p.Name)
		}
	}
	for _, p := range c.CreditPacks {
		if p.Name == "" || seen["pack:"+p.Name] {
			return fmt.Errorf("pricing: credit pack: missing or duplicate name %q", p.Name)
		}
		seen["pack:"+p.Name] = true
		if p.Credits <= 0 || p.PriceCents < 0 {
			return fmt.Errorf("pricing: credit pack %q: credits must be positive and the price not negative", p.Name)
		}
	}
	return c.PriceBook.Validate()
}

// Plan finds a plan by name.
func (c Catalog) Plan(name string) (slate.Plan, bool) {
	for _, p := range c.Plans {
		if p.Name == name {
			return p, true
		}
	}
	return slate.Plan{}, false
}

// Pack finds a credit pack by name.
func (c Catalog) Pack(name string) (slate.CreditPack, bool) {
	for _, p := range c.CreditPacks {
		if p.Name == name {
			return p, true
		}
	}
	return slate.CreditPack{}, false
}
