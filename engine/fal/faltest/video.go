package faltest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// clipKey is one video the fake makes: its frame size, frame count and
// rate.
type clipKey struct{ W, H, Frames, FPS int }

// file is a result URL handed out: the clip it serves, and whether it has
// expired.
type file struct {
	clip    []byte
	expired bool
}

// clips are the videos made so far, kept for every server in the process:
// ffmpeg is the slow part of starting a server, and a clip never changes.
var clips = struct {
	sync.Mutex
	m map[string][]byte
}{m: map[string][]byte{}}

// clip returns the MP4 for k, making it with ffmpeg the first time it is
// asked for.
func (s *Server) clip(k clipKey) ([]byte, error) {
	id := fmt.Sprintf("%s|%dx%d_%df_%dfps", s.ffmpeg, k.W, k.H, k.Frames, k.FPS)
	clips.Lock()
	defer clips.Unlock()
	if b, ok := clips.m[id]; ok {
		return b, nil
	}
	dir, err := os.MkdirTemp("", "faltest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "clip.mp4")
	cmd := exec.Command(s.ffmpeg, "-v", "error", "-nostdin", "-y", "-f", "lavfi",
		"-i", fmt.Sprintf("testsrc2=s=%dx%d:r=%d", k.W, k.H, k.FPS), "-frames:v", strconv.Itoa(k.Frames),
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", p)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%w: %v: %s", ErrNoFFmpeg, err, bytes.TrimSpace(out))
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	clips.m[id] = b
	return b, nil
}

// mint hands out a fresh URL for clip, already expired when the
// ExpireFiles knob says so.
func (s *Server) mint(clip []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	token := newID()
	s.files[token] = file{clip: clip, expired: take(&s.knobs.expire)}
	return s.URL() + "/files/" + token + "/output.mp4"
}

// serveFile serves a result file, as fal's CDN does, with ranges, and no
// key needed. An expired file is 404; a cut download stops halfway.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f, ok := s.files[r.PathValue("token")]
	cut := ok && !f.expired && r.Header.Get("Range") == "" && take(&s.knobs.cut)
	s.mu.Unlock()
	if !ok || f.expired {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	data := f.clip
	if cut {
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data[:len(data)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		panic(http.ErrAbortHandler) // the connection drops mid-file
	}
	w.Header().Set("Content-Type", "video/mp4")
	http.ServeContent(w, r, "output.mp4", time.Time{}, bytes.NewReader(data))
}
