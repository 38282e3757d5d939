package comfyui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"slate"
)

// Placeholders a template may use. A string value that is exactly a number
// placeholder becomes a JSON number; anywhere else in a string, a
// placeholder is replaced by its text.
var (
	numberPlaceholders = []string{"seed", "width", "height", "frames", "fps", "duration_ms"}
	textPlaceholders   = []string{"prompt", "negative_prompt", "shot_name", "shot_id", "job_id"}
)

var placeholder = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// Template is an operator's ComfyUI workflow in API format (the JSON the
// ComfyUI editor saves with "Export (API)"): node ids mapping to
// {"class_type", "inputs"}, with placeholders where a shot's values go.
//
// It is filled by walking the parsed JSON and replacing string values, never
// by substituting text into the file, so a prompt with quotes, braces or
// backslashes stays one JSON string and cannot add or change a node.
type Template struct {
	nodes map[string]any
}

// LoadTemplate reads a template from a file.
func LoadTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("comfyui: template: %w", err)
	}
	t, err := ParseTemplate(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return t, nil
}

// ParseTemplate parses an API-format workflow and checks its placeholders,
// so a typo fails when the worker starts rather than at the first render.
func ParseTemplate(data []byte) (*Template, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	// Numbers stay as written: a 64-bit seed would lose digits as a float.
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("comfyui: template is not JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("comfyui: template has data after the workflow")
	}
	nodes, ok := root.(map[string]any)
	if !ok || len(nodes) == 0 {
		return nil, errors.New("comfyui: template must be a JSON object of nodes")
	}
	if _, ok := nodes["nodes"].([]any); ok {
		return nil, errors.New(`comfyui: template is an editor workflow; save it with "Export (API)"`)
	}
	for id, n := range nodes {
		node, ok := n.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("comfyui: template node %q is not an object", id)
		}
		if _, ok := node["class_type"].(string); !ok {
			return nil, fmt.Errorf("comfyui: template node %q has no class_type", id)
		}
	}
	if err := checkPlaceholders(root); err != nil {
		return nil, err
	}
	return &Template{nodes: nodes}, nil
}

func checkPlaceholders(v any) error {
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			if err := checkPlaceholders(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkPlaceholders(e); err != nil {
				return err
			}
		}
	case string:
		for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
			if !slices.Contains(numberPlaceholders, m[1]) && !slices.Contains(textPlaceholders, m[1]) {
				return fmt.Errorf("comfyui: template has unknown placeholder %s; known: %s", m[0], known())
			}
		}
	}
	return nil
}

func known() string {
	var all []string
	for _, p := range slices.Concat(numberPlaceholders, textPlaceholders) {
		all = append(all, "{{"+p+"}}")
	}
	return strings.Join(all, " ")
}

// Frames is how many frames a shot lasts at its frame rate, rounded: the
// value of {{frames}}.
func Frames(spec slate.RenderSpec) int64 {
	return (spec.DurationMS*int64(spec.FrameRate) + 500) / 1000
}

// Fill returns the workflow with spec's values in place of the
// placeholders, ready to post. The template itself is not changed, so one
// template serves concurrent renders.
func (t *Template) Fill(spec slate.RenderSpec) map[string]any {
	// ComfyUI seeds are unsigned 64-bit; a negative int64 seed keeps its
	// bits rather than being refused by the sampler.
	numbers := map[string]json.Number{
		"seed":        json.Number(strconv.FormatUint(uint64(spec.Seed), 10)),
		"width":       json.Number(strconv.Itoa(spec.Width)),
		"height":      json.Number(strconv.Itoa(spec.Height)),
		"frames":      json.Number(strconv.FormatInt(Frames(spec), 10)),
		"fps":         json.Number(strconv.Itoa(spec.FrameRate)),
		"duration_ms": json.Number(strconv.FormatInt(spec.DurationMS, 10)),
	}
	texts := map[string]string{
		"prompt":          spec.Prompt,
		"negative_prompt": spec.NegativePrompt,
		"shot_name":       spec.ShotName,
		"shot_id":         spec.ShotID,
		"job_id":          spec.JobID,
	}
	fill := func(s string) any {
		if m := placeholder.FindStringSubmatch(s); m != nil && m[0] == s {
			if n, ok := numbers[m[1]]; ok {
				return n
			}
		}
		// One pass over the template's own text: what a prompt brings in
		// is never scanned again, so a prompt holding "{{seed}}" stays as
		// written.
		return placeholder.ReplaceAllStringFunc(s, func(p string) string {
			name := placeholder.FindStringSubmatch(p)[1]
			if n, ok := numbers[name]; ok {
				return n.String()
			}
			return texts[name]
		})
	}
	return walk(t.nodes, fill).(map[string]any)
}

// walk copies v, passing every string value, but no object key, through
// fill.
func walk(v any, fill func(string) any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = walk(e, fill)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = walk(e, fill)
		}
		return out
	case string:
		return fill(v)
	}
	return v
}
