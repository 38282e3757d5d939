// Package faltest is a fal.ai queue that runs on this machine, written from
// fal's documented queue protocol and the Wan models' documented input
// schemas (see engine/fal/testdata/README.md): POST /{model_id} queues a
// request and answers its request_id, status_url, response_url and
// cancel_url; GET status_url walks it through IN_QUEUE and IN_PROGRESS to
// COMPLETED, one step a poll, never by the clock; GET response_url answers
// the model's output, {"video": {"url"}, "seed"}, or its error; PUT
// cancel_url cancels. Every queue call must carry "Authorization: Key
// <key>". The video is a real MP4 made with ffmpeg, as long as the frames
// asked for at the rate asked for, in the aspect ratio asked for (at a
// small size).
//
// It is not a test-only package: Slate's end-to-end tests start it in the
// test process and point real `slate worker` processes at it, and
// cmd/fakefal serves it on its own. Knobs make the next calls answer 429
// or 5xx, end requests in a moderation, validation or runner failure, lock
// the account's balance, expire or cut result files, and hold every
// request IN_PROGRESS until the test releases it. The /_faltest/ paths
// (not fal's) read the counters and release held requests from another
// process; see Remote.
package faltest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
)

// DefaultKey is the key the server expects when Config.Key is empty.
const DefaultKey = "faltest-key-id:faltest-key-secret"

// Config configures a Server.
type Config struct {
	// Key is the fal key every queue call must carry; "" is DefaultKey.
	Key string
	// Addr is the address to listen on, such as "127.0.0.1:8765"; "" picks
	// a free port on the loopback interface.
	Addr string
	// Hold starts the server holding requests IN_PROGRESS (see Hold).
	Hold bool
	// FFmpeg is the ffmpeg binary; "" is "ffmpeg" from PATH.
	FFmpeg string
}

// Stats are the server's counters.
type Stats struct {
	// Submissions are the requests it accepted into the queue.
	Submissions int `json:"submissions"`
	// Posts are the submissions tried, accepted or not.
	Posts int `json:"posts"`
	// InFlight are the accepted requests not yet completed or cancelled;
	// MaxInFlight is the most there ever were at once.
	InFlight    int `json:"in_flight"`
	MaxInFlight int `json:"max_in_flight"`
	// Held are the requests waiting IN_PROGRESS for a release.
	Held int `json:"held"`
	// Cancels are the cancellations of unfinished requests.
	Cancels int `json:"cancels"`
	// Polls are the status calls answered, Results the result calls.
	Polls   int `json:"polls"`
	Results int `json:"results"`
}

// Server is a running fake fal queue.
type Server struct {
	srv    *httptest.Server
	key    string
	ffmpeg string

	mu       sync.Mutex
	stats    Stats
	requests map[string]*request
	order    []*request
	files    map[string]file
	hold     bool
	credit   int
	knobs    knobs
	last     map[string]any
	lastPath string
}

// knobs are the faults the next calls meet, each a count of calls.
type knobs struct {
	throttleSubmits, throttlePolls       int
	submitRetryAfter, pollRetryAfter     string
	breakSubmits, breakPolls, breakFetch int
	moderate, invalid, timeout           int
	expire, cut                          int
	locked                               bool
}

// New starts a server. It makes its first clip before it listens, so a
// machine without ffmpeg fails here rather than in the middle of a test.
func New(cfg Config) (*Server, error) {
	s := &Server{key: cfg.Key, ffmpeg: cfg.FFmpeg, hold: cfg.Hold, requests: map[string]*request{},
		files: map[string]file{}}
	if s.key == "" {
		s.key = DefaultKey
	}
	if s.ffmpeg == "" {
		s.ffmpeg = "ffmpeg"
	}
	if _, err := s.clip(clipKey{W: 160, H: 90, Frames: 81, FPS: 16}); err != nil {
		return nil, err
	}
	s.srv = httptest.NewUnstartedServer(s.routes())
	if cfg.Addr != "" {
		l, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("faltest: %w", err)
		}
		_ = s.srv.Listener.Close()
		s.srv.Listener = l
	}
	s.srv.Start()
	return s, nil
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{path...}", s.submit)
	mux.HandleFunc("GET /{path...}", s.get)
	mux.HandleFunc("PUT /{path...}", s.cancel)
	mux.HandleFunc("GET /files/{token}/{name}", s.serveFile)
	mux.HandleFunc("GET /_faltest/stats", s.controlStats)
	mux.HandleFunc("POST /_faltest/release", s.controlRelease)
	mux.HandleFunc("POST /_faltest/hold", s.controlHold)
	return mux
}

