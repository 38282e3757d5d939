// Package replicatetest is a Replicate API for tests, written from
// Replicate's documented HTTP API (see ../testdata/README.md): predictions
// created by model name or by version, followed with GET, cancelled with
// POST …/cancel, the account endpoint, Bearer-token auth on every call,
// problem+json errors, and output files served with Range support.
//
// It is not a test file so that end-to-end tests can start it for a real
// `slate worker` process. Nothing in it depends on time passing: a
// prediction moves one state per poll, and a held one waits for Release.
package replicatetest

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Token is the API token the fake accepts unless its Config names another.
const Token = "r8_FakeReplicateToken0123456789"

// Errors hosted models fail with when they refuse content: the "E005"
// of Kling, Seedance and the like, and Stable Diffusion's safety checker.
const (
	ErrSensitive = "The input or output was flagged as sensitive. Please try again with different inputs. (E005)"
	ErrNSFW      = "NSFW content detected. Try running it again, or try a different prompt."
)

// Config sets the fake up; the zero Config is a working fake.
type Config struct {
	// Token is the one API token accepted; "" is Token.
	Token string
	// Video is the file every prediction outputs; nil makes a one-second
	// H.264 MP4 with FFmpeg (or "ffmpeg" on the PATH) when the fake starts.
	Video  []byte
	FFmpeg string
	// Steps is how many polls a prediction spends processing, logging a
	// progress bar each; 0 is four.
	Steps int
	// PredictTime is the metrics.predict_time, in seconds, of a finished
	// prediction; 0 is 37.25.
	PredictTime float64
	// Models are the models it runs; nil is KlingV21 and KlingV20.
	Models []Model
}

// Op names the calls a failure can be put in front of.
type Op int

// The calls of the API.
const (
	Create   Op = iota // POST …/predictions
	Get                // GET /v1/predictions/{id}
	Cancel             // POST /v1/predictions/{id}/cancel
	Download           // GET of an output file
	Account            // GET /v1/account
)

// Failure is an answer the fake gives instead of the call's own.
type Failure struct {
	// Status is the HTTP status answered, with a problem+json body.
	Status int
	// RetryAfter is the Retry-After header sent, "" for none.
	RetryAfter string
	// Detail is the body's detail; "" is the status's text.
	Detail string
	// Cut, for a Download, sends half the file and drops the connection
	// instead of answering Status.
	Cut bool
}

// Outcome is how the predictions created after SetOutcome end.
type Outcome struct {
	// Error, when set, fails the prediction with this error.
	Error string
	// Abort ends it "aborted": its deadline passed before it started.
	Abort bool
	// List outputs a list, a poster image and then the video, as some
	// models do, instead of the video's URL alone.
	List bool
	// Hold keeps it processing until Release or ReleaseAll.
	Hold bool
}

// Request is one create call as the fake received it.
type Request struct {
	Path   string
	Header http.Header
	Body   map[string]any
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	srv         *httptest.Server
	cfg         Config
	models      map[string]Model
	mu          sync.Mutex
	preds       map[string]*pred
	order       []string
	outcome     Outcome
	failures    map[Op][]Failure
	removed     bool
	expireNext  int
	creates     int
	submissions int
	cancels     int
	downloads   int
	ranges      []string
	inFlight    int
	maxInFlight int
	lastCreate  Request
	seq         int
}

// New starts a fake Replicate API.
func New(cfg Config) (*Server, error) {
	if cfg.Token == "" {
		cfg.Token = Token
	}
	if cfg.Steps <= 0 {
		cfg.Steps = 4
	}
	if cfg.PredictTime <= 0 {
		cfg.PredictTime = 37.25
	}
	if cfg.Models == nil {
		cfg.Models = []Model{KlingV21, KlingV20}
	}
	if cfg.Video == nil {
		v, err := makeVideo(cfg.FFmpeg)
		if err != nil {
			return nil, err
		}
		cfg.Video = v
	}
	s := &Server{cfg: cfg, models: map[string]Model{}, preds: map[string]*pred{}, failures: map[Op][]Failure{}}
	for _, m := range cfg.Models {
		s.models[m.Name] = m
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/models/{owner}/{name}/predictions", s.createByName)
	mux.HandleFunc("POST /v1/predictions", s.createByVersion)
	mux.HandleFunc("GET /v1/predictions/{id}", s.get)
	mux.HandleFunc("POST /v1/predictions/{id}/cancel", s.cancel)
	mux.HandleFunc("GET /v1/account", s.account)
	mux.HandleFunc("GET /files/{id}/{token}/{file}", s.file)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "Not found.", "")
	})
	s.srv = httptest.NewServer(mux)
	return s, nil
}

