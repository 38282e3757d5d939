package replicate_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"slate/engine/replicate"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/template")

// shot is the fields the golden files are filled with.
var shot = replicate.Fields{
	Prompt:         `a lighthouse at dusk, "storm" {{seed}} \ rolling in`,
	NegativePrompt: "blurry, text",
	Seed:           8_070_450_532_247_928_831, // past 2^53: a float would lose it
	DurationMS:     5000,
	AspectRatio:    "16:9",
	Width:          1280,
	Height:         720,
	Resolution:     "standard",
	FrameRate:      24,
}

func readTemplate(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func TestTemplateGolden(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "template", "*.template.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".template.json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := replicate.ParseTemplate(readTemplate(t, path))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(tmpl.Fill(shot), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "template", name+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("filled %s:\n%s\nwant (%s):\n%s", path, got, golden, want)
			}
		})
	}
}

func TestTemplateFill(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		tmpl   map[string]any
		fields replicate.Fields
		want   string // the filled input as JSON
	}{
		{"a whole placeholder takes its type",
			map[string]any{"prompt": "{{prompt}}", "seed": "{{seed}}", "duration": "{{duration_s}}", "ms": "{{duration_ms}}",
				"w": "{{width}}", "h": "{{height}}", "fps": "{{frame_rate}}"},
			replicate.Fields{Prompt: "p", Seed: 42, DurationMS: 10000, Width: 1920, Height: 1080, FrameRate: 24},
			`{"duration":10,"fps":24,"h":1080,"ms":10000,"prompt":"p","seed":42,"w":1920}`},
		{"a part-second duration is a decimal number",
			map[string]any{"prompt": "{{prompt}}", "duration": "{{duration_s}}"},
			replicate.Fields{Prompt: "p", DurationMS: 5500},
			`{"duration":5.5,"prompt":"p"}`},
		{"placeholders inside text are interpolated",
			map[string]any{"prompt": "{{prompt}} ({{aspect_ratio}}, {{duration_s}} s, {{resolution}})"},
			replicate.Fields{Prompt: "rain", AspectRatio: "9:16", DurationMS: 6000, Resolution: "720p"},
			`{"prompt":"rain (9:16, 6 s, 720p)"}`},
		{"a prompt's own braces and quotes stay text",
			map[string]any{"prompt": "{{prompt}}", "neg": "{{negative_prompt}}"},
			replicate.Fields{Prompt: `say "{{seed}}"}, {"x": 1`, NegativePrompt: `\n`},
			`{"neg":"\\n","prompt":"say \"{{seed}}\"}, {\"x\": 1"}`},
		{"no start image leaves the input out",
			map[string]any{"prompt": "{{prompt}}", "start_image": "{{start_image}}", "refs": []any{"{{start_image}}", "x"}},
			replicate.Fields{Prompt: "p"},
			`{"prompt":"p","refs":["x"]}`},
		{"a start image goes in",
			map[string]any{"prompt": "{{prompt}}", "start_image": "{{start_image}}"},
			replicate.Fields{Prompt: "p", StartImage: "https://example.com/f.png"},
			`{"prompt":"p","start_image":"https://example.com/f.png"}`},
		{"other values pass through",
			map[string]any{"prompt": "{{prompt}}", "cfg": 0.5, "on": true, "none": nil, "n": json.Number("7"),
				"nested": map[string]any{"list": []any{1.5, "{{width}}"}}},
			replicate.Fields{Prompt: "p", Width: 640},
			`{"cfg":0.5,"n":7,"nested":{"list":[1.5,640]},"none":null,"on":true,"prompt":"p"}`},
		{"spaces inside the braces are allowed",
			map[string]any{"prompt": "{{ prompt }}", "seed": "{{  seed }}"},
			replicate.Fields{Prompt: "p", Seed: -3},
			`{"prompt":"p","seed":-3}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := replicate.ParseTemplate(tc.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(tmpl.Fill(tc.fields))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestTemplateRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		tmpl map[string]any
		want string
	}{
		{"empty", map[string]any{}, "input: required"},
		{"nil", nil, "input: required"},
		{"unknown placeholder, named with its path",
			map[string]any{"prompt": "{{prompt}}", "opts": map[string]any{"d": "{{duration}}"}},
			"input.opts.d: unknown placeholder {{duration}}"},
		{"unknown placeholder in a list",
			map[string]any{"prompt": "{{prompt}}", "l": []any{"ok", "{{fps}}"}}, "input.l[1]: unknown placeholder {{fps}}"},
		{"no prompt", map[string]any{"text": "a fixed text", "d": "{{duration_s}}"}, "input: no {{prompt}}"},
		{"not JSON", map[string]any{"prompt": "{{prompt}}", "bad": func() {}}, "input: not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := replicate.ParseTemplate(tc.tmpl)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestTemplateKeepsItsOwnCopy(t *testing.T) {
	t.Parallel()
	src := map[string]any{"prompt": "{{prompt}}", "nested": map[string]any{"seed": "{{seed}}"}}
	tmpl, err := replicate.ParseTemplate(src)
	if err != nil {
		t.Fatal(err)
	}
	src["prompt"] = "changed after parsing"
	first := tmpl.Fill(replicate.Fields{Prompt: "one", Seed: 1})
	first["nested"].(map[string]any)["seed"] = "scribbled on"
	second := tmpl.Fill(replicate.Fields{Prompt: "two", Seed: 2})
	want := map[string]any{"prompt": "two", "nested": map[string]any{"seed": json.Number("2")}}
	if !reflect.DeepEqual(second, want) {
		t.Errorf("second fill = %#v, want %#v", second, want)
	}
}

func TestTemplateSeedKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tmpl map[string]any
		want string
	}{
		{map[string]any{"prompt": "{{prompt}}", "seed": "{{seed}}"}, "seed"},
		{map[string]any{"prompt": "{{prompt}}", "random_seed": "{{ seed }}"}, "random_seed"},
		{map[string]any{"prompt": "{{prompt}} {{seed}}"}, ""},
		{map[string]any{"prompt": "{{prompt}}", "x": map[string]any{"seed": "{{seed}}"}}, ""},
	} {
		tmpl, err := replicate.ParseTemplate(tc.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if got := tmpl.SeedKey(); got != tc.want {
			t.Errorf("SeedKey of %v = %q, want %q", tc.tmpl, got, tc.want)
		}
	}
}
