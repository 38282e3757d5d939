package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"slate"
	"slate/waitfor"
)

// The end-to-end tests (e2e_test.go) run the real binary: one `slate serve` process on a
// real SQLite file, driven only through `slate` client commands, the way a
// user or a script would.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds cmd/slate once for all tests of the package.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "slate-e2e-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "slate")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// cleanEnv is the environment without any SLATE_ variable of the developer
// running the tests, and with a HOME of the test's own.
func cleanEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SLATE_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "HOME="+home), extra...)
}

type server struct {
	URL    string
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan error
}

// syncBuffer is a bytes.Buffer the process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// listening finds the URL serve prints once it listens.
var listening = regexp.MustCompile(`Slate is listening on (http://\S+)`)

// startServer runs `slate serve` on a port the kernel picks (so parallel
// tests never race for one) with data in dir, reads the URL it prints and
// waits until /healthz answers 200.
func startServer(t *testing.T, dir string, extra ...string) *server {
	t.Helper()
	return startServerEnv(t, dir, nil, extra...)
}

// startServerEnv is startServer with env added to the server's clean
// environment.
func startServerEnv(t *testing.T, dir string, env []string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(dir, "slate.db"), "--data", dir}, extra...)
	s := &server{stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan error, 1)}
	s.cmd = exec.Command(binary(t), args...)
	s.cmd.Env = cleanEnv(dir, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
		}
	})
	waitfor.Until(t, func() error {
		select {
		case err := <-s.exited:
			t.Fatalf("slate serve exited early: %v\nstdout:\n%s\nstderr:\n%s", err, s.stdout, s.stderr)
		default:
		}
		m := listening.FindStringSubmatch(s.stdout.String())
		if m == nil {
			return fmt.Errorf("slate serve not listening yet\nstderr:\n%s", s.stderr)
		}
		s.URL = m[1]
		resp, err := http.Get(s.URL + "/healthz")
		if err != nil {
			return fmt.Errorf("slate serve not healthy: %v\nstderr:\n%s", err, s.stderr)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("slate serve not healthy: /healthz answers %d\nstderr:\n%s", resp.StatusCode, s.stderr)
		}
		return nil
	})
	return s
}

// stop sends SIGTERM and expects a graceful exit with status 0.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err, _ := waitfor.Recv(t, "exit of slate serve after SIGTERM", s.exited); err != nil {
		t.Fatalf("slate serve after SIGTERM: %v, want exit 0\nstderr:\n%s", err, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no graceful-stop log line; stderr:\n%s", s.stderr)
	}
}

// cli runs the slate binary as one user with a config file of its own.
type cli struct {
	t      *testing.T
	config string
	home   string
}

func newCLI(t *testing.T, name string) *cli {
	t.Helper()
	home := t.TempDir()
	return &cli{t: t, home: home, config: filepath.Join(home, name, "config.json")}
}

type result struct {
	stdout, stderr string
	code           int
}

func (c *cli) runIn(stdin string, args ...string) result {
	c.t.Helper()
	// Commands such as `queue watch` run as long as the renders they
	// follow: only a hang ends them.
	cmd := exec.CommandContext(waitfor.Context(c.t), binary(c.t), args...)
	cmd.Env = cleanEnv(c.home, "SLATE_CONFIG="+c.config)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		c.t.Fatalf("slate %s: %v", strings.Join(args, " "), err)
	}
	return result{out.String(), errb.String(), code}
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	return c.runIn("", args...)
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("slate %s: exit %d\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// json runs a command with --json and decodes its output into v.
func (c *cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("slate %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// id runs a command that answers an object with an id and returns the id.
func (c *cli) id(args ...string) string {
	c.t.Helper()
	var v struct {
		ID string `json:"id"`
	}
	c.json(&v, args...)
	if v.ID == "" {
		c.t.Fatalf("slate %s: no id in the answer", strings.Join(args, " "))
	}
	return v.ID
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, got)
		}
	}
}

func counts(tr *slate.Tree) (acts, scenes, shots int) {
	for _, a := range tr.Acts {
		scenes += len(a.Scenes)
		for _, s := range a.Scenes {
			shots += len(s.Shots)
		}
	}
	return len(tr.Acts), scenes, shots
}

// firstLine returns the first line of s that contains sub.
func firstLine(s, sub string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			return sc.Text()
		}
	}
	return ""
}
