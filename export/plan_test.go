package export_test

import (
	"strings"
	"testing"

	"slate"
	"slate/export"
)

func TestNewPlan(t *testing.T) {
	t.Parallel()
	p := mustPlan(t, threeShots(slate.PresetMP4H264), mixedSources())
	if p.Width != 1280 || p.Height != 720 || p.FrameRate != 24 || p.Reframe != slate.ReframeCrop || p.Copy {
		t.Errorf("plan %dx%d@%d %s copy=%v, want 1280x720@24 crop re-encoded", p.Width, p.Height, p.FrameRate, p.Reframe, p.Copy)
	}
	want := []export.Clip{
		{ShotID: "shot-1", ShotName: "Opening", Path: "/srv/media/takes/take-1.mp4", Frames: 24, Samples: 48000, Audio: true},
		{ShotID: "shot-2", ShotName: "The keeper", Path: "/srv/media/takes/take-2.mp4", Frames: 36, Samples: 72000, Audio: true},
		{ShotID: "shot-3", ShotName: "Lamp", Path: "/srv/media/takes/take-3.mp4", Frames: 12, Samples: 24000, Audio: false},
	}
	for i, c := range p.Clips {
		if c != want[i] {
			t.Errorf("clip %d = %+v, want %+v", i, c, want[i])
		}
	}
	if p.TotalFrames() != 72 || p.DurationMS() != 3000 {
		t.Errorf("total %d frames, %d ms; want 72 and 3000", p.TotalFrames(), p.DurationMS())
	}
}

func TestNewPlanSize(t *testing.T) {
	t.Parallel()
	src := func(sizes ...[2]int) []export.Source {
		var out []export.Source
		for i, s := range sizes {
			out = append(out, export.Source{Path: "/m/" + string(rune('a'+i)) + ".mp4", Info: draft(s[0], s[1], 24, 1000)})
		}
		return out
	}
	spec := func(preset string, n int) slate.ExportSpec {
		s := threeShots(preset)
		s.Clips = s.Clips[:n]
		for i := range s.Clips {
			s.Clips[i].DurationMS = 1000
		}
		return s
	}
	for _, tc := range []struct {
		name    string
		preset  string
		sources []export.Source
		w, h    int
	}{
		{"largest by area", slate.PresetProRes422HQ, src([2]int{854, 480}, [2]int{1280, 720}, [2]int{960, 540}), 1280, 720},
		{"square wins on area", slate.PresetWebM, src([2]int{1280, 720}, [2]int{1080, 1080}), 1080, 1080},
		{"first of equals", slate.PresetMP4H265, src([2]int{720, 1280}, [2]int{1280, 720}), 720, 1280},
		{"odd sides made even", slate.PresetMP4H264, src([2]int{853, 481}), 852, 480},
		{"social presets are fixed", slate.PresetTikTok, src([2]int{854, 480}, [2]int{1280, 720}), 1080, 1920},
		{"instagram feed", slate.PresetInstagramFeed, src([2]int{3840, 2160}), 1080, 1350},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mustPlan(t, spec(tc.preset, len(tc.sources)), tc.sources)
			if p.Width != tc.w || p.Height != tc.h {
				t.Errorf("plan is %dx%d, want %dx%d", p.Width, p.Height, tc.w, tc.h)
			}
		})
	}
}

