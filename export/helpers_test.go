package export_test

import (
	"testing"

	"slate"
	"slate/export"
	"slate/media"
)

// threeShots is a spec of three shots of 1000, 1500 and 500 ms at 24 fps.
func threeShots(preset string) slate.ExportSpec {
	return slate.ExportSpec{ExportID: "exp-1", Title: "The Lighthouse", Preset: preset, Reframe: slate.ReframeCrop,
		FrameRate: 24, Clips: []slate.ExportClip{
			{Position: 0, ShotID: "shot-1", ShotName: "Opening", TakeID: "take-1", DurationMS: 1000},
			{Position: 1, ShotID: "shot-2", ShotName: "The keeper", TakeID: "take-2", DurationMS: 1500},
			{Position: 2, ShotID: "shot-3", ShotName: "Lamp", TakeID: "take-3", DurationMS: 500},
		}}
}

// draft is what ffprobe says of a preview take: H.264 High in yuv420p
// with 48 kHz stereo AAC.
func draft(w, h, fps int, ms int64) media.Info {
	return media.Info{Width: w, Height: h, FrameRate: fps, DurationMS: ms, VideoCodec: "h264", PixFmt: "yuv420p",
		VideoProfile: "High", AudioCodec: "aac", AudioSampleRate: 48000, AudioChannels: 2, FormatName: "mov,mp4,m4a,3gp,3g2,mj2"}
}

// mixedSources are takes for threeShots: a high take, a draft, and a high
// take with no sound.
func mixedSources() []export.Source {
	silent := draft(1280, 720, 24, 500)
	silent.AudioCodec, silent.AudioSampleRate, silent.AudioChannels = "", 0, 0
	return []export.Source{
		{Path: "/srv/media/takes/take-1.mp4", Info: draft(1280, 720, 24, 1000)},
		{Path: "/srv/media/takes/take-2.mp4", Info: draft(854, 480, 24, 1500)},
		{Path: "/srv/media/takes/take-3.mp4", Info: silent},
	}
}

// matchingSources are drafts for threeShots that a cut can copy.
func matchingSources() []export.Source {
	return []export.Source{
		{Path: "/srv/media/takes/take-1.mp4", Info: draft(854, 480, 24, 1000)},
		{Path: "/srv/media/takes/take-2.mp4", Info: draft(854, 480, 24, 1500)},
		{Path: "/srv/media/takes/take-3.mp4", Info: draft(854, 480, 24, 500)},
	}
}

// mustPlan plans spec from sources or fails the test.
func mustPlan(t *testing.T, spec slate.ExportSpec, sources []export.Source) export.Plan {
	t.Helper()
	p, err := export.NewPlan(spec, sources)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
