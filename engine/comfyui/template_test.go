package comfyui_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"slate"
	"slate/engine/comfyui"
	"slate/golden"
)

func testSpec() slate.RenderSpec {
	return slate.RenderSpec{
		JobID: "job-1", ShotID: "shot-1", ShotName: "Opening", Prompt: "A lighthouse at dusk",
		NegativePrompt: "people", Seed: 42, Engine: "comfyui", Tier: "draft",
		DurationMS: 2500, Width: 854, Height: 480, FrameRate: 24,
	}
}

// decode reads posted or filled JSON back the way ComfyUI would.
func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	return v
}

// input returns inputs[name] of node id.
func input(t *testing.T, workflow map[string]any, id, name string) any {
	t.Helper()
	node, ok := workflow[id].(map[string]any)
	if !ok {
		t.Fatalf("no node %q in %v", id, workflow)
	}
	return node["inputs"].(map[string]any)[name]
}

func TestFillGolden(t *testing.T) {
	t.Parallel()
	tmpl, err := comfyui.LoadTemplate(filepath.Join("testdata", "wan_t2v.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(tmpl.Fill(testSpec()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "wan_t2v.filled.golden", string(got)+"\n")
}

func TestFillValues(t *testing.T) {
	t.Parallel()
	tmpl, err := comfyui.LoadTemplate(filepath.Join("testdata", "wan_t2v.json"))
	if err != nil {
		t.Fatal(err)
	}
	negative := testSpec()
	negative.Seed = -1
	for _, tc := range []struct {
		name      string
		spec      slate.RenderSpec
		id, input string
		want      any
	}{
		{"seed is a number", testSpec(), "3s", "seed", json.Number("42")},
		{"negative seed keeps its bits", negative, "3s", "seed", json.Number("18446744073709551615")},
		{"width", testSpec(), "40", "width", json.Number("854")},
		{"height", testSpec(), "40", "height", json.Number("480")},
		{"frames rounds", testSpec(), "40", "length", json.Number("60")},
		{"fps", testSpec(), "9", "fps", json.Number("24")},
		{"prompt", testSpec(), "6", "text", "A lighthouse at dusk"},
		{"text inside a string", testSpec(), "7", "text", "people, blurry, watermark"},
		{"id inside a string", testSpec(), "10", "filename_prefix", "slate/job-1"},
		{"untouched number", testSpec(), "3s", "steps", json.Number("30")},
		{"untouched float", testSpec(), "3s", "cfg", json.Number("6.0")},
		{"untouched link", testSpec(), "3s", "model", []any{"1", json.Number("0")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := json.Marshal(tmpl.Fill(tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			got := input(t, decode(t, data), tc.id, tc.input)
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(tc.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("%s.inputs.%s = %s, want %s", tc.id, tc.input, gotJSON, wantJSON)
			}
		})
	}
}

func TestFillHostile(t *testing.T) {
	t.Parallel()
	tmpl, err := comfyui.LoadTemplate(filepath.Join("testdata", "wan_t2v.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, prompt := range []string{
		`", "99": {"class_type": "Evil", "inputs": {}}, "x": "`,
		`"}}, "99": {"class_type": "Evil"}}`,
		`{{seed}} {{width}} {{prompt}} {{unknown}}`,
		`back\slash \" \u0000 \n`,
		"line\nbreak\ttab\x00nul",
		`</script><script>alert(1)</script>`,
		`'; DROP TABLE shots; --`,
		"🎬 灯台 Ωμέγα",
	} {
		t.Run(prompt, func(t *testing.T) {
			t.Parallel()
			spec := testSpec()
			spec.Prompt, spec.NegativePrompt, spec.ShotName = prompt, prompt, prompt
			data, err := json.Marshal(tmpl.Fill(spec))
			if err != nil {
				t.Fatal(err)
			}
			workflow := decode(t, data)
			if len(workflow) != 10 {
				t.Fatalf("workflow has %d nodes, want 10", len(workflow))
			}
			if got := input(t, workflow, "6", "text"); got != prompt {
				t.Errorf("prompt = %q, want %q", got, prompt)
			}
			if got := input(t, workflow, "7", "text"); got != prompt+", blurry, watermark" {
				t.Errorf("negative prompt = %q", got)
			}
			if got := input(t, workflow, "3s", "seed"); got != json.Number("42") {
				t.Errorf("seed = %v", got)
			}
		})
	}
}

func TestParseTemplateRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, json string
	}{
		{"not json", `{"1": {`},
		{"array", `[{"class_type": "KSampler"}]`},
		{"empty", `{}`},
		{"trailing data", `{"1": {"class_type": "KSampler", "inputs": {}}} {}`},
		{"editor format", `{"nodes": [], "links": [], "version": 0.4}`},
		{"node not an object", `{"1": "KSampler"}`},
		{"no class_type", `{"1": {"inputs": {}}}`},
		{"unknown placeholder", `{"1": {"class_type": "KSampler", "inputs": {"seed": "{{sede}}"}}}`},
		{"unknown placeholder in a list", `{"1": {"class_type": "X", "inputs": {"l": ["a", "{{ nope }}"]}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := comfyui.ParseTemplate([]byte(tc.json)); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := comfyui.LoadTemplate(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("LoadTemplate of a missing file: no error")
	}
}
