package pricing

import (
	"fmt"

	"slate"
)

// Tier is a render quality: its price multiplier and the short side of its
// frame in pixels.
type Tier struct {
	Name       string `json:"name"`
	Multiplier int64  `json:"multiplier"`
	ShortSide  int    `json:"short_side"`
}

// DefaultTiers is the spec's tier table.
func DefaultTiers() []Tier {
	return []Tier{
		{Name: "draft", Multiplier: 1, ShortSide: 480},
		{Name: "standard", Multiplier: 2, ShortSide: 720},
		{Name: "high", Multiplier: 4, ShortSide: 1080},
		{Name: "4k", Multiplier: 8, ShortSide: 2160},
	}
}

// RenderCost is ceil(rate × multiplier × duration_ms / 1000) in integers, so
// no float ever touches money. It refuses inputs whose product would
// overflow int64 rather than wrap.
func RenderCost(rate, multiplier, durationMS int64) (int64, error) {
	if rate < 0 || multiplier < 0 || durationMS < 0 {
		return 0, slate.Invalidf("cost", "rate, multiplier and duration must not be negative")
	}
	const limit = 1 << 62
	if rate != 0 && multiplier > limit/rate {
		return 0, fmt.Errorf("pricing: cost overflows")
	}
	perSecond := rate * multiplier
	if perSecond != 0 && durationMS > limit/perSecond {
		return 0, fmt.Errorf("pricing: cost overflows")
	}
	return (perSecond*durationMS + 999) / 1000, nil
}

// Resolution is a tier's frame size for an aspect ratio: the short side is
// the tier's, the long side follows the ratio (16:9 draft is 854×480, 9:16
// draft 480×854, 1:1 high 1080×1080). Sides are rounded to even numbers, as
// video encoders want.
func Resolution(t Tier, aspect string) (width, height int, err error) {
	var w, h int
	switch aspect {
	case "16:9":
		w, h = 16, 9
	case "9:16":
		w, h = 9, 16
	case "1:1":
		w, h = 1, 1
	default:
		return 0, 0, slate.Invalidf("aspect_ratio", "unknown aspect ratio %q", aspect)
	}
	short := t.ShortSide
	long := func(a, b int) int { return even((short*a + b/2) / b) }
	if w >= h {
		return long(w, h), short, nil
	}
	return short, long(h, w), nil
}

// even rounds up to an even number.
func even(n int) int { return n + n%2 }
