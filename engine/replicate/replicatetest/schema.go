package replicatetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Model is a model the fake runs: its name, the version id POST
// /v1/predictions accepts for it, and its input schema, which the fake
// checks every prediction's input against as Replicate does (422 "Input
// validation failed"). Inputs the schema does not name are ignored.
type Model struct {
	Name    string // owner/name
	Version string // 64-hex version id; "" runs only by name
	Inputs  map[string]Input
}

// Input is one field of a model's input schema.
type Input struct {
	// Type is "string", "uri", "integer" or "number".
	Type     string
	Required bool
	// Enum, when set, are the only values taken, written as JSON
	// scalars are read ("5", "16:9").
	Enum []string
	// Max bounds a number, when set.
	Max *float64
}

func ptr(f float64) *float64 { return &f }

// KlingV21 is kwaivgi/kling-v2.1 as Replicate's schema gives it: an
// image-to-video model whose start_image is required, whose "mode" is its
// resolution (standard is 720p, pro 1080p, both 24 fps) and whose duration
// is 5 or 10 seconds. It has no aspect_ratio and no seed. Source:
// testdata/kling-v2.1.schema.md.
var KlingV21 = Model{
	Name: "kwaivgi/kling-v2.1",
	// An official model, run by name; its version ids are not published
	// with its schema, so the fake knows none.
	Inputs: map[string]Input{
		"prompt":          {Type: "string", Required: true},
		"negative_prompt": {Type: "string"},
		"start_image":     {Type: "uri", Required: true},
		"end_image":       {Type: "uri"},
		"mode":            {Type: "string", Enum: []string{"standard", "pro"}},
		"duration":        {Type: "integer", Enum: []string{"5", "10"}},
	},
}

// KlingV20 is kwaivgi/kling-v2.0, which renders from text alone: an
// optional start_image, an aspect_ratio of 16:9, 9:16 or 1:1, cfg_scale
// up to 1, and 5 or 10 seconds. Source: testdata/kling-v2.0.schema.md.
var KlingV20 = Model{
	Name:    "kwaivgi/kling-v2.0",
	Version: "c17ab6fb62ef8b427c30147c3fef6b4d3bb94af3ba6095c67f8f82304829008a",
	Inputs: map[string]Input{
		"prompt":          {Type: "string", Required: true},
		"negative_prompt": {Type: "string"},
		"aspect_ratio":    {Type: "string", Enum: []string{"16:9", "9:16", "1:1"}},
		"start_image":     {Type: "uri"},
		"cfg_scale":       {Type: "number", Max: ptr(1)},
		"duration":        {Type: "integer", Enum: []string{"5", "10"}},
	},
}

// validate returns one line per field the input gets wrong, as
// Replicate's 422 detail lists them, or nil.
func (m Model) validate(input map[string]any) []string {
	var bad []string
	for _, name := range slices.Sorted(maps.Keys(m.Inputs)) {
		spec := m.Inputs[name]
		v, ok := input[name]
		if !ok || v == nil {
			if spec.Required {
				bad = append(bad, fmt.Sprintf("- input: %s is required", name))
			}
			continue
		}
		if msg := spec.check(name, v); msg != "" {
			bad = append(bad, "- input."+name+": "+msg)
		}
	}
	return bad
}

func (in Input) check(name string, v any) string {
	var scalar string
	switch in.Type {
	case "string", "uri":
		s, ok := v.(string)
		if !ok {
			return fmt.Sprintf("Invalid type. Expected: string, given: %s", jsonType(v))
		}
		if in.Type == "uri" {
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "data") {
				return fmt.Sprintf("%s must be a URI: %q", name, s)
			}
			if u.Scheme == "data" && !dataURI(s) {
				return fmt.Sprintf("%s is not a base64 data URI of an image", name)
			}
		}
		scalar = s
	case "integer", "number":
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Sprintf("Invalid type. Expected: %s, given: %s", in.Type, jsonType(v))
		}
		f, err := n.Float64()
		if err != nil {
			return fmt.Sprintf("Invalid type. Expected: %s, given: %s", in.Type, n)
		}
		if in.Type == "integer" {
			if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
				return fmt.Sprintf("Invalid type. Expected: integer, given: number (%s)", n)
			}
		}
		if in.Max != nil && f > *in.Max {
			return fmt.Sprintf("Must be less than or equal to %g", *in.Max)
		}
		scalar = n.String()
	}
	if len(in.Enum) > 0 && !slices.Contains(in.Enum, scalar) {
		return fmt.Sprintf("%s must be one of the following: %s", name, strings.Join(in.Enum, ", "))
	}
	return ""
}

// dataURI says whether s is a file Replicate can read from a data: URI:
// an image's media type and its bytes in base64.
func dataURI(s string) bool {
	meta, data, ok := strings.Cut(strings.TrimPrefix(s, "data:"), ",")
	if !ok || !strings.HasPrefix(meta, "image/") || !strings.HasSuffix(meta, ";base64") {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(data)
	return err == nil && len(b) > 0
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}