// makeVideo renders a one-second test pattern.
func makeVideo(ffmpeg string) ([]byte, error) {
	if ffmpeg == "" {
		ffmpeg = "ffmpeg"
	}
	dir, err := os.MkdirTemp("", "replicatetest-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "output.mp4")
	cmd := exec.Command(ffmpeg, "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=24:d=1",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("replicatetest: making the video: %v: %s", err, b)
	}
	return os.ReadFile(out)
}

// URL is the fake's root.
func (s *Server) URL() string { return s.srv.URL }

// BaseURL is what an engine's base_url is set to: the root and "/v1".
func (s *Server) BaseURL() string { return s.srv.URL + "/v1" }

// Close shuts the fake down.
func (s *Server) Close() { s.srv.Close() }

// Video is the file every prediction outputs.
func (s *Server) Video() []byte { return s.cfg.Video }

// FailNext puts failures in front of the next calls of op, one each.
func (s *Server) FailNext(op Op, fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[op] = append(s.failures[op], fs...)
}

// SetOutcome decides how predictions created from now on end.
func (s *Server) SetOutcome(o Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcome = o
}

// Release lets a held prediction finish at its next poll.
func (s *Server) Release(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.preds[id]; ok {
		p.outcome.Hold = false
	}
}

// ReleaseAll releases every held prediction and holds no new one.
func (s *Server) ReleaseAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcome.Hold = false
	for _, p := range s.preds {
		p.outcome.Hold = false
	}
}

// ExpireOutputs makes every output URL handed out so far answer 404; the
// next GET of a prediction hands out a fresh one, as a re-signed URL.
func (s *Server) ExpireOutputs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.preds {
		p.token = ""
	}
}

// ExpireNext makes the next n output URLs handed out dead on arrival, as
// URLs that expired before they were fetched; the GET after each hands out
// a fresh one.
func (s *Server) ExpireNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireNext += n
}

// RemoveData removes every prediction's files for good, as Replicate does
// an hour after an API prediction: output null, data_removed true.
func (s *Server) RemoveData() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removed = true
}

// Creates is how many create calls reached the fake, whatever it answered.
func (s *Server) Creates() int { return s.count(func() int { return s.creates }) }

// Submissions is how many predictions the fake created.
func (s *Server) Submissions() int { return s.count(func() int { return s.submissions }) }

// InFlight is how many predictions are created and not yet ended.
func (s *Server) InFlight() int { return s.count(func() int { return s.inFlight }) }

// MaxInFlight is the most predictions that were ever in flight at once.
func (s *Server) MaxInFlight() int { return s.count(func() int { return s.maxInFlight }) }

// Cancels is how many cancel calls the fake answered.
func (s *Server) Cancels() int { return s.count(func() int { return s.cancels }) }

// Downloads is how many output file requests the fake answered.
func (s *Server) Downloads() int { return s.count(func() int { return s.downloads }) }

// DownloadRanges are the Range headers of the output file requests, in
// order ("" for a request of the whole file).
func (s *Server) DownloadRanges() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

// Polls is how many times prediction id was fetched.
func (s *Server) Polls(id string) int {
	return s.count(func() int {
		if p, ok := s.preds[id]; ok {
			return p.polls
		}
		return 0
	})
}

// Status is prediction id's status, "" for none.
func (s *Server) Status(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.preds[id]; ok {
		return p.status
	}
	return ""
}

// Predictions are the ids of the predictions created, oldest first.
func (s *Server) Predictions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// LastCreate is the last create call that reached the fake, whatever it
// answered.
func (s *Server) LastCreate() Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastCreate
}

func (s *Server) count(f func() int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f()
}

// takeFailure pops the next failure queued for op.
func (s *Server) takeFailure(op Op) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failures[op]
	if len(q) == 0 {
		return Failure{}, false
	}
	s.failures[op] = q[1:]
	return q[0], true
}

// authorized checks the Bearer token, answering 401 as Replicate does.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token != s.cfg.Token {
		problem(w, http.StatusUnauthorized, "You did not pass a valid authentication token", "Unauthenticated")
		return false
	}
	return true
}

// newID makes an id in Replicate's form: 26 lower-case base32 letters.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:26]
}
