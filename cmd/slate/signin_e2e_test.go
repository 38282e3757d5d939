package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSignInStormStaysBounded fires 300 wrong-password logins at once at
// the built server, with the production argon2id parameters (19 MiB a
// hash), and checks that the server's peak resident memory stays bounded
// and /healthz keeps answering while they are in flight. Each login names
// a different unknown email, so no account pause cuts the storm short and
// every attempt reaches the password gate (unknown emails are hashed like
// known ones); the address limit is lifted for the same reason.
func TestSignInStormStaysBounded(t *testing.T) {
	t.Parallel()
	const (
		storm   = 300
		peakMiB = 300
	)
	srv := startServer(t, t.TempDir(), "--signin-burst", "100000")
	pid := srv.cmd.Process.Pid
	before := procStatusKiB(t, pid, "VmRSS")

	// The timeout only guards against a hang; nothing here is timed.
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: storm}}
	defer client.CloseIdleConnections()
	var (
		wg       sync.WaitGroup
		answered atomic.Int64
		mu       sync.Mutex
		statuses = map[int]int{}
		problems []string
	)
	start := make(chan struct{})
	for i := range storm {
		wg.Go(func() {
			<-start
			body, _ := json.Marshal(map[string]string{"email": fmt.Sprintf("nobody-%d@example.test", i), "password": "wrong password"})
			resp, err := client.Post(srv.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
			defer answered.Add(1)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				problems = append(problems, err.Error())
				return
			}
			defer resp.Body.Close()
			statuses[resp.StatusCode]++
			if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
				problems = append(problems, "a 429 without Retry-After")
			}
		})
	}
	close(start)

	// /healthz, over and over until the storm has been answered: every
	// answer must be 200, and some must come while logins are still out.
	healthy, during := 0, 0
	for answered.Load() < storm {
		resp, err := client.Get(srv.URL + "/healthz")
		if err != nil {
			t.Fatalf("healthz during the storm: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz during the storm: %d", resp.StatusCode)
		}
		healthy++
		if answered.Load() < storm {
			during++
		}
	}
	wg.Wait()

	if len(problems) > 0 {
		t.Errorf("%d logins went wrong, first: %s", len(problems), problems[0])
	}
	if statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != storm || statuses[http.StatusUnauthorized] == 0 {
		t.Errorf("answers %v: want only 401 (checked) and 429 (refused while the gate's line was full), some of each kind checked", statuses)
	}
	if during == 0 {
		t.Errorf("no /healthz answer came while logins were in flight (%d answers in all)", healthy)
	}
	peak := procStatusKiB(t, pid, "VmHWM")
	t.Logf("resident before %d MiB, peak %d MiB; answers %v; %d healthz answers during the storm",
		before>>10, peak>>10, statuses, during)
	if peak>>10 >= peakMiB {
		t.Errorf("peak resident memory %d MiB, want under %d MiB", peak>>10, peakMiB)
	}
}

// procStatusKiB reads one kB field (VmRSS, VmHWM) of /proc/PID/status.
func procStatusKiB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc on this system: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, v)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
