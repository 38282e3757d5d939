package media_test

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"slate/media"
)

func TestFrameArgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		at   int64
		last bool
		want []string
	}{
		{"at a time", 1500, false, []string{"-v", "error", "-hide_banner", "-nostdin", "-y", "-ss", "1.500", "-i", "file:/in.mp4",
			"-frames:v", "1", "-an", "-f", "image2", "-c:v", "png", "file:/out.png"}},
		{"the last frame", 0, true, []string{"-v", "error", "-hide_banner", "-nostdin", "-y", "-sseof", "-1", "-i", "file:/in.mp4",
			"-update", "1", "-an", "-f", "image2", "-c:v", "png", "file:/out.png"}},
	} {
		if got := media.FrameArgs("/in.mp4", "/out.png", tc.at, tc.last); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// Frame takes real frames out of a real clip: red for its first second,
// blue for its second, so the last frame and one at 0.5 s differ.
func TestFrame(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clip := filepath.Join(dir, "clip.mp4")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x36:r=24:d=1",
		"-f", "lavfi", "-i", "color=c=blue:s=64x36:r=24:d=1", "-filter_complex", "[0][1]concat=n=2:v=1",
		"-c:v", "libx264", "-pix_fmt", "yuv420p", clip).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		name      string
		at        int64
		last      bool
		red, blue bool
	}{
		{"at 0.5 s", 500, false, true, false},
		{"last", 0, true, false, true},
	} {
		dst := filepath.Join(dir, tc.name+".png")
		if err := media.Frame(context.Background(), "", clip, dst, tc.at, tc.last); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(dst)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 36 {
			t.Errorf("%s: frame %v, want 64x36", tc.name, b)
		}
		r, _, bl, _ := img.At(32, 18).RGBA()
		if (r > bl) != tc.red || (bl > r) != tc.blue {
			t.Errorf("%s: pixel r=%d b=%d; want red %v blue %v", tc.name, r>>8, bl>>8, tc.red, tc.blue)
		}
	}
	if err := media.Frame(context.Background(), "", filepath.Join(dir, "missing.mp4"), filepath.Join(dir, "x.png"), 0, true); err == nil {
		t.Error("a frame of a missing file: no error")
	}
}
