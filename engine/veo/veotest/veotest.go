// Package veotest is a Veo provider for tests, written from Google's
// documented REST protocol (engine/veo/testdata/README.md names the
// sources): the Gemini API's models.predictLongRunning and
// models.operations.get with the x-goog-api-key header and its file
// download; Vertex AI's predictLongRunning and fetchPredictOperation with
// a bearer token, and Cloud Storage's JSON API for the videos it leaves;
// Google's error bodies (google.rpc.Status with ErrorInfo, RetryInfo and
// QuotaFailure details). It serves a real MP4 made with ffmpeg.
//
// It is not a test file so that a test can run it for a `slate worker`
// in another process. Nothing in it moves with time: an operation is done
// after a number of polls, or when a held one is released.
package veotest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// Defaults for Options' credentials.
const (
	DefaultKey   = "test-gemini-key"
	DefaultToken = "test-vertex-token"
)

// Options set up a Server.
type Options struct {
	// Key is the Gemini API key it accepts; "" is DefaultKey.
	Key string
	// Token is the Vertex AI bearer token it accepts; "" is DefaultToken.
	Token string
	// Video is the file every operation makes; nil has ffmpeg make one.
	Video []byte
	// RunningPolls is how many polls an operation answers as running
	// before it is done; 0 is 1.
	RunningPolls int
	// Hold keeps each new operation running until Release.
	Hold bool
}

// Outcome is how the operations accepted after SetOutcome end.
type Outcome struct {
	// Filtered ends with no video and Google's safety filter's count and
	// these reasons.
	Filtered []string
	// Code and Message end with this google.rpc.Status error instead.
	Code    int
	Message string
}

// Submission is a predictLongRunning call the server accepted.
type Submission struct {
	Backend string // "gemini" or "vertex"
	Path    string
	Header  http.Header
	Body    map[string]any
}

// StartImage is the first frame the submission carried inline
// (instances[0].image): its decoded bytes and mimeType, or nil when it
// carried none. The server has already checked its shape.
func (s Submission) StartImage() ([]byte, string) {
	insts, _ := s.Body["instances"].([]any)
	if len(insts) == 0 {
		return nil, ""
	}
	inst, _ := insts[0].(map[string]any)
	img, _ := inst["image"].(map[string]any)
	b64, _ := img["bytesBase64Encoded"].(string)
	mime, _ := img["mimeType"].(string)
	b, err := base64.StdEncoding.DecodeString(b64)
	if img == nil || err != nil {
		return nil, mime
	}
	return b, mime
}

// fault is an answer a call gets instead of its own.
type fault struct {
	status     int
	retryAfter string
	daily      bool
}

// Server is the fake provider.
type Server struct {
	srv   *httptest.Server
	opts  Options
	video []byte

	mu          sync.Mutex
	ops         map[string]*op
	names       []string
	outcome     Outcome
	submitFault []fault
	pollFault   []fault
	expire      int
	last        Submission
	submissions int
	inFlight    int
	maxInFlight int
	polls       int
	downloads   int
	requests    int
}

// op is one accepted operation.
type op struct {
	name, backend, id string
	polls             int
	held, done        bool
	outcome           Outcome
	bucket, object    string // where Vertex AI left the video
}

// New starts a server.
func New(opts Options) (*Server, error) {
	if opts.Key == "" {
		opts.Key = DefaultKey
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.RunningPolls <= 0 {
		opts.RunningPolls = 1
	}
	s := &Server{opts: opts, video: opts.Video, ops: map[string]*op{}}
	if s.video == nil {
		v, err := Clip()
		if err != nil {
			return nil, err
		}
		s.video = v
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s, nil
}

// Clip makes a one-second 160x90 H.264 MP4 with ffmpeg.
func Clip() ([]byte, error) {
	dir, err := os.MkdirTemp("", "veotest")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "clip.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=24:d=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("veotest: ffmpeg: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err == nil && len(data) == 0 {
		err = errors.New("veotest: ffmpeg made an empty file")
	}
	return data, err
}

// URL is the server's base URL, for an entry's base_url (and, for Vertex
// AI, options.storage_url).
func (s *Server) URL() string { return s.srv.URL + "/" }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Video is the file the server serves.
func (s *Server) Video() []byte { return s.video }

func (s *Server) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// Submissions is how many predictLongRunning calls it accepted.
func (s *Server) Submissions() (n int) { s.locked(func() { n = s.submissions }); return n }

// InFlight is how many accepted operations are not done yet.
func (s *Server) InFlight() (n int) { s.locked(func() { n = s.inFlight }); return n }

// MaxInFlight is the most operations that were in flight at once.
func (s *Server) MaxInFlight() (n int) { s.locked(func() { n = s.maxInFlight }); return n }

// Polls is how many operation reads it answered, faults included.
func (s *Server) Polls() (n int) { s.locked(func() { n = s.polls }); return n }

// Downloads is how many video downloads it was asked for.
func (s *Server) Downloads() (n int) { s.locked(func() { n = s.downloads }); return n }

// Requests is every request it received.
func (s *Server) Requests() (n int) { s.locked(func() { n = s.requests }); return n }

// Operations are the names of the accepted operations, oldest first.
func (s *Server) Operations() (names []string) {
	s.locked(func() { names = append(names, s.names...) })
	return names
}

// LastSubmission is the last predictLongRunning call it accepted.
func (s *Server) LastSubmission() (sub Submission) { s.locked(func() { sub = s.last }); return sub }

// SetOutcome decides how operations accepted from now on end.
func (s *Server) SetOutcome(o Outcome) { s.locked(func() { s.outcome = o }) }

// Hold makes operations accepted from now on wait for Release (or not).
func (s *Server) Hold(on bool) { s.locked(func() { s.opts.Hold = on }) }

// Release lets a held operation finish at its next poll.
func (s *Server) Release(name string) {
	s.locked(func() {
		if o, ok := s.ops[name]; ok {
			o.held = false
		}
	})
}

// ReleaseAll releases every held operation.
func (s *Server) ReleaseAll() {
	s.locked(func() {
		for _, o := range s.ops {
			o.held = false
		}
	})
}

// ThrottleSubmits makes the next n submissions answer 429, with
// Retry-After when retryAfter is not "".
func (s *Server) ThrottleSubmits(n int, retryAfter string) {
	s.locked(func() {
		for range n {
			s.submitFault = append(s.submitFault, fault{status: http.StatusTooManyRequests, retryAfter: retryAfter})
		}
	})
}

// ExhaustDailyQuota makes the next submission answer 429 for a quota per
// day, as a QuotaFailure detail says.
func (s *Server) ExhaustDailyQuota() {
	s.locked(func() { s.submitFault = append(s.submitFault, fault{status: http.StatusTooManyRequests, daily: true}) })
}

// ThrottlePolls makes the next n operation reads answer 429, with
// Retry-After when retryAfter is not "".
func (s *Server) ThrottlePolls(n int, retryAfter string) {
	s.locked(func() {
		for range n {
			s.pollFault = append(s.pollFault, fault{status: http.StatusTooManyRequests, retryAfter: retryAfter})
		}
	})
}

// FailPolls makes the next n operation reads answer status (a 5xx).
func (s *Server) FailPolls(n, status int) {
	s.locked(func() {
		for range n {
			s.pollFault = append(s.pollFault, fault{status: status})
		}
	})
}

// ExpireDownloads makes the next n downloads find the video gone (404),
// as after the Gemini API's two days.
func (s *Server) ExpireDownloads(n int) { s.locked(func() { s.expire += n }) }
