package preview

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"slate"
)

// Limits on what the preview renders, so a bad spec fails fast instead of
// running ffmpeg for hours.
const (
	maxSide       = 8192
	maxFrameRate  = 120
	maxDurationMS = 30 * 60 * 1000
	sampleRate    = 48000
)

// Files are the paths a render passes to ffmpeg. All of them are the
// engine's own: the user's words reach ffmpeg only as the contents of the
// text files, never in the argument list or the filter graph.
type Files struct {
	// Name, Prompt and Info hold a Card's fields, read by drawtext.
	Name, Prompt, Info string
	// Font is the font file drawtext draws with; empty leaves the choice to
	// drawtext's fontconfig default ("Sans").
	Font string
	// Output is where ffmpeg writes the MP4.
	Output string
}

// Frames is how many frames a clip of durationMS lasts at fps, rounded to
// the nearest frame: the preview's exact length.
func Frames(durationMS int64, fps int) int64 {
	return (durationMS*int64(fps) + 500) / 1000
}

// Check says why spec cannot be rendered as a preview, or nil.
func Check(spec slate.RenderSpec) error {
	switch {
	case spec.Width <= 0 || spec.Height <= 0 || spec.Width > maxSide || spec.Height > maxSide:
		return fmt.Errorf("frame %dx%d is outside 1..%d", spec.Width, spec.Height, maxSide)
	case spec.Width%2 != 0 || spec.Height%2 != 0:
		return fmt.Errorf("frame %dx%d has an odd side, which H.264 in yuv420p cannot encode", spec.Width, spec.Height)
	case spec.FrameRate <= 0 || spec.FrameRate > maxFrameRate:
		return fmt.Errorf("frame rate %d is outside 1..%d", spec.FrameRate, maxFrameRate)
	case spec.DurationMS <= 0 || spec.DurationMS > maxDurationMS:
		return fmt.Errorf("duration %d ms is outside 1..%d", spec.DurationMS, maxDurationMS)
	case Frames(spec.DurationMS, spec.FrameRate) < 1:
		return fmt.Errorf("duration %d ms is shorter than one frame at %d fps", spec.DurationMS, spec.FrameRate)
	}
	return nil
}

// Args is ffmpeg's argument list for rendering spec with files. It is pure,
// so the command line can be checked against a golden file.
//
// The length is set in the filter graph, by trimming the video to the frame
// count and the silence to the same span in samples, rather than with
// -frames:v: ffmpeg 5 ends the whole file when one stream reaches its
// -frames limit, which cuts the AAC track short of the video.
func Args(spec slate.RenderSpec, f Files) ([]string, error) {
	if err := Check(spec); err != nil {
		return nil, err
	}
	m := metricsFor(spec.Width, spec.Height)
	frames := Frames(spec.DurationMS, spec.FrameRate)
	// The silence lasts as long as the frames do, rounded to a sample.
	rate := int64(spec.FrameRate)
	samples := (frames*sampleRate*2 + rate) / (2 * rate)
	fps := strconv.Itoa(spec.FrameRate)

	text := func(file string, size int, color, x, y string, extra ...string) string {
		opts := []string{}
		if f.Font != "" {
			opts = append(opts, "fontfile="+escape(f.Font))
		}
		if file != "" {
			// expansion=none: a prompt's "%{…}" is text, not a function call.
			opts = append(opts, "textfile="+escape(file), "expansion=none")
		}
		opts = append(opts, extra...)
		opts = append(opts, "fontcolor="+color, "fontsize="+strconv.Itoa(size), "x="+x, "y="+y)
		return "drawtext=" + strings.Join(opts, ":")
	}
	margin := strconv.Itoa(m.margin)
	video := strings.Join([]string{
		fmt.Sprintf("color=c=%s:s=%dx%d:r=%s", background(spec.ShotID), spec.Width, spec.Height, fps),
		fmt.Sprintf("trim=end_frame=%d", frames),
		text(f.Name, m.nameSize, "white", margin, margin),
		text(f.Prompt, m.promptSize, "white@0.85", margin, strconv.Itoa(m.promptTop),
			"line_spacing="+strconv.Itoa(m.lineSpacing)),
		text(f.Info, m.promptSize, "white@0.6", margin, strconv.Itoa(m.infoTop)),
		text("", m.timecodeSize, "white", margin, strconv.Itoa(m.timecodeBottom),
			"timecode="+escape("00:00:00:00"), "rate="+fps),
		"format=yuv420p",
	}, ",") + "[v]"
	audio := fmt.Sprintf("anullsrc=r=%d:cl=stereo,atrim=end_sample=%d[a]", sampleRate, samples)

	out, err := filepath.Abs(f.Output)
	if err != nil {
		return nil, err
	}
	return []string{
		"-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-filter_complex", video + ";" + audio,
		"-map", "[v]", "-map", "[a]",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
		"-g", strconv.Itoa(2 * spec.FrameRate),
		"-c:a", "aac", "-b:a", "96k", "-ar", strconv.Itoa(sampleRate), "-ac", "2",
		"-movflags", "+faststart",
		"-progress", "pipe:1", "-nostats", "-stats_period", "0.25",
		// "file:" keeps a name with a colon from being read as a protocol.
		"-f", "mp4", "file:" + out,
	}, nil
}

// escape makes s one literal option value inside a filter graph. ffmpeg
// parses a graph twice, first into filters and then each filter's options,
// and both passes treat \ ' : [ ] , ; and surrounding spaces specially; so
// anything outside a plain set of path characters is quoted for the option
// pass and the result quoted again for the graph pass.
func escape(s string) string {
	plain := s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._+-@", r))
	})
	if plain {
		return s
	}
	return quote(quote(s))
}

// quote wraps s in single quotes for av_get_token, which reads everything
// between quotes literally and has no escape inside them: a quote is
// closed, escaped and reopened.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
