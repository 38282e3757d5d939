// Package xaitest is an xAI video API server for tests, written from xAI's
// documented protocol (see engine/xai/testdata): bearer auth with xAI's
// answer to an incorrect key (400), POST /v1/videos/generations with its
// fields, deferred requests polled at GET /v1/videos/{request_id} through
// pending (202, with progress) to done, failed or expired, the price in
// usage.cost_in_usd_ticks, GET /v1/api-key, and a real MP4 behind each
// video URL.
//
// Requests advance only when polled or released, never with time, so
// tests wait on conditions. Knobs make the next calls answer throttling or
// failures, end a request failed or withheld by moderation, hold requests
// until released, and expire video URLs or whole requests.
package xaitest

import (
	"net/http"
	"net/http/httptest"
	"sync"

	"slate/engine/enginetest"
)

// DefaultKey is the key the server accepts when Options.Key is empty.
const DefaultKey = "xai-test-key"

// Options configure a Server.
type Options struct {
	// Key is the bearer key it accepts; "" is DefaultKey.
	Key string
	// Video is the MP4 every done request serves; nil makes a one-second
	// clip with ffmpeg.
	Video []byte
	// FFmpeg is the ffmpeg binary that makes it; "" finds ffmpeg on PATH.
	FFmpeg string
}

// Fault is an answer a call gets instead of its ordinary one.
type Fault struct {
	Status int
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Error is the body's "error"; "" is a stock one for Status.
	Error string
}

// Outcome is how a request ends instead of done with a video.
type Outcome struct {
	// Moderated ends it done with respect_moderation false and no URL.
	Moderated bool
	// Code and Message end it failed with this error.
	Code, Message string
	// Expire shows it done once, then expired: xAI no longer holds it.
	Expire bool
}

// Server is a running fake xAI API.
type Server struct {
	srv   *httptest.Server
	key   string
	video []byte

	mu           sync.Mutex
	reqs         map[string]*request
	seq          int
	creates      int
	submissions  int
	polls        int
	inFlight     int
	maxInFlight  int
	last         map[string]any
	submitFaults []Fault
	pollFaults   []Fault
	outcomes     []Outcome
	hold         bool
	expired      map[string]bool
	expireNext   int
	keyBlocked   bool
}

// request is one accepted generation and what the server has shown of it.
type request struct {
	id       string
	body     map[string]any
	status   string
	outcome  *Outcome
	held     bool
	polls    int
	token    string
	served   []string
	finished bool
	expired  bool
}

// New starts a server.
func New(opts Options) (*Server, error) {
	s := &Server{key: opts.Key, video: opts.Video, reqs: map[string]*request{}, expired: map[string]bool{}}
	if s.key == "" {
		s.key = DefaultKey
	}
	if s.video == nil {
		v, err := enginetest.Clip(opts.FFmpeg)
		if err != nil {
			return nil, err
		}
		s.video = v
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/videos/generations", s.create)
	mux.HandleFunc("GET /v1/videos/{id}", s.get)
	mux.HandleFunc("GET /v1/api-key", s.apiKey)
	mux.HandleFunc("GET /xai-vidgen-bucket/{file}", s.file)
	s.srv = httptest.NewServer(mux)
	return s, nil
}

// URL is the API's root, as an engines file's base_url names it.
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

func (s *Server) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// Submissions is how many generations the server accepted.
func (s *Server) Submissions() (n int) { s.locked(func() { n = s.submissions }); return }

// Creates is how many create calls reached the server, faults and
// refusals included.
func (s *Server) Creates() (n int) { s.locked(func() { n = s.creates }); return }

// InFlight is how many accepted requests have not yet been shown done or
// failed.
func (s *Server) InFlight() (n int) { s.locked(func() { n = s.inFlight }); return }

// MaxInFlight is the most requests in flight at once so far.
func (s *Server) MaxInFlight() (n int) { s.locked(func() { n = s.maxInFlight }); return }

// Cancels is always 0: xAI has no cancel. It is here so tests of every
// fake can ask the same.
func (s *Server) Cancels() int { return 0 }

// Polls is how many GETs of a request the server answered, faults
// included.
func (s *Server) Polls() (n int) { s.locked(func() { n = s.polls }); return }

// LastRequest is the body of the last generation the server accepted.
func (s *Server) LastRequest() (b map[string]any) { s.locked(func() { b = s.last }); return }

// Statuses is the statuses the request has been shown in, in order.
func (s *Server) Statuses(id string) (out []string) {
	s.locked(func() {
		if r := s.reqs[id]; r != nil {
			out = append(out, r.served...)
		}
	})
	return
}

// FailSubmits makes the next creates answer these faults, in order.
func (s *Server) FailSubmits(f ...Fault) {
	s.locked(func() { s.submitFaults = append(s.submitFaults, f...) })
}

// FailPolls makes the next GETs of a request answer these faults.
func (s *Server) FailPolls(f ...Fault) {
	s.locked(func() { s.pollFaults = append(s.pollFaults, f...) })
}

// EndNext makes the next request accepted end as o says.
func (s *Server) EndNext(o Outcome) { s.locked(func() { s.outcomes = append(s.outcomes, o) }) }

// Hold keeps requests accepted from now on pending until Release.
func (s *Server) Hold() { s.locked(func() { s.hold = true }) }

// Release lets every held request finish at its next poll, and stops
// holding new ones.
func (s *Server) Release() {
	s.locked(func() {
		s.hold = false
		for _, r := range s.reqs {
			r.held = false
		}
	})
}

// ExpireNextResults makes the next n video URLs handed out expired
// already, as if the download came too late; polling again gives a fresh
// one.
func (s *Server) ExpireNextResults(n int) { s.locked(func() { s.expireNext += n }) }

// ExpireRequests makes every finished request answer status "expired"
// from now on, as xAI does once it no longer holds the content.
func (s *Server) ExpireRequests() {
	s.locked(func() {
		for _, r := range s.reqs {
			if r.finished {
				r.expired = true
			}
		}
	})
}

// BlockKey makes GET /v1/api-key report the key blocked.
func (s *Server) BlockKey() { s.locked(func() { s.keyBlocked = true }) }
