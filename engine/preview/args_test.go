package preview_test

import (
	"strings"
	"testing"

	"slate"
	"slate/engine/preview"
	"slate/golden"
)

func spec(w, h, fps int, ms int64) slate.RenderSpec {
	return slate.RenderSpec{JobID: "j1", ShotID: "shot-1", ShotName: "Opening", Prompt: "A lighthouse at dusk",
		Engine: "preview", Tier: "draft", DurationMS: ms, Width: w, Height: h, FrameRate: fps}
}

func TestArgs(t *testing.T) {
	t.Parallel()
	plain := preview.Files{
		Name: "/tmp/slate-preview-1/name.txt", Prompt: "/tmp/slate-preview-1/prompt.txt", Info: "/tmp/slate-preview-1/info.txt",
		Font: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", Output: "/srv/media/takes/.a.mp4.123.part",
	}
	// Paths with every character the filter graph treats specially.
	weird := "/tmp/it's [a]:b,c;d\\e f/"
	for _, tc := range []struct {
		name  string
		spec  slate.RenderSpec
		files preview.Files
	}{
		{"16x9_854x480_24", spec(854, 480, 24, 2500), plain},
		{"9x16_1080x1920_30", spec(1080, 1920, 30, 5000), plain},
		{"1x1_480x480_25", spec(480, 480, 25, 1040), plain},
		{"no_font", spec(854, 480, 24, 2500), preview.Files{Name: plain.Name, Prompt: plain.Prompt, Info: plain.Info, Output: plain.Output}},
		{"escaped_paths", spec(854, 480, 24, 2500), preview.Files{
			Name: weird + "name.txt", Prompt: weird + "prompt.txt", Info: weird + "info.txt",
			Font: weird + "font.ttf", Output: weird + "out:put.mp4",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args, err := preview.Args(tc.spec, tc.files)
			if err != nil {
				t.Fatal(err)
			}
			joined := strings.Join(args, "\n")
			for _, text := range []string{tc.spec.Prompt, tc.spec.ShotName} {
				if strings.Contains(joined, text) {
					t.Errorf("the argument list holds the user's text %q", text)
				}
			}
			golden.Check(t, "args_"+tc.name+".golden", joined+"\n")
		})
	}
}

func TestArgsRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		spec slate.RenderSpec
	}{
		{"zero width", spec(0, 480, 24, 1000)},
		{"odd height", spec(854, 481, 24, 1000)},
		{"huge", spec(16384, 480, 24, 1000)},
		{"zero fps", spec(854, 480, 0, 1000)},
		{"fps too high", spec(854, 480, 240, 1000)},
		{"no duration", spec(854, 480, 24, 0)},
		{"under a frame", spec(854, 480, 24, 10)},
		{"hours", spec(854, 480, 24, 4*3600*1000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if args, err := preview.Args(tc.spec, preview.Files{Output: "/tmp/x.mp4"}); err == nil {
				t.Fatalf("Args = %q, want an error", args)
			}
		})
	}
}

func TestFrames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ms   int64
		fps  int
		want int64
	}{
		{2500, 24, 60},
		{1000, 25, 25},
		{1040, 25, 26},
		{1019, 25, 25}, // 25.475 rounds down
		{1020, 25, 26}, // 25.5 rounds up
		{5000, 30, 150},
		{41, 24, 1},
		{20, 24, 0},
	} {
		if got := preview.Frames(tc.ms, tc.fps); got != tc.want {
			t.Errorf("Frames(%d, %d) = %d, want %d", tc.ms, tc.fps, got, tc.want)
		}
	}
}

func TestLayout(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("A slow push in on the lighthouse keeper, rain on the glass, ", 40)
	for _, tc := range []struct {
		name string
		spec func(s *slate.RenderSpec)
	}{
		{"short", func(*slate.RenderSpec) {}},
		{"wraps", func(s *slate.RenderSpec) {
			s.Prompt = "Wide shot of a lighthouse on a cliff at dusk, waves breaking below, the lamp turning slowly as gulls circle"
		}},
		{"truncates", func(s *slate.RenderSpec) { s.Prompt = long; s.ShotName = long }},
		{"portrait", func(s *slate.RenderSpec) { s.Width, s.Height = 270, 480; s.Prompt = long }},
		{"paragraphs_and_controls", func(s *slate.RenderSpec) {
			s.ShotName = "Name\twith\ncontrols\x00\x1b[31m"
			s.Prompt = "First line\r\nsecond line\n\n\nafter blanks\x07\n\n"
		}},
		{"unbreakable", func(s *slate.RenderSpec) { s.Prompt = strings.Repeat("x", 200) }},
		{"wide_unicode", func(s *slate.RenderSpec) { s.Prompt = strings.Repeat("灯台の夜明け、波が砕ける。", 30) }},
		{"empty", func(s *slate.RenderSpec) { s.ShotName, s.Prompt = " ", "" }},
		{"invalid_utf8", func(s *slate.RenderSpec) { s.Prompt = "bad \xff\xfe bytes" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := spec(854, 480, 24, 2500)
			tc.spec(&s)
			card := preview.Layout(s)
			if strings.ContainsFunc(card.Name+card.Prompt, func(r rune) bool { return r < ' ' && r != '\n' }) {
				t.Errorf("card holds control characters: %q", card)
			}
			if strings.Contains(card.Name, "\n") {
				t.Errorf("name spans lines: %q", card.Name)
			}
			golden.Check(t, "layout_"+tc.name+".golden", card.Name+"\n---\n"+card.Prompt+"\n---\n"+card.Info+"\n")
		})
	}
}
