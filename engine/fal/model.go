package fal

import (
	"fmt"
	"slices"
	"strings"

	"slate"
)

// Model is what the adapter knows of a fal model's inputs: the frame counts
// it renders, at what rate, and the aspect ratios and resolutions it takes.
// Wan-family models on fal take a length in frames (num_frames at
// frames_per_second) rather than in seconds.
type Model struct {
	// FPS is the frames_per_second sent with every request.
	FPS int
	// Frames, when set, are the only frame counts offered, ascending;
	// otherwise MinFrames..MaxFrames bound num_frames.
	Frames               []int
	MinFrames, MaxFrames int
	// AspectRatios the model takes; empty sends the project's as it is.
	AspectRatios []string
	// Resolutions the model takes; empty accepts whatever the tiers say.
	Resolutions []string
	// StartImage is the offer's: slate.StartImageRequired for an
	// image-to-video model, which is sent the frame as image_url; "" for
	// one that renders from text alone.
	StartImage string
}

// knownModels are the models this adapter was written against, from
// their documented input schemas (see testdata/README.md).
var knownModels = map[string]Model{
	// Wan 2.1: num_frames 81..100, frames_per_second 5..24 (default 16),
	// 16:9 or 9:16. fal bills a video at 81 frames and 1.25× beyond, so
	// only the two ends are offered.
	"fal-ai/wan-t2v": {FPS: 16, Frames: []int{81, 100},
		AspectRatios: []string{"16:9", "9:16"}, Resolutions: []string{"480p", "580p", "720p"}},
	// Wan 2.2 A14B: num_frames 17..161, frames_per_second 4..60 (default
	// 16), 16:9, 9:16 or 1:1; billed per video second at 16 fps.
	"fal-ai/wan/v2.2-a14b/text-to-video": {FPS: 16, MinFrames: 17, MaxFrames: 161,
		AspectRatios: []string{"16:9", "9:16", "1:1"}, Resolutions: []string{"480p", "580p", "720p"}},
	// The image-to-video Wans take the same length and frame inputs as
	// their text-to-video twins, and a required image_url, which fal
	// takes as a data: URI as well as a URL.
	"fal-ai/wan-i2v": {FPS: 16, Frames: []int{81, 100},
		AspectRatios: []string{"16:9", "9:16"}, Resolutions: []string{"480p", "720p"},
		StartImage: slate.StartImageRequired},
	"fal-ai/wan/v2.2-a14b/image-to-video": {FPS: 16, MinFrames: 17, MaxFrames: 161,
		AspectRatios: []string{"16:9", "9:16", "1:1"}, Resolutions: []string{"480p", "580p", "720p"},
		StartImage: slate.StartImageRequired},
}

// defaultTiers maps Slate's tiers to Wan's resolutions: Wan renders at
// most 720p, so high is 720p too and 4k is not offered.
var defaultTiers = map[string]string{"draft": "480p", "standard": "720p", "high": "720p"}

// namespaces are the fal endpoint prefixes that come before the owner.
var namespaces = []string{"workflows", "comfy"}

// AppID is the part of a model id that names the app: fal's queue takes
// the whole id ("fal-ai/flux/dev") to submit, but only the app
// ("fal-ai/flux") for a request's status, result and cancel.
func AppID(model string) string {
	parts := strings.Split(strings.Trim(model, "/"), "/")
	n := 2
	if slices.Contains(namespaces, parts[0]) {
		n = 3
	}
	if len(parts) <= n {
		return strings.Join(parts, "/")
	}
	return strings.Join(parts[:n], "/")
}

// checkModelID refuses an id the queue's paths cannot carry.
func checkModelID(model string) error {
	parts := strings.Split(model, "/")
	if len(parts) < 2 {
		return fmt.Errorf("%q is not a fal model id such as fal-ai/wan-t2v", model)
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != "" {
			return fmt.Errorf("%q is not a fal model id such as fal-ai/wan-t2v", model)
		}
	}
	return nil
}

// framesMS is how long n frames last at fps, rounded up to the
// millisecond so that FramesFor gives n back.
func framesMS(n, fps int) int64 {
	return (int64(n)*1000 + int64(fps) - 1) / int64(fps)
}

// FramesFor is the frame count a render of durationMS asks for: the
// nearest whole frame, raised to the shortest the model renders that
// covers it, or the longest it renders.
func (m Model) FramesFor(durationMS int64) int {
	n := int((durationMS*int64(m.FPS) + 500) / 1000)
	if len(m.Frames) > 0 {
		for _, f := range m.Frames {
			if f >= n {
				return f
			}
		}
		return m.Frames[len(m.Frames)-1]
	}
	return min(max(n, m.MinFrames), m.MaxFrames)
}

// DurationMS is how long n frames of this model last.
func (m Model) DurationMS(frames int) int64 { return framesMS(frames, m.FPS) }

// durations are the lengths the model renders, as an offer states them:
// each offered frame count's length, or a range in steps of whole frames
// that land on whole milliseconds (125 ms, two frames, at 16 fps).
func (m Model) durations() (list []int64, lo, hi, step int64) {
	if len(m.Frames) > 0 {
		for _, f := range m.Frames {
			list = append(list, framesMS(f, m.FPS))
		}
		return list, 0, 0, 0
	}
	step = 1000 / int64(gcd(1000, m.FPS))
	lo = (framesMS(m.MinFrames, m.FPS) + step - 1) / step * step
	hi = int64(m.MaxFrames) * 1000 / int64(m.FPS) / step * step
	if lo > hi { // a range narrower than one step: offer its ends
		return []int64{framesMS(m.MinFrames, m.FPS), framesMS(m.MaxFrames, m.FPS)}, 0, 0, 0
	}
	return nil, lo, hi, step
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// check reports what is wrong with a model description, naming the
// option to set.
func (m Model) check() error {
	switch {
	case m.FPS <= 0:
		return fmt.Errorf("options.frames_per_second must be a positive number of frames")
	case len(m.Frames) > 0:
		if !slices.IsSorted(m.Frames) || m.Frames[0] <= 0 || len(slices.Compact(slices.Clone(m.Frames))) != len(m.Frames) {
			return fmt.Errorf("options.num_frames must be positive frame counts in ascending order")
		}
	case m.MinFrames <= 0 || m.MaxFrames < m.MinFrames:
		return fmt.Errorf("options.min_frames and options.max_frames must bound the frames the model renders (or set options.num_frames)")
	}
	return nil
}
