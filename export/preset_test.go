package export_test

import (
	"slices"
	"strings"
	"testing"

	"slate"
	"slate/export"
)

func TestPresetNames(t *testing.T) {
	t.Parallel()
	var names []string
	for _, p := range export.Presets() {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, slate.ExportPresets) {
		t.Errorf("presets %v, want slate.ExportPresets %v", names, slate.ExportPresets)
	}
}

func TestPresets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, ext, mediaType, format string
		width, height                int
		video, audio                 string
		copyable                     bool
	}{
		{slate.PresetProRes422HQ, ".mov", "video/quicktime", "mov", 0, 0,
			"-c:v prores_ks -profile:v 3 -vendor apl0 -pix_fmt yuv422p10le", "-c:a pcm_s24le", false},
		{slate.PresetProRes4444, ".mov", "video/quicktime", "mov", 0, 0,
			"-c:v prores_ks -profile:v 4 -vendor apl0 -pix_fmt yuv444p10le", "-c:a pcm_s24le", false},
		{slate.PresetMP4H264, ".mp4", "video/mp4", "mp4", 0, 0,
			"-c:v libx264 -preset medium -crf 18 -profile:v high -pix_fmt yuv420p", "-c:a aac -b:a 192k", true},
		{slate.PresetMP4H265, ".mp4", "video/mp4", "mp4", 0, 0,
			"-c:v libx265 -preset medium -crf 22 -pix_fmt yuv420p -tag:v hvc1 -x265-params log-level=error", "-c:a aac -b:a 192k", false},
		{slate.PresetWebM, ".webm", "video/webm", "webm", 0, 0,
			"-c:v libvpx-vp9 -crf 32 -b:v 0 -deadline good -cpu-used 4 -row-mt 1 -pix_fmt yuv420p", "-c:a libopus -b:a 160k", false},
		{slate.PresetYouTube, ".mp4", "video/mp4", "mp4", 1920, 1080,
			"-c:v libx264 -preset medium -crf 18 -maxrate 24M -bufsize 48M -profile:v high -pix_fmt yuv420p", "-c:a aac -b:a 384k", true},
		{slate.PresetTikTok, ".mp4", "video/mp4", "mp4", 1080, 1920,
			"-c:v libx264 -preset medium -crf 20 -maxrate 10M -bufsize 20M -profile:v high -pix_fmt yuv420p", "-c:a aac -b:a 192k", true},
		{slate.PresetInstagramSquare, ".mp4", "video/mp4", "mp4", 1080, 1080,
			"-c:v libx264 -preset medium -crf 20 -maxrate 8M -bufsize 16M -profile:v high -pix_fmt yuv420p", "-c:a aac -b:a 192k", true},
		{slate.PresetInstagramFeed, ".mp4", "video/mp4", "mp4", 1080, 1350,
			"-c:v libx264 -preset medium -crf 20 -maxrate 8M -bufsize 16M -profile:v high -pix_fmt yuv420p", "-c:a aac -b:a 192k", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, ok := export.Lookup(tc.name)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", tc.name)
			}
			got := []any{p.Ext, p.MediaType, p.Format, p.Width, p.Height, strings.Join(p.Video, " "), strings.Join(p.Audio, " "), p.Copyable}
			want := []any{tc.ext, tc.mediaType, tc.format, tc.width, tc.height, tc.video, tc.audio, tc.copyable}
			if !slices.Equal(got, want) {
				t.Errorf("Lookup(%q) =\n%v, want\n%v", tc.name, got, want)
			}
			if !strings.Contains(" "+strings.Join(p.Video, " ")+" ", " -pix_fmt "+p.PixFmt+" ") {
				t.Errorf("PixFmt %q is not what the encoder is told", p.PixFmt)
			}
			if p.Width%2 != 0 || p.Height%2 != 0 {
				t.Errorf("frame %dx%d has an odd side", p.Width, p.Height)
			}
			if faststart := slices.Equal(p.Mux, []string{"-movflags", "+faststart"}); faststart != (p.Ext == ".mp4") {
				t.Errorf("Mux %q: every MP4, and only MP4s, start fast", p.Mux)
			}
			ext, mediaType, ok := export.OutputType(tc.name)
			if !ok || ext != tc.ext || mediaType != tc.mediaType {
				t.Errorf("OutputType(%q) = %q, %q, %v", tc.name, ext, mediaType, ok)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "mp4", "ProRes-422HQ", "prores-422hq "} {
		if p, ok := export.Lookup(name); ok {
			t.Errorf("Lookup(%q) = %+v", name, p)
		}
		if _, _, ok := export.OutputType(name); ok {
			t.Errorf("OutputType(%q) found a preset", name)
		}
	}
}

// TestLookupCopies: a caller changing what it was given cannot change the
// table.
func TestLookupCopies(t *testing.T) {
	t.Parallel()
	p, _ := export.Lookup(slate.PresetMP4H264)
	p.Video[1] = "mpeg4"
	p.Mux[1] = "+empty_moov"
	again, _ := export.Lookup(slate.PresetMP4H264)
	if again.Video[1] != "libx264" || again.Mux[1] != "+faststart" {
		t.Errorf("the table changed: %q %q", again.Video, again.Mux)
	}
}
