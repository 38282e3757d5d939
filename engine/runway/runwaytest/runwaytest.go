// Package runwaytest is a Runway API server for tests, written from
// Runway's documented protocol (see engine/runway/testdata): bearer auth
// and the required X-Runway-Version header; POST /v1/text_to_video and
// /v1/image_to_video checked against each model's documented fields,
// ratios and durations, answered {id}; GET /v1/tasks/{id} through PENDING,
// THROTTLED (while the organisation's concurrency is full), RUNNING with
// progress, to SUCCEEDED with output URLs, FAILED with a failureCode, or
// CANCELLED; DELETE /v1/tasks/{id}; GET /v1/organization with the credit
// balance each task spends; and a real MP4 behind each output URL, served
// with ranges and refused once expired, a fresh URL on every GET.
//
// Tasks advance only when polled or released, never with time, so tests
// wait on conditions. Knobs make the next calls answer throttling or
// failures, end a task failed or cancelled, hold tasks until released,
// cap concurrency, set the credits, and expire output URLs.
package runwaytest

import (
	"net/http"
	"net/http/httptest"
	"sync"

	"slate/engine/enginetest"
)

// DefaultKey is the key the server accepts when Options.Key is empty.
const DefaultKey = "runway-test-key"

// Version is the X-Runway-Version the server requires.
const Version = "2024-11-06"

// Options configure a Server.
type Options struct {
	// Key is the bearer key it accepts; "" is DefaultKey.
	Key string
	// Video is the MP4 every succeeded task serves; nil makes a one-second
	// clip with ffmpeg.
	Video []byte
	// FFmpeg is the ffmpeg binary that makes it; "" finds ffmpeg on PATH.
	FFmpeg string
	// Concurrency is the organisation's limit on running tasks; tasks past
	// it wait THROTTLED. 0 is no limit.
	Concurrency int
	// Credits is the starting balance; 0 is 100,000.
	Credits int64
}

// Fault is an answer a call gets instead of its ordinary one.
type Fault struct {
	Status int
	// RetryAfter is sent as the Retry-After header when not empty.
	RetryAfter string
	// Error is the body's "error"; "" is the status text.
	Error string
}

// Outcome is how a task ends instead of SUCCEEDED.
type Outcome struct {
	// FailureCode and Failure end it FAILED with these.
	FailureCode, Failure string
	// Cancelled ends it CANCELLED, as if someone deleted it at Runway.
	Cancelled bool
}

// Server is a running fake Runway API.
type Server struct {
	srv         *httptest.Server
	key         string
	video       []byte
	concurrency int

	mu           sync.Mutex
	tasks        map[string]*task
	seq          int
	creates      int
	submissions  int
	polls        int
	cancels      int
	running      int
	inFlight     int
	maxInFlight  int
	credits      int64
	last         map[string]any
	lastPath     string
	submitFaults []Fault
	pollFaults   []Fault
	outcomes     []Outcome
	hold         bool
	expired      map[string]bool
	expireNext   int
}

// task is one accepted task and what the server has shown of it.
type task struct {
	id       string
	created  string
	body     map[string]any
	status   string
	progress float64
	outcome  *Outcome
	held     bool
	polls    int
	token    string
	served   []string
	deleted  bool
}

// New starts a server.
func New(opts Options) (*Server, error) {
	s := &Server{key: opts.Key, video: opts.Video, concurrency: opts.Concurrency, credits: opts.Credits,
		tasks: map[string]*task{}, expired: map[string]bool{}}
	if s.key == "" {
		s.key = DefaultKey
	}
	if s.credits == 0 {
		s.credits = 100_000
	}
	if s.video == nil {
		v, err := enginetest.Clip(opts.FFmpeg)
		if err != nil {
			return nil, err
		}
		s.video = v
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/text_to_video", s.create)
	mux.HandleFunc("POST /v1/image_to_video", s.create)
	mux.HandleFunc("GET /v1/tasks/{id}", s.get)
	mux.HandleFunc("DELETE /v1/tasks/{id}", s.delete)
	mux.HandleFunc("GET /v1/organization", s.organization)
	mux.HandleFunc("GET /outputs/{file}", s.file)
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

// Submissions is how many tasks the server accepted.
func (s *Server) Submissions() (n int) { s.locked(func() { n = s.submissions }); return }

// Creates is how many create calls reached the server, faults and
// refusals included.
func (s *Server) Creates() (n int) { s.locked(func() { n = s.creates }); return }

// InFlight is how many accepted tasks have not yet ended (throttled ones
// included).
func (s *Server) InFlight() (n int) { s.locked(func() { n = s.inFlight }); return }

// MaxInFlight is the most tasks in flight at once so far.
func (s *Server) MaxInFlight() (n int) { s.locked(func() { n = s.maxInFlight }); return }

// Cancels is how many DELETEs of a task the server answered.
func (s *Server) Cancels() (n int) { s.locked(func() { n = s.cancels }); return }

// Polls is how many GETs of a task the server answered, faults included.
func (s *Server) Polls() (n int) { s.locked(func() { n = s.polls }); return }

// Credits is the organisation's balance.
func (s *Server) Credits() (n int64) { s.locked(func() { n = s.credits }); return }

// SetCredits sets the organisation's balance.
func (s *Server) SetCredits(n int64) { s.locked(func() { s.credits = n }) }

// LastRequest is the body of the last task the server accepted.
func (s *Server) LastRequest() (b map[string]any) { s.locked(func() { b = s.last }); return }

// LastPath is the path the last accepted task was posted to.
func (s *Server) LastPath() (p string) { s.locked(func() { p = s.lastPath }); return }

// Statuses is the statuses the task has been shown in, in order.
func (s *Server) Statuses(id string) (out []string) {
	s.locked(func() {
		if t := s.tasks[id]; t != nil {
			out = append(out, t.served...)
		}
	})
	return
}

// FailSubmits makes the next creates answer these faults, in order.
func (s *Server) FailSubmits(f ...Fault) {
	s.locked(func() { s.submitFaults = append(s.submitFaults, f...) })
}

// FailPolls makes the next GETs of a task answer these faults.
func (s *Server) FailPolls(f ...Fault) {
	s.locked(func() { s.pollFaults = append(s.pollFaults, f...) })
}

// EndNext makes the next task accepted end as o says.
func (s *Server) EndNext(o Outcome) { s.locked(func() { s.outcomes = append(s.outcomes, o) }) }

// Hold keeps tasks accepted from now on RUNNING until Release.
func (s *Server) Hold() { s.locked(func() { s.hold = true }) }

// Release lets every held task finish at its next poll, and stops holding
// new ones.
func (s *Server) Release() {
	s.locked(func() {
		s.hold = false
		for _, t := range s.tasks {
			t.held = false
		}
	})
}

// ExpireNextResults makes the next n output URLs handed out expired
// already, as if the download came too late; a GET of the task gives a
// fresh one.
func (s *Server) ExpireNextResults(n int) { s.locked(func() { s.expireNext += n }) }