func TestNewPlanCopy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		preset string
		change func(s []export.Source, spec *slate.ExportSpec)
		want   bool
	}{
		{"matching drafts", slate.PresetMP4H264, func([]export.Source, *slate.ExportSpec) {}, true},
		{"youtube at its size", slate.PresetYouTube, func(s []export.Source, _ *slate.ExportSpec) {
			for i := range s {
				s[i].Info.Width, s[i].Info.Height = 1920, 1080
			}
		}, true},
		{"youtube below its size", slate.PresetYouTube, func([]export.Source, *slate.ExportSpec) {}, false},
		{"not an h264 preset", slate.PresetMP4H265, func([]export.Source, *slate.ExportSpec) {}, false},
		{"prores", slate.PresetProRes422HQ, func([]export.Source, *slate.ExportSpec) {}, false},
		{"another size", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) { s[1].Info.Width = 852 }, false},
		{"another rate", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) { s[2].Info.FrameRate = 25 }, false},
		{"the project's rate differs", slate.PresetMP4H264, func(_ []export.Source, spec *slate.ExportSpec) { spec.FrameRate = 25 }, false},
		{"hevc", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) { s[0].Info.VideoCodec = "hevc" }, false},
		{"10-bit", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) { s[0].Info.PixFmt = "yuv420p10le" }, false},
		{"full range", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) { s[0].Info.PixFmt = "yuvj420p" }, false},
		{"another profile", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) { s[2].Info.VideoProfile = "Main" }, false},
		// The sound is made again whatever it was.
		{"no sound", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) {
			s[0].Info.AudioCodec, s[0].Info.AudioSampleRate, s[0].Info.AudioChannels = "", 0, 0
		}, true},
		{"44.1 kHz mono opus", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) {
			s[1].Info.AudioCodec, s[1].Info.AudioSampleRate, s[1].Info.AudioChannels = "opus", 44100, 1
		}, true},
		{"take longer than its shot", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) { s[0].Info.DurationMS = 1050 }, false},
		{"take shorter than its shot", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) { s[2].Info.DurationMS = 450 }, false},
		{"within half a frame", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) { s[2].Info.DurationMS = 520 }, true},
		{"a path the list cannot hold", slate.PresetMP4H264, func(s []export.Source, _ *slate.ExportSpec) {
			s[1].Path = "/srv/media/a\nfile '/etc/passwd'.mp4"
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec, sources := threeShots(tc.preset), matchingSources()
			tc.change(sources, &spec)
			if p := mustPlan(t, spec, sources); p.Copy != tc.want {
				t.Errorf("Copy = %v, want %v", p.Copy, tc.want)
			}
		})
	}
}

func TestNewPlanRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		change  func(spec *slate.ExportSpec, s *[]export.Source)
		message string
	}{
		{"unknown preset", func(spec *slate.ExportSpec, _ *[]export.Source) { spec.Preset = "vhs" }, `unknown export preset "vhs"`},
		{"no clips", func(spec *slate.ExportSpec, s *[]export.Source) { spec.Clips, *s = nil, nil }, "no shots"},
		{"zero fps", func(spec *slate.ExportSpec, _ *[]export.Source) { spec.FrameRate = 0 }, "frame rate 0 is outside 1..120"},
		{"fps too high", func(spec *slate.ExportSpec, _ *[]export.Source) { spec.FrameRate = 121 }, "frame rate 121"},
		{"too few takes", func(_ *slate.ExportSpec, s *[]export.Source) { *s = (*s)[:2] }, "2 takes for 3 shots"},
		{"too many takes", func(_ *slate.ExportSpec, s *[]export.Source) { *s = append(*s, (*s)[0]) }, "4 takes for 3 shots"},
		{"no video", func(_ *slate.ExportSpec, s *[]export.Source) { (*s)[1].Info.VideoCodec = "" },
			`the take for shot "The keeper" (shot-2) has no video`},
		{"no frame", func(_ *slate.ExportSpec, s *[]export.Source) { (*s)[1].Info.Width = 0 }, "has no video"},
		{"relative path", func(_ *slate.ExportSpec, s *[]export.Source) { (*s)[0].Path = "takes/take-1.mp4" }, "absolute path"},
		{"reframe", func(spec *slate.ExportSpec, _ *[]export.Source) { spec.Reframe = "stretch" }, `unknown reframe "stretch"`},
		{"no duration", func(spec *slate.ExportSpec, _ *[]export.Source) { spec.Clips[2].DurationMS = 0 }, `shot "Lamp" (shot-3) lasts 0 ms`},
		{"under a frame", func(spec *slate.ExportSpec, _ *[]export.Source) {
			spec.FrameRate = 1
			spec.Clips[2].DurationMS = 400
		}, "shorter than a frame at 1 fps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec, sources := threeShots(slate.PresetMP4H264), mixedSources()
			tc.change(&spec, &sources)
			p, err := export.NewPlan(spec, sources)
			if err == nil {
				t.Fatalf("NewPlan = %+v, want an error", p)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("NewPlan error %q does not say %q", err, tc.message)
			}
		})
	}
}

// TestNewPlanDefaults: no reframe means crop; rates that do not divide
// 48 kHz still give the cut exactly its samples.
func TestNewPlanDefaults(t *testing.T) {
	t.Parallel()
	spec := threeShots(slate.PresetMP4H264)
	spec.Reframe = ""
	spec.FrameRate = 7
	p := mustPlan(t, spec, mixedSources())
	if p.Reframe != slate.ReframeCrop {
		t.Errorf("Reframe = %q, want crop", p.Reframe)
	}
	var frames, samples int64
	for _, c := range p.Clips {
		frames += c.Frames
		samples += c.Samples
	}
	if want := (frames*48000*2 + 7) / 14; samples != want {
		t.Errorf("%d samples for %d frames at 7 fps, want %d", samples, frames, want)
	}
}
