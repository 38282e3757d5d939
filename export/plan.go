package export

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"slate"
	"slate/media"
)

// MaxFrameRate bounds the project frame rates an export accepts.
const MaxFrameRate = 120

// Source is one clip's take file and what ffprobe says of it.
type Source struct {
	// Path is the file's absolute path.
	Path string
	Info media.Info
}

// Clip is one shot's part in a plan.
type Clip struct {
	ShotID, ShotName string
	Path             string
	// Frames and Samples are how much picture and 48 kHz sound the shot
	// gets in the cut, whatever its take lasts.
	Frames, Samples int64
	// Audio says the take has a sound track; one without gets silence.
	Audio bool
}

// Plan is how an export is made: the frame and rate every take is
// conformed to, each clip's share of the cut, and whether the takes can be
// joined as they are.
type Plan struct {
	Preset        Preset
	Title         string
	Reframe       slate.Reframe
	Width, Height int
	FrameRate     int
	Clips         []Clip
	// Copy says every take's picture is already what the preset encodes,
	// at the export's size and rate and of its planned length, so the cut
	// joins the pictures as they are; only the sound is made again (see
	// Args).
	Copy bool
}

// TotalFrames is the cut's length in frames.
func (p Plan) TotalFrames() int64 {
	var n int64
	for _, c := range p.Clips {
		n += c.Frames
	}
	return n
}

// DurationMS is the cut's length in milliseconds, rounded.
func (p Plan) DurationMS() int64 {
	if p.FrameRate <= 0 {
		return 0
	}
	return roundDiv(p.TotalFrames()*1000, int64(p.FrameRate))
}

// NewPlan plans spec's export from sources, one for each of spec.Clips in
// order. It reads nothing: the sources' Info is what media.Probe found.
func NewPlan(spec slate.ExportSpec, sources []Source) (Plan, error) {
	preset, ok := Lookup(spec.Preset)
	switch {
	case !ok:
		return Plan{}, fmt.Errorf("unknown export preset %q", spec.Preset)
	case len(spec.Clips) == 0:
		return Plan{}, errors.New("the export has no shots")
	case spec.FrameRate < 1 || spec.FrameRate > MaxFrameRate:
		return Plan{}, fmt.Errorf("frame rate %d is outside 1..%d", spec.FrameRate, MaxFrameRate)
	case len(sources) != len(spec.Clips):
		return Plan{}, fmt.Errorf("%d takes for %d shots", len(sources), len(spec.Clips))
	}
	reframe := spec.Reframe
	switch reframe {
	case "":
		reframe = slate.ReframeCrop
	case slate.ReframeCrop, slate.ReframePad:
	default:
		return Plan{}, fmt.Errorf("unknown reframe %q", spec.Reframe)
	}

	durations := make([]int64, len(spec.Clips))
	for i, c := range spec.Clips {
		s := sources[i]
		switch {
		case c.DurationMS <= 0:
			return Plan{}, fmt.Errorf("shot %s lasts %d ms", shotName(c), c.DurationMS)
		case !filepath.IsAbs(s.Path):
			return Plan{}, fmt.Errorf("the take for shot %s is not at an absolute path: %q", shotName(c), s.Path)
		case s.Info.VideoCodec == "" || s.Info.Width <= 0 || s.Info.Height <= 0:
			return Plan{}, fmt.Errorf("the take for shot %s has no video", shotName(c))
		}
		durations[i] = c.DurationMS
	}
	frames := Frames(durations, spec.FrameRate)
	sampleCounts := samples(frames, spec.FrameRate)

	p := Plan{Preset: preset, Title: spec.Title, Reframe: reframe, FrameRate: spec.FrameRate,
		Width: preset.Width, Height: preset.Height, Clips: make([]Clip, len(spec.Clips))}
	if p.Width == 0 {
		p.Width, p.Height = largest(sources)
	}
	for i, c := range spec.Clips {
		if frames[i] < 1 {
			return Plan{}, fmt.Errorf("shot %s is shorter than a frame at %d fps", shotName(c), spec.FrameRate)
		}
		p.Clips[i] = Clip{ShotID: c.ShotID, ShotName: c.ShotName, Path: sources[i].Path,
			Frames: frames[i], Samples: sampleCounts[i], Audio: sources[i].Info.AudioCodec != ""}
	}
	p.Copy = copyable(p, sources)
	return p, nil
}

// largest is the frame of the take with the largest area (the first of
// equals), rounded down to even sides as 4:2:0 and 4:2:2 need: a cut is
// never upscaled past its sharpest take, and drafts beside high takes are
// conformed up to them.
func largest(sources []Source) (w, h int) {
	for _, s := range sources {
		if s.Info.Width*s.Info.Height > w*h {
			w, h = s.Info.Width, s.Info.Height
		}
	}
	return max(w&^1, 2), max(h&^1, 2)
}

// copyable says whether p's takes can be joined as they are.
func copyable(p Plan, sources []Source) bool {
	if !p.Preset.Copyable {
		return false
	}
	for i, s := range sources {
		in := s.Info
		own := roundDiv(in.DurationMS*int64(p.FrameRate), 1000)
		switch {
		case in.VideoCodec != "h264" || in.PixFmt != "yuv420p",
			in.Width != p.Width || in.Height != p.Height || in.FrameRate != p.FrameRate,
			own != p.Clips[i].Frames,
			// Takes of different profiles carry decoder settings the
			// first take's header cannot describe.
			in.VideoProfile != sources[0].Info.VideoProfile,
			// The concat demuxer's list is read line by line.
			strings.ContainsAny(s.Path, "\n\r"):
			return false
		}
	}
	return true
}

// shotName names a clip's shot in an error a person reads.
func shotName(c slate.ExportClip) string {
	if c.ShotName == "" {
		return c.ShotID
	}
	return fmt.Sprintf("%q (%s)", c.ShotName, c.ShotID)
}