// URL is the queue's base URL, what an engine entry's base_url is set to.
func (s *Server) URL() string { return s.srv.URL }

// Key is the key the server expects.
func (s *Server) Key() string { return s.key }

// Close stops the server.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Held = s.heldLocked()
	return st
}

// Submissions is how many requests the queue accepted.
func (s *Server) Submissions() int { return s.Stats().Submissions }

// InFlight is how many accepted requests have not completed or been
// cancelled.
func (s *Server) InFlight() int { return s.Stats().InFlight }

// MaxInFlight is the most requests ever in flight at once.
func (s *Server) MaxInFlight() int { return s.Stats().MaxInFlight }

// Held is how many requests wait IN_PROGRESS for a release.
func (s *Server) Held() int { return s.Stats().Held }

// Cancels is how many unfinished requests were cancelled.
func (s *Server) Cancels() int { return s.Stats().Cancels }

// LastInput is the body of the last accepted submission, numbers as
// json.Number, and the path it was posted to.
func (s *Server) LastInput() (path string, input map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastPath, s.last
}

// Hold makes every request that reaches IN_PROGRESS stay there until a
// release lets it complete.
func (s *Server) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = true
}

// Release lets n more held requests complete, the next ones polled; a
// release no request is waiting for is kept for the next.
func (s *Server) Release(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.credit += n
}

// ReleaseAll stops holding: every request completes on its next polls.
func (s *Server) ReleaseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = false
}

// ThrottleSubmits makes the next n submissions answer 429, with a
// Retry-After of retryAfter when it is not empty.
func (s *Server) ThrottleSubmits(n int, retryAfter string) {
	s.set(func(k *knobs) { k.throttleSubmits, k.submitRetryAfter = n, retryAfter })
}

// ThrottlePolls makes the next n status polls answer 429, with a
// Retry-After of retryAfter when it is not empty.
func (s *Server) ThrottlePolls(n int, retryAfter string) {
	s.set(func(k *knobs) { k.throttlePolls, k.pollRetryAfter = n, retryAfter })
}

// BreakSubmits makes the next n submissions queue the request and then
// answer 502, as a gateway failing after the queue took it would.
func (s *Server) BreakSubmits(n int) { s.set(func(k *knobs) { k.breakSubmits = n }) }

// BreakPolls makes the next n status polls answer 503.
func (s *Server) BreakPolls(n int) { s.set(func(k *knobs) { k.breakPolls = n }) }

// BreakResults makes the next n result calls answer 500.
func (s *Server) BreakResults(n int) { s.set(func(k *knobs) { k.breakFetch = n }) }

// Moderate makes the next n accepted requests end refused by the content
// checker (a 422 of type content_policy_violation on response_url).
func (s *Server) Moderate(n int) { s.set(func(k *knobs) { k.moderate = n }) }

// TimeOut makes the next n accepted requests end as a runner timeout (a
// 504 with error_type request_timeout).
func (s *Server) TimeOut(n int) { s.set(func(k *knobs) { k.timeout = n }) }

// LockBalance makes submissions answer fal's 403 for an account out of
// credit, until called with false.
func (s *Server) LockBalance(locked bool) { s.set(func(k *knobs) { k.locked = locked }) }

// ExpireFiles makes the next n video URLs handed out answer 404, as a
// file past its lifetime does.
func (s *Server) ExpireFiles(n int) { s.set(func(k *knobs) { k.expire = n }) }

// CutDownloads makes the next n downloads stop halfway.
func (s *Server) CutDownloads(n int) { s.set(func(k *knobs) { k.cut = n }) }

func (s *Server) set(f func(k *knobs)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.knobs)
}

// take consumes one of a knob's counted calls.
func take(n *int) bool {
	if *n > 0 {
		*n--
		return true
	}
	return false
}

func (s *Server) heldLocked() int {
	n := 0
	for _, r := range s.order {
		if r.held {
			n++
		}
	}
	return n
}

// ErrNoFFmpeg is returned by New when ffmpeg cannot make a clip.
var ErrNoFFmpeg = errors.New("faltest: ffmpeg could not make the video it serves")
