package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"slate"
	"slate/media"
)

// probe reads one clip's take, saying which shot's take is missing or
// unreadable.
func (r *Runner) probe(ctx context.Context, c slate.ExportClip, path string) (Source, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Source{}, err
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return Source{}, fmt.Errorf("the take for shot %s is missing", shotName(c))
	case err != nil:
		return Source{}, fmt.Errorf("the take for shot %s cannot be read: %w", shotName(c), err)
	case !fi.Mode().IsRegular():
		return Source{}, fmt.Errorf("the take for shot %s is not a file", shotName(c))
	}
	// The worker that made the take probed it then, and a take's file is
	// never rewritten: probe again (some 50 ms of ffprobe start-up a take)
	// only a take made before takes recorded their streams.
	if c.Take != nil && c.Take.Size == fi.Size() {
		if info, ok := media.InfoOf(c.Take); ok {
			return Source{Path: abs, Info: info}, nil
		}
	}
	info, err := media.Probe(ctx, r.FFprobe, abs)
	if err != nil {
		return Source{}, fmt.Errorf("the take for shot %s cannot be read: %w", shotName(c), err)
	}
	return Source{Path: abs, Info: info}, nil
}
