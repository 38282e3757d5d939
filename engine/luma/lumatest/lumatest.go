// Package lumatest is a Dream Machine API server for tests, written from
// Luma's documented protocol (see engine/luma/testdata): bearer auth, the
// create/get/delete generation endpoints with their request fields and
// errors, the queued → dreaming → completed|failed states, GET /credits,
// and a real MP4 behind each completed generation's video URL.
//
// States advance only when a generation is polled or released, never with
// time, so tests wait on conditions. Knobs make the next calls answer
// throttling or failures, end a generation with a failure_reason, hold
// generations until released, and expire the video URLs handed out.
package lumatest

import (
	"net/http"
	"net/http/httptest"
	"sync"

	"slate/engine/enginetest"
)

// DefaultKey is the key the server accepts when Options.Key is empty.
const DefaultKey = "luma-test-key"

// Options configure a Server.
type Options struct {
	// Key is the bearer key it accepts; "" is DefaultKey.
	Key string
	// Video is the MP4 every completed generation serves; nil makes a
	// one-second clip with ffmpeg.
	Video []byte
	// FFmpeg is the ffmpeg binary that makes it; "" finds ffmpeg on PATH.
	FFmpeg string
}

// Fault is an answer a call gets instead of its ordinary one.
type Fault struct {
	Status int
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Detail is the error body's detail; "" is a stock one for Status.
	Detail string
}

// Server is a running fake Dream Machine API.
type Server struct {
	srv   *httptest.Server
	key   string
	video []byte

	mu           sync.Mutex
	gens         map[string]*generation
	seq          int
	submissions  int
	cancels      int
	polls        int
	inFlight     int
	maxInFlight  int
	last         map[string]any
	submitFaults []Fault
	pollFaults   []Fault
	failNext     []string
	hold         bool
	expired      map[string]bool
	expireNext   int
	creates      int
}

// generation is one accepted generation and what the server has shown of it.
type generation struct {
	id       string
	request  map[string]any
	created  string
	state    string
	reason   string
	failWith string
	held     bool
	polls    int
	token    string
	served   []string
	finished bool
}

// New starts a server.
func New(opts Options) (*Server, error) {
	s := &Server{key: opts.Key, video: opts.Video, gens: map[string]*generation{}, expired: map[string]bool{}}
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
	const api = "/dream-machine/v1/"
	mux.HandleFunc("POST "+api+"generations", s.create)
	mux.HandleFunc("POST "+api+"generations/video", s.create)
	mux.HandleFunc("GET "+api+"generations/{id}", s.get)
	mux.HandleFunc("DELETE "+api+"generations/{id}", s.delete)
	mux.HandleFunc("GET "+api+"credits", s.credits)
	mux.HandleFunc("GET /cdn/{file}", s.file)
	s.srv = httptest.NewServer(mux)
	return s, nil
}

// URL is the API's root, as an engines file's base_url names it.
func (s *Server) URL() string { return s.srv.URL + "/dream-machine/v1" }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Submissions is how many generations the server accepted.
func (s *Server) Submissions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.submissions
}

// InFlight is how many accepted generations have not yet been shown
// completed or failed, nor deleted.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// MaxInFlight is the most generations in flight at once so far.
func (s *Server) MaxInFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxInFlight
}

// Cancels is how many generations were deleted.
func (s *Server) Cancels() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cancels
}

// Polls is how many GETs of a generation the server answered, faults
// included.
func (s *Server) Polls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls
}

// LastRequest is the body of the last generation the server accepted.
func (s *Server) LastRequest() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// States is the states the generation has been shown in, in order.
func (s *Server) States(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.gens[id]; g != nil {
		return append([]string(nil), g.served...)
	}
	return nil
}

// FailSubmits makes the next creates answer these faults, in order.
func (s *Server) FailSubmits(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.submitFaults = append(s.submitFaults, f...)
}

// FailPolls makes the next GETs of a generation answer these faults.
func (s *Server) FailPolls(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pollFaults = append(s.pollFaults, f...)
}

// FailNext makes the next generation accepted end failed with reason, as
// Luma's moderation and job failures do.
func (s *Server) FailNext(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, reason)
}

// Hold keeps generations accepted from now on dreaming until Release.
func (s *Server) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = true
}

// Release lets every held generation complete at its next poll, and stops
// holding new ones.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = false
	for _, g := range s.gens {
		g.held = false
	}
}

// ExpireNextResults makes the next n video URLs handed out expired
// already, as if the download came too late; polling again gives a fresh
// one.
func (s *Server) ExpireNextResults(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireNext += n
}

// Creates is how many create calls reached the server, faults and
// refusals included.
func (s *Server) Creates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates
}

// ExpireResults makes every video URL handed out so far answer 403; a
// generation polled again is given a fresh one.
func (s *Server) ExpireResults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.gens {
		if g.token != "" {
			s.expired[g.token] = true
			g.token = ""
		}
	}
}
