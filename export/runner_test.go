package export_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/enginetest"
	"slate/export"
	"slate/media"
)

// probe returns what ffprobe says of file.
func probe(t *testing.T, file string) media.Info {
	t.Helper()
	info, err := media.Probe(context.Background(), "", file)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// checkProgress fails unless reports rise within 0..100 and end at 100.
func checkProgress(t *testing.T, reports []engine.Progress) {
	t.Helper()
	if len(reports) == 0 || reports[len(reports)-1].Percent != 100 {
		t.Fatalf("progress %v does not end at 100", reports)
	}
	for i, p := range reports {
		if p.Percent < 0 || p.Percent > 100 || i > 0 && p.Percent < reports[i-1].Percent {
			t.Fatalf("progress %v is not monotonic within 0..100", reports)
		}
	}
}

// checkDuration fails unless info lasts ms within a frame at fps.
func checkDuration(t *testing.T, info media.Info, ms int64, fps int) {
	t.Helper()
	frame := 1000 / float64(fps)
	if d := float64(info.DurationMS - ms); d < -frame || d > frame {
		t.Errorf("duration %d ms, want %d±%.0f", info.DurationMS, ms, frame)
	}
}

// decodes fails if ffmpeg reports an error decoding all of file.
func decodes(t *testing.T, file string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-i", "file:"+file, "-f", "null", "-").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("%s does not decode cleanly: %v %s", file, err, out)
	}
}

func TestExportPresets(t *testing.T) {
	t.Parallel()
	f := takes(t)
	for _, tc := range []struct {
		preset               string
		format, video, audio string
		profile, pixFmt      string
		w, h                 int
	}{
		// The largest take is 1280×720.
		{slate.PresetProRes422HQ, "mov", "prores", "pcm_s24le", "HQ", "yuv422p10le", 1280, 720},
		{slate.PresetProRes4444, "mov", "prores", "pcm_s24le", "4444", "yuv444p12le", 1280, 720},
		{slate.PresetMP4H264, "mp4", "h264", "aac", "High", "yuv420p", 1280, 720},
		{slate.PresetMP4H265, "mp4", "hevc", "aac", "Main", "yuv420p", 1280, 720},
		{slate.PresetWebM, "webm", "vp9", "opus", "Profile 0", "yuv420p", 1280, 720},
		{slate.PresetYouTube, "mp4", "h264", "aac", "High", "yuv420p", 1920, 1080},
		{slate.PresetTikTok, "mp4", "h264", "aac", "High", "yuv420p", 1080, 1920},
		{slate.PresetInstagramSquare, "mp4", "h264", "aac", "High", "yuv420p", 1080, 1080},
		{slate.PresetInstagramFeed, "mp4", "h264", "aac", "High", "yuv420p", 1080, 1350},
	} {
		t.Run(tc.preset, func(t *testing.T) {
			t.Parallel()
			spec := withPreset(f.mixed, tc.preset)
			ext, mediaType, _ := export.OutputType(tc.preset)
			dir := t.TempDir()
			// A worker writes under a temporary name; the format must not
			// depend on the extension.
			dst := filepath.Join(dir, "cut"+ext+".part")
			var rec enginetest.Recorder
			r := &export.Runner{TempDir: t.TempDir()}
			if err := r.Export(context.Background(), spec, f.mixed.files, dst, rec.Add); err != nil {
				t.Fatal(err)
			}
			info := probe(t, dst)
			if !strings.Contains(info.FormatName, tc.format) {
				t.Errorf("container %q, want %s (%s)", info.FormatName, tc.format, mediaType)
			}
			if info.VideoCodec != tc.video || info.VideoProfile != tc.profile || info.PixFmt != tc.pixFmt {
				t.Errorf("video %s %q %s, want %s %q %s", info.VideoCodec, info.VideoProfile, info.PixFmt, tc.video, tc.profile, tc.pixFmt)
			}
			if info.Width != tc.w || info.Height != tc.h || info.FrameRate != 24 {
				t.Errorf("frame %dx%d@%d, want %dx%d@24", info.Width, info.Height, info.FrameRate, tc.w, tc.h)
			}
			if info.AudioCodec != tc.audio || info.AudioSampleRate != 48000 || info.AudioChannels != 2 {
				t.Errorf("audio %s %d Hz %d channels, want %s at 48 kHz stereo", info.AudioCodec, info.AudioSampleRate, info.AudioChannels, tc.audio)
			}
			checkDuration(t, info, f.mixed.durationMS(), 24)
			// Matroska keeps no stream durations; the others' picture and
			// sound start together and end within a frame.
			if tc.format != "webm" {
				s := streams(t, dst)
				v, a := s["video"], s["audio"]
				if v.start != 0 || a.start != 0 || math.Abs(v.duration-a.duration) > 1.0/24 {
					t.Errorf("video %+v and audio %+v streams differ", v, a)
				}
			}
			checkProgress(t, rec.All())
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%s holds %d files, want only the export", dir, len(entries))
			}
		})
	}
}

