package faltest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// schema is the part of a model's documented input schema the fake checks.
type schema struct {
	minFrames, maxFrames int
	minFPS, maxFPS       int
	aspectRatios         []string
	resolutions          []string
	// image says image_url is required: an image-to-video model.
	image bool
}

// schemas are the Wan models' input schemas as fal documents them (fal-js
// libs/client/src/types/endpoints.ts: WanT2vInput,
// WanV22A14bTextToVideoInput). Any other model is checked for its prompt
// only.
var schemas = map[string]schema{
	"fal-ai/wan-t2v": {minFrames: 81, maxFrames: 100, minFPS: 5, maxFPS: 24,
		aspectRatios: []string{"9:16", "16:9"}, resolutions: []string{"480p", "580p", "720p"}},
	"fal-ai/wan/v2.2-a14b/text-to-video": {minFrames: 17, maxFrames: 161, minFPS: 4, maxFPS: 60,
		aspectRatios: []string{"16:9", "9:16", "1:1"}, resolutions: []string{"480p", "580p", "720p"}},
	"fal-ai/wan-i2v": {minFrames: 81, maxFrames: 100, minFPS: 5, maxFPS: 24,
		aspectRatios: []string{"9:16", "16:9"}, resolutions: []string{"480p", "720p"}, image: true},
	"fal-ai/wan/v2.2-a14b/image-to-video": {minFrames: 17, maxFrames: 161, minFPS: 4, maxFPS: 60,
		aspectRatios: []string{"16:9", "9:16", "1:1"}, resolutions: []string{"480p", "580p", "720p"}, image: true},
}

// validate checks input against model's schema and answers the errors as
// a fal model's 422 lists them (Pydantic's loc, msg, type).
func validate(model string, input map[string]any) []map[string]any {
	var errs []map[string]any
	bad := func(field, msg, typ string, ctx map[string]any) {
		e := map[string]any{"loc": []string{"body", field}, "msg": msg, "type": typ,
			"url": "https://docs.fal.ai/errors#" + typ}
		if v, ok := input[field]; ok {
			e["input"] = v
		}
		if ctx != nil {
			e["ctx"] = ctx
		}
		errs = append(errs, e)
	}
	switch p, ok := input["prompt"]; {
	case !ok:
		bad("prompt", "Field required", "missing", nil)
	case !isString(p):
		bad("prompt", "Input should be a valid string", "string_type", nil)
	}
	if v, ok := input["negative_prompt"]; ok && !isString(v) {
		bad("negative_prompt", "Input should be a valid string", "string_type", nil)
	}
	if v, ok := input["seed"]; ok {
		if _, isInt := integer(v); !isInt {
			bad("seed", "Input should be a valid integer", "int_type", nil)
		}
	}
	sc, known := schemas[model]
	if !known {
		return errs
	}
	between := func(field string, lo, hi int) {
		v, ok := input[field]
		if !ok {
			return
		}
		n, isInt := integer(v)
		switch {
		case !isInt:
			bad(field, "Input should be a valid integer", "int_type", nil)
		case n < int64(lo):
			bad(field, fmt.Sprintf("Input should be greater than or equal to %d", lo), "greater_than_equal", map[string]any{"ge": lo})
		case n > int64(hi):
			bad(field, fmt.Sprintf("Input should be less than or equal to %d", hi), "less_than_equal", map[string]any{"le": hi})
		}
	}
	between("num_frames", sc.minFrames, sc.maxFrames)
	between("frames_per_second", sc.minFPS, sc.maxFPS)
	oneOf := func(field string, allowed []string) {
		v, ok := input[field]
		if !ok {
			return
		}
		if s, isStr := v.(string); !isStr || !slices.Contains(allowed, s) {
			quoted := make([]string, len(allowed))
			for i, a := range allowed {
				quoted[i] = "'" + a + "'"
			}
			expected := strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
			bad(field, "Input should be "+expected, "literal_error", map[string]any{"expected": expected})
		}
	}
	oneOf("aspect_ratio", sc.aspectRatios)
	oneOf("resolution", sc.resolutions)
	if sc.image {
		switch v, ok := input["image_url"]; {
		case !ok:
			bad("image_url", "Field required", "missing", nil)
		case !imageURL(v):
			bad("image_url", "Input should be a URL or a base64 data URI of an image", "url_parsing", nil)
		}
	}
	return errs
}

// imageURL says whether v is what fal takes for an image: an http(s) URL
// or a data: URI of an image in base64.
func imageURL(v any) bool {
	s, _ := v.(string)
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		return true
	}
	meta, data, ok := strings.Cut(strings.TrimPrefix(s, "data:"), ",")
	if !strings.HasPrefix(s, "data:") || !ok || !strings.HasPrefix(meta, "image/") || !strings.HasSuffix(meta, ";base64") {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(data)
	return err == nil && len(b) > 0
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// integer reads a JSON number that is a whole number.
func integer(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// seedOf is the seed the request asked for, or one the "model" picks.
func seedOf(input map[string]any) int64 {
	if n, ok := integer(input["seed"]); ok {
		return n
	}
	return 42
}

// clipOf is the video a request's input asks for, at a small size.
func clipOf(input map[string]any) clipKey {
	k := clipKey{W: 160, H: 90, Frames: 81, FPS: 16}
	switch input["aspect_ratio"] {
	case "9:16":
		k.W, k.H = 90, 160
	case "1:1":
		k.W, k.H = 96, 96
	}
	if n, ok := integer(input["num_frames"]); ok && n > 0 && n <= 1000 {
		k.Frames = int(n)
	}
	if n, ok := integer(input["frames_per_second"]); ok && n > 0 && n <= 120 {
		k.FPS = int(n)
	}
	return k
}
