package runwaytest

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// rule is what the API reference (runwayml/sdk-python's types, generated
// from Runway's OpenAPI spec) documents of one model on one endpoint.
type rule struct {
	required, optional []string
	ratios             []string
	// durations are the only lengths, when the model has a list;
	// otherwise minS..maxS.
	durations  []int64
	minS, maxS int64
}

var (
	gen4Ratios = []string{"1280:720", "720:1280", "1104:832", "960:960", "832:1104", "1584:672"}
	veoRatios  = []string{"1280:720", "720:1280", "1080:1920", "1920:1080"}
)

// rules are the documented bodies of POST /v1/text_to_video and
// /v1/image_to_video for the models the adapter renders with.
var rules = map[string]map[string]rule{
	"text_to_video": {
		"gen4.5": {required: []string{"duration", "model", "promptText", "ratio"},
			optional: []string{"contentModeration", "seed"}, ratios: []string{"1280:720", "720:1280"}, minS: 2, maxS: 10},
		"veo3.1": {required: []string{"model", "promptText", "ratio"},
			optional: []string{"audio", "duration", "negativePrompt"}, ratios: veoRatios, durations: []int64{4, 6, 8}},
		"veo3.1_fast": {required: []string{"model", "promptText", "ratio"},
			optional: []string{"audio", "duration", "negativePrompt"}, ratios: veoRatios, durations: []int64{4, 6, 8}},
		"veo3": {required: []string{"duration", "model", "promptText", "ratio"},
			optional: []string{"negativePrompt"}, ratios: veoRatios, durations: []int64{8}},
	},
	"image_to_video": {
		"gen4.5": {required: []string{"duration", "model", "promptImage", "promptText", "ratio"},
			optional: []string{"contentModeration", "seed"}, ratios: gen4Ratios, minS: 2, maxS: 10},
		"gen4_turbo": {required: []string{"model", "promptImage", "ratio"},
			optional: []string{"contentModeration", "duration", "promptText", "seed"}, ratios: gen4Ratios, minS: 2, maxS: 10},
		"veo3.1": {required: []string{"model", "promptImage", "ratio"},
			optional: []string{"audio", "duration", "negativePrompt", "promptText"}, ratios: veoRatios, durations: []int64{4, 6, 8}},
		"veo3.1_fast": {required: []string{"model", "promptImage", "ratio"},
			optional: []string{"audio", "duration", "negativePrompt", "promptText"}, ratios: veoRatios, durations: []int64{4, 6, 8}},
		"veo3": {required: []string{"duration", "model", "promptImage", "ratio"},
			optional: []string{"negativePrompt", "promptText"}, ratios: veoRatios, durations: []int64{8}},
	},
}

// creditsPerSecond is what Runway's reference lists a second of each
// model at, the Veo 3.1 models with audio (and without).
var creditsPerSecond = map[string][2]int64{
	"gen4.5": {12, 12}, "gen4_turbo": {5, 5}, "veo3": {40, 40}, "veo3.1": {40, 20}, "veo3.1_fast": {15, 10},
}

// cost is the credits a valid body spends: its seconds at the model's
// rate (Gen-4 Turbo's default length is 10 s, Veo 3.1's 8 s).
func cost(b map[string]any) int64 {
	name, _ := b["model"].(string)
	seconds := int64(10)
	if strings.HasPrefix(name, "veo") {
		seconds = 8
	}
	if d, ok := integer(b["duration"]); ok {
		seconds = d
	}
	rate := creditsPerSecond[name][0]
	if audio, ok := b["audio"].(bool); ok && !audio {
		rate = creditsPerSecond[name][1]
	}
	return seconds * rate
}

// validate checks a body as Runway's validation does, and returns its
// issues in Runway's shape ({code, path, message, values/keys}).
func validate(endpoint string, b map[string]any) []map[string]any {
	models := rules[endpoint]
	name, _ := b["model"].(string)
	r, ok := models[name]
	if !ok {
		return []map[string]any{{"code": "invalid_value", "values": slices.Sorted(maps.Keys(models)),
			"path": []string{"model"}, "message": "Invalid input"}}
	}
	var issues []map[string]any
	add := func(code, field, msg string) {
		issues = append(issues, map[string]any{"code": code, "path": []string{field}, "message": msg})
	}
	var unknown []string
	for k := range b {
		if !slices.Contains(r.required, k) && !slices.Contains(r.optional, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		issues = append(issues, map[string]any{"code": "unrecognized_keys", "keys": unknown, "path": []string{},
			"message": "Unrecognized key(s) in object: " + strings.Join(unknown, ", ")})
	}
	for _, k := range r.required {
		if _, ok := b[k]; !ok {
			add("invalid_type", k, "Required")
		}
	}
	for k, v := range b {
		switch k {
		case "promptText", "negativePrompt":
			s, isString := v.(string)
			switch {
			case !isString:
				add("invalid_type", k, "Expected string")
			case k == "promptText" && strings.TrimSpace(s) == "":
				add("too_small", k, "Must be a non-empty string")
			case len(utf16.Encode([]rune(s))) > 1000:
				add("too_big", k, "Too big: expected string to have <=1000 characters")
			}
		case "ratio":
			if s, _ := v.(string); !slices.Contains(r.ratios, s) {
				issues = append(issues, map[string]any{"code": "invalid_value", "values": r.ratios, "path": []string{k}, "message": "Invalid input"})
			}
		case "duration":
			n, isInt := integer(v)
			switch {
			case !isInt:
				add("invalid_type", k, "Expected integer")
			case r.durations != nil && !slices.Contains(r.durations, n):
				issues = append(issues, map[string]any{"code": "invalid_value", "values": r.durations, "path": []string{k}, "message": "Invalid input"})
			case r.durations == nil && n < r.minS:
				add("too_small", k, "Too small: expected number to be >="+itoa(r.minS))
			case r.durations == nil && n > r.maxS:
				add("too_big", k, "Too big: expected number to be <="+itoa(r.maxS))
			}
		case "seed":
			if n, isInt := integer(v); !isInt || n < 0 || n > 4294967295 {
				add("invalid_type", k, "Expected an integer from 0 to 4294967295")
			}
		case "audio":
			if _, isBool := v.(bool); !isBool {
				add("invalid_type", k, "Expected boolean")
			}
		case "promptImage":
			if !image(v) {
				add("custom", k, "Expected a HTTPS URL, a Runway upload URI or a base64 data URI of an image")
			}
		case "contentModeration":
			m, _ := v.(map[string]any)
			t, _ := m["publicFigureThreshold"].(string)
			if m == nil || len(m) != 1 || (t != "auto" && t != "low") {
				add("invalid_value", k, "Expected {publicFigureThreshold: auto | low}")
			}
		}
	}
	return issues
}

// image reports a promptImage the reference allows: a URI, or a list of
// {uri, position}.
func image(v any) bool {
	uri := func(s string) bool {
		return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "runway://") ||
			(strings.HasPrefix(s, "data:image/") && strings.Contains(s, ";base64,"))
	}
	switch v := v.(type) {
	case string:
		return uri(v)
	case []any:
		for _, el := range v {
			m, _ := el.(map[string]any)
			s, _ := m["uri"].(string)
			if !uri(s) {
				return false
			}
		}
		return len(v) > 0
	}
	return false
}

func integer(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
