package media_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"slate/media"
)

// makeClip renders a short test clip with ffmpeg.
func makeClip(t *testing.T, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("ffmpeg", append(append([]string{"-v", "error", "-nostdin", "-y"}, args...), "file:"+out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	return out
}

func TestProbe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		file string
		args []string
		want media.Info
	}{
		{
			name: "h264 and aac at 24",
			// A colon and a leading dash would be read as a protocol or an
			// option if Probe passed the name as it is.
			file: "-take:1.mp4",
			args: []string{
				"-f", "lavfi", "-i", "testsrc2=s=320x180:r=24:d=1.5",
				"-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
				"-t", "1.5", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
			},
			// ultrafast turns off CABAC, which leaves Constrained Baseline.
			want: media.Info{Width: 320, Height: 180, FrameRate: 24, DurationMS: 1500, VideoCodec: "h264",
				PixFmt: "yuv420p", VideoProfile: "Constrained Baseline", AudioCodec: "aac", AudioSampleRate: 48000, AudioChannels: 2, FormatName: "mov,mp4,m4a,3gp,3g2,mj2"},
		},
		{
			name: "ntsc rate rounds",
			file: "ntsc.mp4",
			args: []string{"-f", "lavfi", "-i", "testsrc2=s=160x90:r=30000/1001", "-frames:v", "30",
				"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"},
			want: media.Info{Width: 160, Height: 90, FrameRate: 30, DurationMS: 1001, VideoCodec: "h264",
				PixFmt: "yuv420p", VideoProfile: "High", FormatName: "mov,mp4,m4a,3gp,3g2,mj2"},
		},
		{
			name: "prores 422 hq with pcm",
			file: "master.mov",
			args: []string{
				"-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=1",
				"-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
				"-t", "1", "-c:v", "prores_ks", "-profile:v", "3", "-pix_fmt", "yuv422p10le", "-c:a", "pcm_s24le",
			},
			want: media.Info{Width: 320, Height: 180, FrameRate: 25, DurationMS: 1000, VideoCodec: "prores",
				PixFmt: "yuv422p10le", VideoProfile: "HQ", AudioCodec: "pcm_s24le", AudioSampleRate: 48000,
				AudioChannels: 2, FormatName: "mov,mp4,m4a,3gp,3g2,mj2"},
		},
		{
			name: "prores 4444",
			file: "master4444.mov",
			args: []string{"-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=1",
				"-c:v", "prores_ks", "-profile:v", "4", "-pix_fmt", "yuv444p10le"},
			// The decoder hands out 4444 at 12 bits whatever it was made at.
			want: media.Info{Width: 320, Height: 180, FrameRate: 25, DurationMS: 1000, VideoCodec: "prores",
				PixFmt: "yuv444p12le", VideoProfile: "4444", FormatName: "mov,mp4,m4a,3gp,3g2,mj2"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := makeClip(t, tc.file, tc.args...)
			got, err := media.Probe(context.Background(), "", file)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Size = fi.Size()
			// AAC priming may stretch the container by a few milliseconds.
			if d := got.DurationMS - tc.want.DurationMS; d < -25 || d > 25 {
				t.Errorf("DurationMS = %d, want %d±25", got.DurationMS, tc.want.DurationMS)
			}
			got.DurationMS = tc.want.DurationMS
			if got != tc.want {
				t.Errorf("Probe =\n%+v, want\n%+v", got, tc.want)
			}
		})
	}
}

func TestProbeFails(t *testing.T) {
	t.Parallel()
	notMedia := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notMedia, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, ffprobe, file string
	}{
		{"missing file", "", filepath.Join(t.TempDir(), "nope.mp4")},
		{"not media", "", notMedia},
		{"no ffprobe", filepath.Join(t.TempDir(), "ffprobe"), notMedia},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if info, err := media.Probe(context.Background(), tc.ffprobe, tc.file); err == nil {
				t.Fatalf("Probe = %+v, want an error", info)
			}
		})
	}
}
