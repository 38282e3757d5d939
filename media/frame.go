package media

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"slate/ffmpeg"
)

// FrameArgs are ffmpeg's arguments for writing one frame of src as a PNG
// at dst: the frame at atMS, or, when last, the file's last frame (read
// from its final second, each frame overwriting the one before).
func FrameArgs(src, dst string, atMS int64, last bool) []string {
	args := []string{"-v", "error", "-hide_banner", "-nostdin", "-y"}
	if last {
		args = append(args, "-sseof", "-1", "-i", "file:"+src, "-update", "1")
	} else {
		args = append(args, "-ss", strconv.FormatFloat(float64(atMS)/1000, 'f', 3, 64), "-i", "file:"+src, "-frames:v", "1")
	}
	return append(args, "-an", "-f", "image2", "-c:v", "png", "file:"+dst)
}

// Frame writes one frame of the video at src as a PNG at dst with ffmpeg
// (ffmpegPath, or "ffmpeg" from PATH when empty).
func Frame(ctx context.Context, ffmpegPath, src, dst string, atMS int64, last bool) error {
	if ffmpegPath == "" {
		ffmpegPath = "ffmpeg"
	}
	s, err := filepath.Abs(src)
	if err != nil {
		return fmt.Errorf("media: frame: %w", err)
	}
	d, err := filepath.Abs(dst)
	if err != nil {
		return fmt.Errorf("media: frame: %w", err)
	}
	var stderr bytes.Buffer
	cmd := ffmpeg.Command(ctx, ffmpegPath, FrameArgs(s, d, atMS, last)...)
	cmd.Stderr = &stderr
	if err := ffmpeg.Exec(cmd, nil); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("media: frame of %s: %s", filepath.Base(src), msg)
	}
	return nil
}
