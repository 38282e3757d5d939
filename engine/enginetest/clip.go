package enginetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Clip makes a one-second 320×180, 24 fps H.264 MP4 with ffmpeg ("" finds
// it on PATH): the real video a fake provider serves as its result. Tests
// that start many fakes make it once and hand it to each.
func Clip(ffmpeg string) ([]byte, error) {
	if ffmpeg == "" {
		ffmpeg = "ffmpeg"
	}
	dir, err := os.MkdirTemp("", "enginetest-clip")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "clip.mp4")
	cmd := exec.Command(ffmpeg, "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=24:d=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("making a clip with ffmpeg: %v\n%s", err, b)
	}
	return os.ReadFile(out)
}
