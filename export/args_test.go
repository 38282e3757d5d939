package export_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"slate"
	"slate/export"
	"slate/golden"
)

const output = "/srv/media/exports/.exp-1.part"

func TestArgs(t *testing.T) {
	t.Parallel()
	type args struct{ name, preset string }
	var cases []args
	for _, name := range slate.ExportPresets {
		cases = append(cases, args{name, name})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mustPlan(t, threeShots(tc.preset), mixedSources())
			if p.Copy {
				t.Fatal("mixed takes planned as a copy")
			}
			golden.Check(t, "args_"+tc.name+".golden", strings.Join(export.Args(p, output, ""), "\n")+"\n")
		})
	}
}

// TestArgsReframe: padding instead of cropping (args_tiktok.golden) changes
// only how each clip is fitted in the filter graph.
func TestArgsReframe(t *testing.T) {
	t.Parallel()
	spec := threeShots(slate.PresetTikTok)
	crop := export.Args(mustPlan(t, spec, mixedSources()), output, "")
	spec.Reframe = slate.ReframePad
	pad := export.Args(mustPlan(t, spec, mixedSources()), output, "")
	if len(pad) != len(crop) {
		t.Fatalf("pad has %d arguments, crop %d", len(pad), len(crop))
	}
	for i := range pad {
		if pad[i] != crop[i] && crop[i-1] != "-filter_complex" {
			t.Errorf("argument %d: pad %q, crop %q", i, pad[i], crop[i])
		}
	}
	golden.Check(t, "args_tiktok_pad.golden", strings.Join(pad, "\n")+"\n")
}

func TestArgsCopy(t *testing.T) {
	t.Parallel()
	p := mustPlan(t, threeShots(slate.PresetMP4H264), matchingSources())
	if !p.Copy {
		t.Fatal("matching drafts not planned as a copy")
	}
	args := export.Args(p, output, "/tmp/slate-export-1/concat.txt")
	i := slices.Index(args, "-filter_complex")
	if i < 0 || strings.Contains(args[i+1], ":v]") || strings.Contains(args[i+1], "fps=") {
		t.Errorf("a copy's filter graph must make only the sound: %q", args)
	}
	if !strings.Contains(strings.Join(args, " "), " -map 0:v -map [a] -c:v copy ") {
		t.Errorf("a copy does not copy the picture: %q", args)
	}
	golden.Check(t, "args_copy.golden", strings.Join(args, "\n")+"\n")
	golden.Check(t, "concat_copy.golden", export.ConcatList(p))
}

func TestConcatList(t *testing.T) {
	t.Parallel()
	p := mustPlan(t, threeShots(slate.PresetMP4H264), matchingSources())
	p.Clips[0].Path = "/srv/it's here/take:1.mp4"
	p.Clips[1].Path = "/srv/''/ #not a comment/-take.mp4"
	p.Clips[2].Path = `/srv/back\slash/"double".mp4`
	want := "ffconcat version 1.0\n" +
		`file 'file:/srv/it'\''s here/take:1.mp4'` + "\n" +
		`file 'file:/srv/'\'''\''/ #not a comment/-take.mp4'` + "\n" +
		`file 'file:/srv/back\slash/"double".mp4'` + "\n"
	if got := export.ConcatList(p); got != want {
		t.Errorf("ConcatList =\n%s\nwant\n%s", got, want)
	}
}

// TestArgsHostile: titles and paths holding what a shell, ffmpeg's option
// parser or its filter graph would read specially reach ffmpeg only as
// whole arguments of their own. The argument list is the one a plain title
// and plain paths give, but for those arguments; so the filter graph in
// particular holds none of the text.
func TestArgsHostile(t *testing.T) {
	t.Parallel()
	hostile := []string{
		`it's "quoted"`, "new\nline", "semi;colon", "[0:v]null[v]", "co:lon", "  spaced  ", "-y", "-i", "$(touch /tmp/pwned)",
		`back\slash`, "comma,split", "=equals", "%{pts}",
	}
	// argsFor builds the argument list for text as the title and in every
	// path, and the arguments that may hold it.
	argsFor := func(t *testing.T, text string, matching bool) ([]string, map[string]bool) {
		t.Helper()
		spec := threeShots(slate.PresetMP4H264)
		spec.Title = text
		sources := mixedSources()
		if matching {
			sources = matchingSources()
		}
		for i := range sources {
			sources[i].Path = "/srv/" + text + "/" + text + ".mp4"
		}
		p := mustPlan(t, spec, sources)
		if p.Copy != matching {
			t.Fatalf("Copy = %v, want %v", p.Copy, matching)
		}
		out, list := "/srv/"+text+"/"+text+".part", "/tmp/"+text+"/concat.txt"
		whole := map[string]bool{"title=" + export.Clean(text, 128): true, "file:" + out: true, "file:" + list: true}
		for _, c := range p.Clips {
			whole["file:"+c.Path] = true
		}
		return export.Args(p, out, list), whole
	}
	for _, text := range hostile {
		for _, matching := range []bool{false, true} {
			if matching && strings.Contains(text, "\n") {
				continue // never copied: TestNewPlanCopy
			}
			t.Run(fmt.Sprintf("%q copy=%v", text, matching), func(t *testing.T) {
				t.Parallel()
				plain, _ := argsFor(t, "plain", matching)
				got, whole := argsFor(t, text, matching)
				if len(got) != len(plain) {
					t.Fatalf("%d arguments, want %d as for a plain title:\n%q", len(got), len(plain), got)
				}
				for i := range got {
					if got[i] != plain[i] && !whole[got[i]] {
						t.Errorf("argument %d is %q, want %q or a whole path or title", i, got[i], plain[i])
					}
				}
				if !slices.Contains(got, "title="+export.Clean(text, 128)) {
					t.Errorf("no title argument in %q", got)
				}
			})
		}
	}
}
