package media

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"slate"
	"slate/ffmpeg"
)

// Info is what ffprobe says of a media file: what a take records and what
// tests check a render against.
type Info struct {
	Width, Height int
	// FrameRate is the video's frame rate rounded to a whole number
	// (29.97 → 30), as projects state theirs.
	FrameRate  int
	DurationMS int64
	VideoCodec string
	// PixFmt is the video's pixel format, such as "yuv420p" or
	// "yuv422p10le": with the codec it says whether a take can be copied
	// into a cut as it is.
	PixFmt string
	// VideoProfile is the codec's profile as ffprobe names it, such as
	// "High" for H.264 or "HQ" and "4444" for ProRes.
	VideoProfile    string
	AudioCodec      string
	AudioSampleRate int
	AudioChannels   int
	// Size is the file's size in bytes.
	Size int64
	// FormatName is ffprobe's container name, such as "mov,mp4,m4a,3gp,3g2,mj2".
	FormatName string
}

// Streams is what a take records of the streams, so it need not be probed
// again.
func (i Info) Streams() slate.Streams {
	return slate.Streams{VideoCodec: i.VideoCodec, PixFmt: i.PixFmt, VideoProfile: i.VideoProfile,
		AudioCodec: i.AudioCodec, AudioRate: i.AudioSampleRate, AudioChannels: i.AudioChannels}
}

// InfoOf is what a take recorded of its file when it was made, as Probe
// would say it; ok is false for a take made before takes recorded their
// streams.
func InfoOf(t *slate.Take) (info Info, ok bool) {
	st := t.Streams
	if st.VideoCodec == "" {
		return Info{}, false
	}
	return Info{Width: t.Width, Height: t.Height, FrameRate: t.FrameRate, DurationMS: t.DurationMS,
		VideoCodec: st.VideoCodec, PixFmt: st.PixFmt, VideoProfile: st.VideoProfile, AudioCodec: st.AudioCodec,
		AudioSampleRate: st.AudioRate, AudioChannels: st.AudioChannels, Size: t.Size}, true
}

type probeOutput struct {
	Streams []struct {
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		Profile      string `json:"profile"`
		PixFmt       string `json:"pix_fmt"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		AvgFrameRate string `json:"avg_frame_rate"`
		RFrameRate   string `json:"r_frame_rate"`
		SampleRate   string `json:"sample_rate"`
		Channels     int    `json:"channels"`
		Duration     string `json:"duration"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		Size       string `json:"size"`
	} `json:"format"`
}

// Probe runs ffprobe (ffprobePath, or "ffprobe" from PATH when empty) on
// file. The first video and the first audio stream count; a file with
// neither is an error.
func Probe(ctx context.Context, ffprobePath, file string) (Info, error) {
	if ffprobePath == "" {
		ffprobePath = "ffprobe"
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return Info{}, fmt.Errorf("media: probe: %w", err)
	}
	var stdout, stderr bytes.Buffer
	// "file:" keeps a name with a colon from being read as a protocol.
	cmd := ffmpeg.Command(ctx, ffprobePath, "-v", "error", "-hide_banner",
		"-print_format", "json", "-show_format", "-show_streams", "file:"+abs)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := ffmpeg.Exec(cmd, nil); err != nil {
		if ctx.Err() != nil {
			return Info{}, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return Info{}, fmt.Errorf("media: probe %s: %s", file, msg)
	}
	return parseProbe(stdout.Bytes())
}

func parseProbe(data []byte) (Info, error) {
	var out probeOutput
	if err := json.Unmarshal(data, &out); err != nil {
		return Info{}, fmt.Errorf("media: probe output: %w", err)
	}
	info := Info{FormatName: out.Format.FormatName}
	info.Size, _ = strconv.ParseInt(out.Format.Size, 10, 64)
	duration := out.Format.Duration
	var video, audio bool
	for _, s := range out.Streams {
		switch {
		case s.CodecType == "video" && !video:
			video = true
			info.Width, info.Height, info.VideoCodec = s.Width, s.Height, s.CodecName
			info.PixFmt, info.VideoProfile = s.PixFmt, s.Profile
			info.FrameRate = frameRate(s.AvgFrameRate)
			if info.FrameRate == 0 {
				info.FrameRate = frameRate(s.RFrameRate)
			}
			if duration == "" {
				duration = s.Duration
			}
		case s.CodecType == "audio" && !audio:
			audio = true
			info.AudioCodec, info.AudioChannels = s.CodecName, s.Channels
			info.AudioSampleRate, _ = strconv.Atoi(s.SampleRate)
		}
	}
	if !video && !audio {
		return Info{}, errors.New("media: probe: no audio or video stream")
	}
	if sec, err := strconv.ParseFloat(duration, 64); err == nil {
		info.DurationMS = int64(math.Round(sec * 1000))
	}
	return info, nil
}

// frameRate reads ffprobe's "num/den" and rounds it; "0/0" (unknown) is 0.
func frameRate(s string) int {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		den = "1"
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d == 0 {
		return 0
	}
	return int(math.Round(n / d))
}
