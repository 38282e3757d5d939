package pricing

import (
	"fmt"
	"math/big"
	"strings"
)

// Micros is an amount in millionths of a unit (a dollar, a Runway credit,
// a GPU second), so provider prices stay integers as credits do.
type Micros = int64

// ParseMicros reads a decimal such as "0.40" or "12" into millionths,
// refusing more than six decimals, signs and anything else.
func ParseMicros(s string) (Micros, error) {
	if s == "" {
		return 0, nil
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || (dot && frac == "") || len(frac) > 6 || strings.Trim(whole+frac, "0123456789") != "" ||
		len(whole) > 12 {
		return 0, fmt.Errorf("%q is not a decimal amount with at most six decimals", s)
	}
	v := int64(0)
	for _, c := range whole + frac + strings.Repeat("0", 6-len(frac)) {
		v = v*10 + int64(c-'0')
	}
	return v, nil
}

// FormatMicros writes m as a decimal with as few digits as it needs.
func FormatMicros(m Micros) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	s := fmt.Sprintf("%s%d.%06d", sign, m/1_000_000, m%1_000_000)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// ProviderRate is how a provider prices a render, in its own Unit, and what
// that unit is worth in the deployment's currency. Every field is in
// millionths.
type ProviderRate struct {
	// Unit is the provider's unit ("USD", "runway_credit", "gpu_second").
	Unit string
	// PerSecond is the price of a second of video; PerTier overrides it
	// for a tier.
	PerSecond Micros
	PerTier   map[string]Micros
	// PerComputeSecond is the price of a second of machine time.
	PerComputeSecond Micros
	// PerRequest is a flat price per render.
	PerRequest Micros
	// Value is what one Unit is worth in the deployment's currency, per
	// ValuePer units (a GPU hour's price is worth per 3,600 GPU seconds).
	Value    Micros
	ValuePer int64
}

// Usage is what a provider billed a render for: seconds of video and of
// machine time, or an exact amount it reported in Unit.
type Usage struct {
	VideoMS, ComputeMS int64
	// Amount, when not zero, is the provider's own price in millionths of
	// the rate's Unit; it wins over the rates.
	Amount Micros
}

// Cost is what a render cost in the provider's unit and in the
// deployment's currency, both in millionths, rounded half up.
func (r ProviderRate) Cost(tier string, u Usage) (amount, cost Micros) {
	amount = u.Amount
	if amount == 0 {
		perSecond := r.PerSecond
		if p, ok := r.PerTier[tier]; ok {
			perSecond = p
		}
		a := new(big.Rat).SetFrac64(perSecond*1, 1)
		a.Mul(a, big.NewRat(u.VideoMS, 1000))
		c := new(big.Rat).SetFrac64(r.PerComputeSecond, 1)
		c.Mul(c, big.NewRat(u.ComputeMS, 1000))
		a.Add(a, c)
		a.Add(a, new(big.Rat).SetInt64(r.PerRequest))
		amount = round(a)
	}
	per := r.ValuePer
	if per <= 0 {
		per = 1
	}
	value := r.Value
	if value == 0 && r.ValuePer == 0 {
		value = 1_000_000 // the unit is the currency
	}
	c := new(big.Rat).SetFrac64(amount, 1)
	c.Mul(c, big.NewRat(value, 1_000_000*per))
	return amount, round(c)
}

// round rounds a non-negative rational half up to an integer, saturating
// at the int64 range.
func round(r *big.Rat) int64 {
	num := new(big.Int).Mul(r.Num(), big.NewInt(2))
	num.Add(num, r.Denom())
	q := new(big.Int).Quo(num, new(big.Int).Mul(r.Denom(), big.NewInt(2)))
	if !q.IsInt64() {
		return 1<<63 - 1
	}
	return q.Int64()
}
