package replicate

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Fields are the shot's values an input template can place.
type Fields struct {
	Prompt         string
	NegativePrompt string
	Seed           int64
	DurationMS     int64
	AspectRatio    string
	Width, Height  int
	// Resolution is the tier's name in the model's terms ("720p",
	// "pro"), from the entry's tier map.
	Resolution string
	FrameRate  int
	// StartImage is the frame the video starts from, as a URL or a data:
	// URI; empty renders from text alone.
	StartImage string
}

// kind is what a placeholder becomes when it is a whole string value.
type kind int

const (
	text kind = iota
	integer
	number
)

// placeholders are the names a template may use, each with the JSON type
// it takes when it stands alone as a value.
var placeholders = map[string]kind{
	"prompt":          text,
	"negative_prompt": text,
	"seed":            integer,
	"duration_s":      number,
	"duration_ms":     integer,
	"aspect_ratio":    text,
	"width":           integer,
	"height":          integer,
	"resolution":      text,
	"frame_rate":      integer,
	"start_image":     text,
}

var placeholder = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// Template is an engines-file entry's "input": the model's input object
// with placeholders where a shot's values go. It is filled by walking the
// parsed JSON and replacing string values, never by substituting text into
// JSON, so a prompt with quotes or braces stays one string.
type Template struct {
	input map[string]any
	// seedKey is the top-level input that is exactly {{seed}}, whose echo
	// in the prediction says which seed the model was given.
	seedKey string
	// used are the placeholders the template places.
	used map[string]bool
}

// ParseTemplate checks an entry's input template and keeps a copy of it,
// so a typo fails when the server starts rather than at the first render.
func ParseTemplate(input map[string]any) (*Template, error) {
	if len(input) == 0 {
		return nil, fmt.Errorf(`input: required: the model's inputs with placeholders, such as {"prompt": "{{prompt}}", "duration": "{{duration_s}}"}`)
	}
	// A round trip through JSON is the copy, and refuses values the
	// provider could not be sent.
	data, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("input: not JSON: %w", err)
	}
	var copied map[string]any
	if err := decodeJSON(data, &copied); err != nil {
		return nil, fmt.Errorf("input: not JSON: %w", err)
	}
	used := map[string]bool{}
	if err := check("input", copied, used); err != nil {
		return nil, err
	}
	if !used["prompt"] {
		return nil, fmt.Errorf("input: no {{prompt}}: the shot's prompt would never reach the model")
	}
	t := &Template{input: copied, used: used}
	for _, k := range slices.Sorted(maps.Keys(copied)) {
		if s, ok := copied[k].(string); ok && whole(s) == "seed" {
			t.seedKey = k
			break
		}
	}
	return t, nil
}

// check walks v, naming the path of any unknown placeholder.
func check(path string, v any, used map[string]bool) error {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if err := check(path+"."+k, v[k], used); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := check(fmt.Sprintf("%s[%d]", path, i), e, used); err != nil {
				return err
			}
		}
	case string:
		for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
			if _, ok := placeholders[m[1]]; !ok {
				return fmt.Errorf("%s: unknown placeholder %s; known: %s", path, m[0], known())
			}
			used[m[1]] = true
		}
	}
	return nil
}

func known() string {
	var all []string
	for _, p := range slices.Sorted(maps.Keys(placeholders)) {
		all = append(all, "{{"+p+"}}")
	}
	return strings.Join(all, " ")
}

// whole returns the placeholder's name when s is one placeholder and
// nothing else.
func whole(s string) string {
	if m := placeholder.FindStringSubmatch(s); m != nil && m[0] == s {
		return m[1]
	}
	return ""
}

// Uses says whether the template places the named placeholder
// ("start_image", without braces).
func (t *Template) Uses(name string) bool { return t.used[name] }

// SeedKey is the top-level input the template gives the seed, or "".
func (t *Template) SeedKey() string { return t.seedKey }

// omit marks a value that is left out of the input: a start image the
// shot does not have, which the model would refuse as an empty URL.
type omit struct{}

// Fill returns the model's input for f. The template is not changed, so
// one template serves concurrent renders.
func (t *Template) Fill(f Fields) map[string]any {
	values := map[string]any{
		"prompt":          f.Prompt,
		"negative_prompt": f.NegativePrompt,
		"seed":            json.Number(strconv.FormatInt(f.Seed, 10)),
		"duration_s":      json.Number(strconv.FormatFloat(float64(f.DurationMS)/1000, 'f', -1, 64)),
		"duration_ms":     json.Number(strconv.FormatInt(f.DurationMS, 10)),
		"aspect_ratio":    f.AspectRatio,
		"width":           json.Number(strconv.Itoa(f.Width)),
		"height":          json.Number(strconv.Itoa(f.Height)),
		"resolution":      f.Resolution,
		"frame_rate":      json.Number(strconv.Itoa(f.FrameRate)),
		"start_image":     f.StartImage,
	}
	fill := func(s string) any {
		if name := whole(s); name != "" {
			if name == "start_image" && f.StartImage == "" {
				return omit{}
			}
			return values[name]
		}
		// One pass over the template's own text: what a prompt brings in
		// is never scanned again, so a prompt holding "{{seed}}" stays as
		// written.
		return placeholder.ReplaceAllStringFunc(s, func(p string) string {
			switch v := values[placeholder.FindStringSubmatch(p)[1]].(type) {
			case json.Number:
				return v.String()
			case string:
				return v
			}
			return ""
		})
	}
	return walk(t.input, fill).(map[string]any)
}

// walk copies v, passing every string value, but no object key, through
// fill, and dropping what fill omits.
func walk(v any, fill func(string) any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if w := walk(e, fill); w != (omit{}) {
				out[k] = w
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			if w := walk(e, fill); w != (omit{}) {
				out = append(out, w)
			}
		}
		return out
	case string:
		return fill(v)
	}
	return v
}
