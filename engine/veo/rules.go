package veo

import (
	"fmt"
	"slices"
	"strings"

	"slate"
)

// family is what a line of Veo models accepts, as the Gemini API's Veo
// guide and Vertex AI's model pages document it.
type family struct {
	// durations are the lengths it renders, in seconds, ascending.
	durations []int
	// resolutions are the frame sizes it renders; none means the model
	// takes no resolution parameter (Veo 2: 720p only).
	resolutions []string
	// eightOnly are the resolutions it renders only at 8 s.
	eightOnly []string
	// tiers is the default tier → resolution map ("" for a model with no
	// resolution parameter).
	tiers map[string]string
	// audio: the model makes a soundtrack (Veo 3 and later), which Vertex
	// AI wants said with generateAudio.
	audio bool
}

var (
	veo2 = family{
		durations: []int{5, 6, 8},
		tiers:     map[string]string{"draft": "", "standard": ""},
	}
	veo3 = family{
		durations:   []int{4, 6, 8},
		resolutions: []string{"720p", "1080p"},
		eightOnly:   []string{"1080p"},
		tiers:       map[string]string{"draft": "720p", "standard": "720p", "high": "1080p"},
		audio:       true,
	}
	veo31 = family{
		durations:   []int{4, 6, 8},
		resolutions: []string{"720p", "1080p", "4k"},
		eightOnly:   []string{"1080p", "4k"},
		tiers:       map[string]string{"draft": "720p", "standard": "720p", "high": "1080p", "4k": "4k"},
		audio:       true,
	}
)

// familyOf finds the rules for a model id. Veo 3.1 Lite renders no 4k;
// an id this adapter does not know gets Veo 3.1's rules, the newest it
// was written against.
func familyOf(model string) family {
	switch {
	case strings.HasPrefix(model, "veo-2."):
		return veo2
	case strings.HasPrefix(model, "veo-3.0-"):
		return veo3
	case strings.HasPrefix(model, "veo-3.1-lite"):
		return veo3
	default:
		return veo31
	}
}

// tierMap checks an engines-file tier map against the model's resolutions,
// or returns the family's default when there is none.
func (f family) tierMap(model string, tiers map[string]string) (map[string]string, error) {
	if len(tiers) == 0 {
		return f.tiers, nil
	}
	for tier, res := range tiers {
		switch {
		case len(f.resolutions) == 0 && res != "":
			return nil, fmt.Errorf("tiers.%s: %s takes no resolution (it renders 720p only); map the tier to \"\"", tier, model)
		case len(f.resolutions) > 0 && !slices.Contains(f.resolutions, res):
			return nil, fmt.Errorf("tiers.%s: %s renders %s, not %q", tier, model, strings.Join(f.resolutions, ", "), res)
		}
	}
	return tiers, nil
}

// offer is the engine's offer: the tiers in Slate's order (any others
// after them, sorted), the durations, and 8 s alone for the tiers whose
// resolution only renders at 8 s. Every Veo model animates a start image
// when given one (instances[].image on both backends).
func (f family) offer(name, model string, tiers map[string]string) slate.EngineOffer {
	o := slate.EngineOffer{Name: name, Adapter: Adapter, Model: model, StartImage: slate.StartImageOptional}
	for _, t := range slate.Tiers {
		if _, ok := tiers[t]; ok {
			o.Tiers = append(o.Tiers, t)
		}
	}
	var others []string
	for t := range tiers {
		if !slices.Contains(slate.Tiers, t) {
			others = append(others, t)
		}
	}
	slices.Sort(others)
	o.Tiers = append(o.Tiers, others...)
	for _, s := range f.durations {
		o.DurationsMS = append(o.DurationsMS, int64(s)*1000)
	}
	for t, res := range tiers {
		if slices.Contains(f.eightOnly, res) {
			if o.TierDurationsMS == nil {
				o.TierDurationsMS = map[string][]int64{}
			}
			o.TierDurationsMS[t] = []int64{8000}
		}
	}
	return o
}

// shot is a RenderSpec as Veo takes it.
type shot struct {
	prompt, negative string
	aspect           string // "" lets the model choose (16:9)
	resolution       string // "" sends none
	seconds          int
}

// shape checks spec against the model's rules and the tier map, and
// returns what the request carries. A spec the model cannot render is an
// invalid_request that names the rule.
func (f family) shape(name string, tiers map[string]string, spec slate.RenderSpec) (shot, error) {
	s := shot{prompt: strings.TrimSpace(spec.Prompt), negative: strings.TrimSpace(spec.NegativePrompt)}
	if s.prompt == "" {
		return s, invalid("%s needs a prompt; the shot has none", name)
	}
	res, ok := tiers[spec.Tier]
	if !ok {
		return s, invalid("%s does not render tier %q; it offers %s", name, spec.Tier, strings.Join(f.offer(name, "", tiers).Tiers, ", "))
	}
	s.resolution = res
	switch spec.AspectRatio {
	case "16:9", "9:16":
		s.aspect = spec.AspectRatio
	case "":
	default:
		return s, invalid("%s renders 16:9 or 9:16 only; the project's %s has no Veo equivalent", name, spec.AspectRatio)
	}
	if spec.DurationMS%1000 != 0 || !slices.Contains(f.durations, int(spec.DurationMS/1000)) {
		return s, invalid("%s renders %s; the job asks for %s", name, secondsList(f.durations), msText(spec.DurationMS))
	}
	s.seconds = int(spec.DurationMS / 1000)
	if slices.Contains(f.eightOnly, res) && s.seconds != 8 {
		return s, invalid("%s renders %s (tier %s) only at 8 s; the job asks for %d s", name, res, spec.Tier, s.seconds)
	}
	return s, nil
}

func secondsList(s []int) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	if len(parts) == 1 {
		return parts[0] + " s"
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1] + " s"
}

func msText(ms int64) string {
	if ms%1000 == 0 {
		return fmt.Sprintf("%d s", ms/1000)
	}
	return fmt.Sprintf("%.3g s", float64(ms)/1000)
}
