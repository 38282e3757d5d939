package veotest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The parameters each backend documents for Veo. The Gemini API refuses
// seed, storageUri, generateAudio and the rest of Vertex AI's (the Gemini
// SDKs reject them before sending).
var (
	geminiParams = []string{"aspectRatio", "negativePrompt", "resolution", "durationSeconds",
		"sampleCount", "personGeneration", "enhancePrompt"}
	vertexParams = append(slices.Clone(geminiParams), "seed", "storageUri", "generateAudio",
		"compressionQuality", "fps", "pubsubTopic", "resizeMode")
)

// limits are a Veo model line's durations and resolutions, and those it
// renders only at 8 s.
type limits struct {
	durations   []int64
	resolutions []string
	eightOnly   []string
}

func limitsOf(model string) limits {
	switch {
	case strings.HasPrefix(model, "veo-2."):
		return limits{durations: []int64{5, 6, 8}}
	case strings.HasPrefix(model, "veo-3.0-"), strings.HasPrefix(model, "veo-3.1-lite"):
		return limits{durations: []int64{4, 6, 8}, resolutions: []string{"720p", "1080p"}, eightOnly: []string{"1080p"}}
	default:
		return limits{durations: []int64{4, 6, 8}, resolutions: []string{"720p", "1080p", "4k"}, eightOnly: []string{"1080p", "4k"}}
	}
}

// validate checks a predictLongRunning body as the documentation states
// it and returns Google's complaint, or "".
func validate(backend, model string, body map[string]any) string {
	instances, ok := body["instances"].([]any)
	if !ok || len(instances) != 1 {
		return "instances must hold exactly one instance."
	}
	inst, ok := instances[0].(map[string]any)
	if !ok {
		return "instances[0] must be an object."
	}
	if msg := validateImage(backend, inst); msg != "" {
		return msg
	}
	if p, ok := inst["prompt"].(string); inst["image"] == nil && (!ok || strings.TrimSpace(p) == "") {
		return "A prompt is required for text-to-video generation."
	}
	params, ok := body["parameters"].(map[string]any)
	if !ok && body["parameters"] != nil {
		return "parameters must be an object."
	}
	allowed := geminiParams
	if backend == "vertex" {
		allowed = vertexParams
	}
	lim := limitsOf(model)
	for k := range params {
		if !slices.Contains(allowed, k) || k == "resolution" && lim.resolutions == nil {
			return fmt.Sprintf("`%s` isn't supported by this model. Please remove it or refer to the documentation for supported usage.", k)
		}
	}
	if v, ok := params["aspectRatio"]; ok && v != "16:9" && v != "9:16" {
		return fmt.Sprintf("aspectRatio %v is not supported; use 16:9 or 9:16.", v)
	}
	seconds := int64(8)
	if v, ok := params["durationSeconds"]; ok {
		n, isInt := integer(v)
		if !isInt || !slices.Contains(lim.durations, n) {
			return fmt.Sprintf("durationSeconds %v is out of range for %s; supported: %v.", v, model, lim.durations)
		}
		seconds = n
	}
	if v, ok := params["resolution"]; ok {
		r, _ := v.(string)
		if !slices.Contains(lim.resolutions, r) {
			return fmt.Sprintf("resolution %v is not supported by %s; supported: %v.", v, model, lim.resolutions)
		}
		if slices.Contains(lim.eightOnly, r) && seconds != 8 {
			return fmt.Sprintf("resolution %s requires durationSeconds 8.", r)
		}
	}
	if v, ok := params["sampleCount"]; ok {
		if n, isInt := integer(v); !isInt || n < 1 || n > 4 {
			return "sampleCount must be between 1 and 4."
		}
	}
	if v, ok := params["seed"]; ok {
		if n, isInt := integer(v); !isInt || n < 0 || n > 4294967295 {
			return "seed must be an integer between 0 and 4294967295."
		}
	}
	if v, ok := params["storageUri"]; ok {
		if u, _ := v.(string); !strings.HasPrefix(u, "gs://") {
			return "storageUri must be a gs:// URI."
		}
	}
	if v, ok := params["generateAudio"]; ok {
		if _, isBool := v.(bool); !isBool {
			return "generateAudio must be a boolean."
		}
	}
	return ""
}

// validateImage checks instances[0].image, the first frame of an
// image-to-video request: an Image with bytesBase64Encoded and its
// mimeType (image/png or image/jpeg); Vertex AI also takes a gcsUri in
// place of the bytes.
func validateImage(backend string, inst map[string]any) string {
	v, ok := inst["image"]
	if !ok {
		return ""
	}
	img, ok := v.(map[string]any)
	if !ok {
		return "instances[0].image must be an object."
	}
	for k := range img {
		if k != "bytesBase64Encoded" && k != "mimeType" && (backend != "vertex" || k != "gcsUri") {
			return fmt.Sprintf("Invalid JSON payload received. Unknown name \"%s\" at 'instances[0].image'.", k)
		}
	}
	b64, hasBytes := img["bytesBase64Encoded"].(string)
	_, hasURI := img["gcsUri"].(string)
	switch {
	case hasBytes == hasURI:
		return "instances[0].image needs exactly one of bytesBase64Encoded or gcsUri."
	case hasBytes:
		if b, err := base64.StdEncoding.DecodeString(b64); err != nil || len(b) == 0 {
			return "instances[0].image.bytesBase64Encoded is not valid base64."
		}
	}
	if m, _ := img["mimeType"].(string); m != "image/png" && m != "image/jpeg" {
		return fmt.Sprintf("instances[0].image.mimeType %v is not supported; use image/png or image/jpeg.", img["mimeType"])
	}
	return ""
}

func integer(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}
