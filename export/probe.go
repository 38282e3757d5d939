package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"slate"
	"slate/media"
)

// probeCacheSize bounds how many files' Info a Runner remembers: a few
// projects' worth of takes, a few hundred kilobytes.
const probeCacheSize = 1024

// probeCache remembers what ffprobe said of a take. A worker cuts the same
// takes again and again (every preset of a cut, each re-export after one
// shot changes), and ffprobe's start-up alone costs some 50 ms of CPU a
// take. A take's file is never rewritten in place, and a replaced one has
// another size or modification time, so those three name what was probed.
type probeCache struct {
	mu    sync.Mutex
	infos map[probeKey]media.Info
}

type probeKey struct {
	path    string
	size    int64
	modTime int64
}

func (c *probeCache) get(k probeKey) (media.Info, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	info, ok := c.infos[k]
	return info, ok
}

func (c *probeCache) put(k probeKey, info media.Info) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.infos == nil {
		c.infos = make(map[probeKey]media.Info)
	}
	if len(c.infos) >= probeCacheSize {
		// Forget one at random: cheaper than keeping an order, and a
		// forgotten take costs only one more probe.
		for old := range c.infos {
			delete(c.infos, old)
			break
		}
	}
	c.infos[k] = info
}

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
	key := probeKey{path: abs, size: fi.Size(), modTime: fi.ModTime().UnixNano()}
	if info, ok := r.probed.get(key); ok {
		return Source{Path: abs, Info: info}, nil
	}
	info, err := media.Probe(ctx, r.FFprobe, abs)
	if err != nil {
		return Source{}, fmt.Errorf("the take for shot %s cannot be read: %w", shotName(c), err)
	}
	r.probed.put(key, info)
	return Source{Path: abs, Info: info}, nil
}