func TestExportCopy(t *testing.T) {
	t.Parallel()
	f := takes(t)
	spec := withPreset(f.drafts, slate.PresetMP4H264)
	tmp := t.TempDir()
	r := &export.Runner{TempDir: tmp}
	p, err := r.Plan(context.Background(), spec, f.drafts.files)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Copy {
		t.Fatal("matching drafts are not planned as a copy")
	}
	dst := filepath.Join(t.TempDir(), "cut.mp4")
	var rec enginetest.Recorder
	if err := r.Export(context.Background(), spec, f.drafts.files, dst, rec.Add); err != nil {
		t.Fatal(err)
	}
	info := probe(t, dst)
	if info.VideoCodec != "h264" || info.Width != 854 || info.Height != 480 || info.FrameRate != 24 ||
		info.AudioCodec != "aac" || info.AudioSampleRate != 48000 {
		t.Errorf("got %+v, want the drafts' h264 854x480@24 with 48 kHz aac", info)
	}
	checkDuration(t, info, f.drafts.durationMS(), 24)
	// Picture and sound start together and end together.
	for kind, s := range streams(t, dst) {
		if s.start != 0 || s.duration != 3 {
			t.Errorf("the %s stream runs from %.6f for %.6f s, want from 0 for 3", kind, s.start, s.duration)
		}
	}
	checkProgress(t, rec.All())
	decodes(t, dst)
	assertEmpty(t, tmp)
}

// TestPlanUsesRecordedStreams: takes that recorded their streams when they
// were made are not probed again; older takes, or a file that is not the
// one recorded, are.
func TestPlanUsesRecordedStreams(t *testing.T) {
	t.Parallel()
	f := takes(t)
	// Only this test runs the counting ffprobe.
	runs := func() int {
		b, _ := os.ReadFile(probeCount)
		return strings.Count(string(b), "run")
	}
	r := &export.Runner{FFprobe: countingFFprobe}
	recorded := withPreset(f.drafts, slate.PresetMP4H264)
	older := withPreset(f.drafts, slate.PresetMP4H264)
	for i := range older.Clips {
		older.Clips[i].Take = nil
	}
	resized := withPreset(f.drafts, slate.PresetMP4H264)
	other := *resized.Clips[1].Take
	other.Size++
	resized.Clips[1].Take = &other
	for _, tc := range []struct {
		name string
		spec slate.ExportSpec
		runs int
	}{{"recorded", recorded, 0}, {"older takes", older, 3}, {"another file", resized, 1}} {
		before := runs()
		p, err := r.Plan(context.Background(), tc.spec, f.drafts.files)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Copy || p.Width != 854 || p.Height != 480 {
			t.Errorf("%s: %dx%d copy=%v, want the drafts' 854x480 copied", tc.name, p.Width, p.Height, p.Copy)
		}
		if got := runs() - before; got != tc.runs {
			t.Errorf("%s: ffprobe ran %d times, want %d", tc.name, got, tc.runs)
		}
	}
}

// span is when a stream starts and how long it lasts, in seconds.
type span struct{ start, duration float64 }

// streams returns the first video and audio streams' spans in file, which
// the container's duration can hide.
func streams(t *testing.T, file string) map[string]span {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,start_time,duration",
		"-of", "json", "file:"+file).Output()
	if err != nil {
		t.Fatal(err)
	}
	var probe struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
			StartTime string `json:"start_time"`
			Duration  string `json:"duration"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		t.Fatal(err)
	}
	spans := map[string]span{}
	for _, s := range probe.Streams {
		if _, ok := spans[s.CodecType]; ok {
			continue
		}
		start, err1 := strconv.ParseFloat(s.StartTime, 64)
		duration, err2 := strconv.ParseFloat(s.Duration, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s stream: start %q, duration %q", s.CodecType, s.StartTime, s.Duration)
		}
		spans[s.CodecType] = span{start, duration}
	}
	if len(spans) != 2 {
		t.Fatalf("streams %v, want video and audio", spans)
	}
	return spans
}

// topRows decodes the first frame of file and returns its top rows of
// luma, w pixels wide.
func topRows(t *testing.T, file string, w, rows int) []byte {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-i", "file:"+file, "-frames:v", "1",
		"-vf", "crop=iw:"+strconv.Itoa(rows)+":0:0", "-f", "rawvideo", "-pix_fmt", "gray", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != w*rows {
		t.Fatalf("decoded %d bytes, want %d", len(out), w*rows)
	}
	return out
}

func TestExportReframe(t *testing.T) {
	t.Parallel()
	f := takes(t)
	for _, tc := range []struct {
		reframe slate.Reframe
		black   bool
	}{
		{slate.ReframePad, true},
		{slate.ReframeCrop, false},
	} {
		t.Run(string(tc.reframe), func(t *testing.T) {
			t.Parallel()
			// One 16:9 draft made 9:16.
			spec := withPreset(f.drafts, slate.PresetTikTok)
			spec.Reframe = tc.reframe
			spec.Clips = spec.Clips[2:]
			dst := filepath.Join(t.TempDir(), "cut.mp4")
			if err := (&export.Runner{}).Export(context.Background(), spec, f.drafts.files[2:], dst, nil); err != nil {
				t.Fatal(err)
			}
			if info := probe(t, dst); info.Width != 1080 || info.Height != 1920 {
				t.Fatalf("frame %dx%d, want 1080x1920", info.Width, info.Height)
			}
			var brightest, sum int
			rows := topRows(t, dst, 1080, 64)
			for _, y := range rows {
				brightest = max(brightest, int(y))
				sum += int(y)
			}
			mean := sum / len(rows)
			// Black is 16 in video range; the card's background is well
			// above it.
			if black := brightest <= 24; black != tc.black {
				t.Errorf("top rows black = %v (brightest %d, mean %d), want %v", black, brightest, mean, tc.black)
			}
			if !tc.black && mean < 32 {
				t.Errorf("cropped top rows have mean %d, want the card's colour", mean)
			}
		})
	}
}
