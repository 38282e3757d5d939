package preview

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"slate/ffmpeg"
)

// fontDirs are where Linux distributions keep fonts.
var fontDirs = []string{"/usr/share/fonts", "/usr/local/share/fonts"}

// knownFonts are sans fonts common distributions ship, tried when
// fontconfig's fc-match is not installed.
var knownFonts = []string{
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/TTF/DejaVuSans.ttf",
	"/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
	"/usr/share/fonts/liberation/LiberationSans-Regular.ttf",
	"/usr/share/fonts/noto/NotoSans-Regular.ttf",
	"/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
	"/usr/share/fonts/truetype/freefont/FreeSans.ttf",
}

// FindFont returns a font file for drawtext: what fontconfig's fc-match
// picks for "DejaVu Sans" (its nearest sans-serif when DejaVu is missing),
// else a well-known path, else the first TrueType or OpenType font under the
// system font directories. It returns "" when there is none; drawtext then
// asks fontconfig itself, which works when ffmpeg was built with it.
func FindFont(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := ffmpeg.Command(ctx, "fc-match", "--format=%{file}", "DejaVu Sans:style=Book")
	cmd.Stdout = &out
	if err := ffmpeg.Exec(cmd, nil); err == nil {
		if f := string(bytes.TrimSpace(out.Bytes())); isFont(f) {
			return f
		}
	}
	for _, f := range knownFonts {
		if isFont(f) {
			return f
		}
	}
	var found []string
	for _, dir := range fontDirs {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isFontName(p) {
				found = append(found, p)
			}
			return nil
		})
	}
	// Prefer a plain sans face to a symbol, bold or italic one.
	slices.SortStableFunc(found, func(a, b string) int { return rank(a) - rank(b) })
	if len(found) > 0 {
		return found[0]
	}
	return ""
}

func rank(p string) int {
	base := strings.ToLower(filepath.Base(p))
	r := 0
	if !strings.Contains(base, "sans") {
		r += 2
	}
	for _, style := range []string{"bold", "italic", "oblique", "light", "mono", "math", "symbol"} {
		if strings.Contains(base, style) {
			r++
		}
	}
	return r
}

func isFontName(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".ttf", ".otf", ".ttc":
		return true
	}
	return false
}

func isFont(p string) bool {
	if !filepath.IsAbs(p) || !isFontName(p) {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
