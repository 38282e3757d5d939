package slate_test

import (
	"reflect"
	"testing"

	"slate"
)

// index is a small project: act a1 (scenes s1, s2), act a2 (scene s3, and an
// empty scene s4), and an empty act a3.
func index() slate.ProjectIndex {
	return slate.ProjectIndex{
		Acts:   []string{"a1", "a2", "a3"},
		Scenes: []string{"s1", "s2", "s3", "s4"},
		Places: []slate.ShotPlace{
			{ShotID: "h1", SceneID: "s1", ActID: "a1", ShotTags: []string{"hero"}},
			{ShotID: "h2", SceneID: "s1", ActID: "a1"},
			{ShotID: "h3", SceneID: "s2", ActID: "a1", SceneTags: []string{"exterior"}},
			{ShotID: "h4", SceneID: "s2", ActID: "a1", SceneTags: []string{"exterior"}, ShotTags: []string{"hero"}},
			{ShotID: "h5", SceneID: "s3", ActID: "a2"},
		},
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sel  slate.Selection
		want []string
		code slate.Code
	}{
		{"one shot", slate.Selection{Shots: []string{"h2"}}, []string{"h2"}, ""},
		{"shots come back in tree order", slate.Selection{Shots: []string{"h5", "h1"}}, []string{"h1", "h5"}, ""},
		{"scene", slate.Selection{Scenes: []string{"s2"}}, []string{"h3", "h4"}, ""},
		{"act", slate.Selection{Acts: []string{"a2"}}, []string{"h5"}, ""},
		{"shot tag, any case", slate.Selection{Tags: []string{"HERO"}}, []string{"h1", "h4"}, ""},
		{"scene tag selects its shots", slate.Selection{Tags: []string{" Exterior "}}, []string{"h3", "h4"}, ""},
		{"union without duplicates", slate.Selection{Shots: []string{"h4", "h1"}, Scenes: []string{"s1"}, Tags: []string{"hero", "exterior"}}, []string{"h1", "h2", "h3", "h4"}, ""},
		{"all", slate.Selection{All: true}, []string{"h1", "h2", "h3", "h4", "h5"}, ""},
		{"empty scene is known", slate.Selection{Scenes: []string{"s4"}}, []string{}, ""},
		{"empty act is known", slate.Selection{Acts: []string{"a3"}}, []string{}, ""},
		{"unknown tag selects nothing", slate.Selection{Tags: []string{"night"}}, []string{}, ""},
		{"foreign shot", slate.Selection{Shots: []string{"h1", "other"}}, nil, slate.ENOTFOUND},
		{"foreign scene", slate.Selection{Scenes: []string{"other"}}, nil, slate.ENOTFOUND},
		{"foreign act", slate.Selection{Acts: []string{"other"}}, nil, slate.ENOTFOUND},
		{"a scene id is not a shot id", slate.Selection{Shots: []string{"s1"}}, nil, slate.ENOTFOUND},
		{"empty selection", slate.Selection{}, nil, slate.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idx := index()
			got, err := slate.Select(idx, tt.sel)
			if code := slate.ErrorCode(err); code != tt.code {
				t.Fatalf("error = %v, want code %q", err, tt.code)
			}
			if tt.code != "" {
				return
			}
			ids := []string{}
			for _, i := range got {
				ids = append(ids, idx.Places[i].ShotID)
			}
			if !reflect.DeepEqual(ids, tt.want) {
				t.Errorf("selected %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestNormalizeTags(t *testing.T) {
	t.Parallel()
	long := ""
	for range slate.MaxTagLen + 1 {
		long += "x"
	}
	tests := []struct {
		in   []string
		want []string
		ok   bool
	}{
		{[]string{"Exterior", "exterior", " for  review "}, []string{"Exterior", "for review"}, true},
		{[]string{}, []string{}, true},
		{[]string{"  "}, nil, false},
		{[]string{long}, nil, false},
	}
	for _, tt := range tests {
		got, err := slate.NormalizeTags(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("NormalizeTags(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("NormalizeTags(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
