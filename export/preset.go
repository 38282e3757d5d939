// Package export cuts a project's selected takes into one delivery file
// with ffmpeg and writes the cut's EDL: the presets, the plan of frames and
// samples each shot gets, ffmpeg's argument list and the EDL are pure
// functions; Runner is the one part that touches files and runs programs.
package export

import (
	"slices"

	"slate"
)

// Preset is what an export preset encodes: its container and its codecs'
// settings as ffmpeg arguments.
type Preset struct {
	Name string
	// Ext is the file name extension, with its dot; MediaType is what a
	// download is served as.
	Ext, MediaType string
	// Format is ffmpeg's muxer, named so an output file need not carry the
	// extension (a worker writes to a temporary name).
	Format string
	// Width and Height are the frame of the social presets; 0, 0 means the
	// size of the largest selected take.
	Width, Height int
	// PixFmt is the pixel format the video is encoded in.
	PixFmt string
	// Video and Audio are the encoder arguments; Mux the muxer's.
	Video, Audio, Mux []string
	// Copyable says a cut of takes that are already H.264 in yuv420p at
	// the export's size and rate can join their pictures without
	// re-encoding and still be what the preset promises.
	Copyable bool
}

// h264 is the social presets' encoding. The platforms re-encode every
// upload, and their encoders do best from a clean source, so the quality
// target is near-transparent (CRF 18-20, AAC well above speech quality);
// but a cap on the peak rate keeps a busy shot from making a file the
// upload form refuses, and a two-second buffer lets the encoder spend bits
// where the picture needs them.
func h264(crf, maxRate, bufSize, audioRate string) ([]string, []string) {
	return []string{"-c:v", "libx264", "-preset", "medium", "-crf", crf, "-maxrate", maxRate, "-bufsize", bufSize,
			"-profile:v", "high", "-pix_fmt", "yuv420p"},
		[]string{"-c:a", "aac", "-b:a", audioRate}
}

// faststart puts an MP4's index before its media, so a browser or a
// platform's ingest starts before the whole file has arrived.
var faststart = []string{"-movflags", "+faststart"}

var presets = func() []Preset {
	// YouTube recommends 8 Mbit/s for 1080p at 24-30 fps and 12 at 48-60,
	// and 384 kbit/s stereo audio: cap at twice that so nothing it keeps is
	// lost.
	ytVideo, ytAudio := h264("18", "24M", "48M", "384k")
	// TikTok and Instagram re-encode to a few Mbit/s whatever they get;
	// more than 10 (TikTok) or 8 (Instagram) only slows the upload.
	ttVideo, ttAudio := h264("20", "10M", "20M", "192k")
	igVideo, igAudio := h264("20", "8M", "16M", "192k")
	social := func(name string, w, h int, video, audio []string) Preset {
		return Preset{Name: name, Ext: ".mp4", MediaType: "video/mp4", Format: "mp4", Width: w, Height: h,
			PixFmt: "yuv420p", Video: video, Audio: audio, Mux: faststart, Copyable: true}
	}
	return []Preset{
		{
			Name: slate.PresetProRes422HQ, Ext: ".mov", MediaType: "video/quicktime", Format: "mov", PixFmt: "yuv422p10le",
			// The apl0 vendor tag makes QuickTime and Final Cut treat the
			// file as one of their own.
			Video: []string{"-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0", "-pix_fmt", "yuv422p10le"},
			Audio: []string{"-c:a", "pcm_s24le"},
		},
		{
			Name: slate.PresetProRes4444, Ext: ".mov", MediaType: "video/quicktime", Format: "mov", PixFmt: "yuv444p10le",
			Video: []string{"-c:v", "prores_ks", "-profile:v", "4", "-vendor", "apl0", "-pix_fmt", "yuv444p10le"},
			Audio: []string{"-c:a", "pcm_s24le"},
		},
		{
			Name: slate.PresetMP4H264, Ext: ".mp4", MediaType: "video/mp4", Format: "mp4", PixFmt: "yuv420p",
			Video: []string{"-c:v", "libx264", "-preset", "medium", "-crf", "18", "-profile:v", "high", "-pix_fmt", "yuv420p"},
			Audio: []string{"-c:a", "aac", "-b:a", "192k"},
			Mux:   faststart, Copyable: true,
		},
		{
			Name: slate.PresetMP4H265, Ext: ".mp4", MediaType: "video/mp4", Format: "mp4", PixFmt: "yuv420p",
			// hvc1 is the tag Apple's players require of HEVC in MP4; x265
			// otherwise prints its settings on stderr, burying any error.
			Video: []string{"-c:v", "libx265", "-preset", "medium", "-crf", "22", "-pix_fmt", "yuv420p",
				"-tag:v", "hvc1", "-x265-params", "log-level=error"},
			Audio: []string{"-c:a", "aac", "-b:a", "192k"},
			Mux:   faststart,
		},
		{
			Name: slate.PresetWebM, Ext: ".webm", MediaType: "video/webm", Format: "webm", PixFmt: "yuv420p",
			// Constant quality (-b:v 0 with -crf); cpu-used 4 and row-mt
			// make VP9 fast enough to export on a small server.
			Video: []string{"-c:v", "libvpx-vp9", "-crf", "32", "-b:v", "0", "-deadline", "good", "-cpu-used", "4",
				"-row-mt", "1", "-pix_fmt", "yuv420p"},
			Audio: []string{"-c:a", "libopus", "-b:a", "160k"},
		},
		social(slate.PresetYouTube, 1920, 1080, ytVideo, ytAudio),
		social(slate.PresetTikTok, 1080, 1920, ttVideo, ttAudio),
		social(slate.PresetInstagramSquare, 1080, 1080, igVideo, igAudio),
		social(slate.PresetInstagramFeed, 1080, 1350, igVideo, igAudio),
	}
}()

// Lookup returns the preset called name.
func Lookup(name string) (Preset, bool) {
	for _, p := range presets {
		if p.Name == name {
			return p.clone(), true
		}
	}
	return Preset{}, false
}

// Presets returns every preset, in slate.ExportPresets' order.
func Presets() []Preset {
	out := make([]Preset, len(presets))
	for i, p := range presets {
		out[i] = p.clone()
	}
	return out
}

// clone copies p's argument lists, so no caller can change the table.
func (p Preset) clone() Preset {
	p.Video, p.Audio, p.Mux = slices.Clone(p.Video), slices.Clone(p.Audio), slices.Clone(p.Mux)
	return p
}

// OutputType is the extension (with its dot) and media type of the file
// the preset called name makes, for naming and serving it.
func OutputType(name string) (ext, mediaType string, ok bool) {
	p, ok := Lookup(name)
	return p.Ext, p.MediaType, ok
}
