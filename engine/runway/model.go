package runway

import (
	"maps"
	"slices"
	"strings"
)

// model is what Runway's API reference (the runwayml/sdk-python types
// generated from it, see testdata/README.md) documents of one video model.
type model struct {
	// fromText is the ratio for each resolution and aspect ratio when the
	// model renders from text alone (POST /v1/text_to_video); nil when it
	// cannot, and needs a start image.
	fromText map[string]map[string]string
	// fromImage is the same for renders from a start image
	// (POST /v1/image_to_video).
	fromImage map[string]map[string]string
	// durationsS are the only lengths it renders, when it has a list;
	// otherwise minS..maxS in whole seconds.
	durationsS []int64
	minS, maxS int64
	// What else the request may carry.
	seed, negativePrompt, audio, moderation bool
	// tiers is the default tier → resolution map.
	tiers map[string]string
}

// ratios720 are the 720p ratios Runway's own models render; square only
// from a start image.
func ratios720(square bool) map[string]map[string]string {
	r := map[string]string{"16:9": "1280:720", "9:16": "720:1280"}
	if square {
		r["1:1"] = "960:960"
	}
	return map[string]map[string]string{"720p": r}
}

// veoRatios are the ratios Veo renders through Runway: no square.
var veoRatios = map[string]map[string]string{
	"720p":  {"16:9": "1280:720", "9:16": "720:1280"},
	"1080p": {"16:9": "1920:1080", "9:16": "1080:1920"},
}

var (
	gen4Tiers = map[string]string{"draft": "720p", "standard": "720p", "high": "720p"}
	veoTiers  = map[string]string{"draft": "720p", "standard": "720p", "high": "1080p"}
)

// models are the video models this adapter knows, by Runway's id.
var models = map[string]model{
	"gen4.5": {fromText: ratios720(false), fromImage: ratios720(true), minS: 2, maxS: 10,
		seed: true, moderation: true, tiers: gen4Tiers},
	"gen4_turbo": {fromImage: ratios720(true), minS: 2, maxS: 10,
		seed: true, moderation: true, tiers: gen4Tiers},
	"veo3": {fromText: veoRatios, fromImage: veoRatios, durationsS: []int64{8},
		negativePrompt: true, tiers: veoTiers},
	"veo3.1": {fromText: veoRatios, fromImage: veoRatios, durationsS: []int64{4, 6, 8},
		negativePrompt: true, audio: true, tiers: veoTiers},
	"veo3.1_fast": {fromText: veoRatios, fromImage: veoRatios, durationsS: []int64{4, 6, 8},
		negativePrompt: true, audio: true, tiers: veoTiers},
}

// Models are the model ids the adapter renders with, sorted.
func Models() []string { return slices.Sorted(maps.Keys(models)) }

// resolutions are the resolutions m renders.
func (m model) resolutions() []string { return slices.Sorted(maps.Keys(m.fromImage)) }

// ratio is the ratio Runway takes for a render at res and aspect, from an
// image or from text.
func (m model) ratio(res, aspect string, image bool) (string, bool) {
	table := m.fromText
	if image {
		table = m.fromImage
	}
	r, ok := table[res][aspect]
	return r, ok
}

// aspects lists the aspect ratios m renders at res, for a message.
func (m model) aspects(res string, image bool) string {
	table := m.fromText
	if image {
		table = m.fromImage
	}
	a := slices.Sorted(maps.Keys(table[res]))
	if len(a) == 0 {
		return "none"
	}
	return strings.Join(a, ", ")
}
