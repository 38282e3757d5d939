package api_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"slate/api"
	"slate/clock"
	"slate/events"
	"slate/store"
	"slate/store/storetest"
)

// BenchmarkLockWithStreams: one lock and one unlock of a shot through the
// API (two requests, two events), with no event stream open and with
// 1,500 streams of the organisation, each sent every event. SQLite, the
// system clock, the broker's defaults unless a case says otherwise.
//
// The streams are read by another process, as browsers elsewhere would
// read them: readers in this one would share its scheduler and network
// poller with the server and measure themselves.
//
//   - paced: after each lock and unlock (timed) the benchmark waits,
//     untimed, until every stream has both events and then 0.2 s more, as
//     a person would between two changes. The pause is there with no
//     streams too: a process idle between requests answers the next one
//     more slowly, and the comparison must not count that.
//   - paced/settle=1ms: the same with the broker looking 1 ms after a
//     change rather than 100 ms, so that the lock's event goes out to the
//     1,500 streams while the unlock is under way.
//   - sustained: operations back to back, never waiting; every stream is
//     sent every event of some 300-500 operations a second (0.3-0.5 MB a
//     second per stream). Run it long enough (-benchtime 2000x) for the
//     broker's batches to fall inside the timed loop.
//
// Compare each case with its streams=0 of the same run:
//
//	go test ./api -run '^$' -bench 'LockWithStreams/paced' -benchtime 100x -count 1
//	go test ./api -run '^$' -bench 'LockWithStreams/sustained' -benchtime 2000x -count 1
func BenchmarkLockWithStreams(b *testing.B) {
	const pause = 200 * time.Millisecond
	for _, bc := range []struct {
		name    string
		streams int
		settle  time.Duration
		pace    bool
	}{
		{"paced/streams=0", 0, 0, true},
		{"paced/streams=1500", 1500, 0, true},
		{"paced/settle=1ms/streams=1500", 1500, time.Millisecond, true},
		{"sustained/streams=0", 0, 0, false},
		{"sustained/streams=1500", 1500, 0, false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := newBenchHarness(b, bc.settle)
			owner := h.signup("owner")
			org := h.createOrg(owner)
			ids := h.buildTree(owner, h.createProject(owner, org.ID).ID)
			readers := startStreamReaders(b, h.url, owner.Token, org.ID, bc.streams)
			for h.srv.Events.Subscribers() < bc.streams {
				time.Sleep(time.Millisecond)
			}
			// Both requests once before timing, so connections and
			// prepared statements are warm in every case.
			h.lock(owner, "shots", ids.Shot, false)
			h.lock(owner, "shots", ids.Shot, true)
			readers.wait(b, 2)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				h.lock(owner, "shots", ids.Shot, false)
				h.lock(owner, "shots", ids.Shot, true)
				lat = append(lat, time.Since(start))
				if bc.pace {
					b.StopTimer()
					readers.wait(b, 2*(i+2))
					time.Sleep(pause)
					b.StartTimer()
				}
			}
			b.StopTimer()
			// Every stream was live: each was sent every event.
			readers.wait(b, 2*(b.N+1))
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// newBenchHarness is a server as `slate serve` runs it: the system clock
// and the broker's defaults but settle; caps raised for the one
// credential.
func newBenchHarness(b *testing.B, settle time.Duration) *harness {
	b.Helper()
	env := storetest.OpenWith(b, storetest.Backends(b)[0], func(o *store.Options) { o.Clock = clock.System{} })
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	broker := events.Start(env.DB, events.Options{Clock: clock.System{}, Settle: settle, Logger: quiet})
	srv := &api.Server{
		Users: env.DB, Orgs: env.DB, Projects: env.DB, Tree: env.DB, Keys: env.DB,
		Credits: env.DB, Catalog: env.DB.Catalog, Webhooks: env.DB, Events: broker,
		Queue: env.DB, Takes: env.DB, Exports: env.DB,
		Clock: clock.System{}, Ready: env.DB.Ping, Logger: quiet,
		StreamsPerCredential: 10_000, StreamsPerOrg: 10_000,
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	b.Cleanup(broker.Stop)
	return &harness{t: b, env: env, srv: srv, url: ts.URL}
}

// streamReaders is a child process holding event streams open; see
// TestStreamReaders. nil stands for no streams.
type streamReaders struct {
	in  io.WriteCloser
	out *bufio.Scanner
}

// startStreamReaders runs this test binary again as a process that opens
// n streams of orgID and reads them.
func startStreamReaders(b *testing.B, url, token, orgID string, n int) *streamReaders {
	b.Helper()
	if n == 0 {
		return nil
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStreamReaders$")
	cmd.Env = append(os.Environ(), "SLATE_BENCH_STREAMS="+strings.Join([]string{url, token, orgID, strconv.Itoa(n)}, " "))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { in.Close(); _ = cmd.Wait() })
	r := &streamReaders{in: in, out: bufio.NewScanner(out)}
	r.expect(b, "open")
	return r
}

// wait returns once every stream has received n events.
func (r *streamReaders) wait(b *testing.B, n int) {
	b.Helper()
	if r == nil {
		return
	}
	if _, err := fmt.Fprintf(r.in, "%d\n", n); err != nil {
		b.Fatal(err)
	}
	r.expect(b, "ok")
}

func (r *streamReaders) expect(b *testing.B, want string) {
	b.Helper()
	if !r.out.Scan() {
		b.Fatalf("stream readers ended: %v", r.out.Err())
	}
	if got := r.out.Text(); got != want {
		b.Fatalf("stream readers said %q, want %q", got, want)
	}
}

// TestStreamReaders is not a test: BenchmarkLockWithStreams runs the test
// binary with SLATE_BENCH_STREAMS ("URL TOKEN ORG N") set to make this the
// process reading its streams. It prints "open" once every stream has
// answered; then, for each number n on its input, "ok" once every stream
// has received n events.
func TestStreamReaders(t *testing.T) {
	spec := strings.Fields(os.Getenv("SLATE_BENCH_STREAMS"))
	if len(spec) != 4 {
		t.Skip("the stream-reading process of BenchmarkLockWithStreams")
	}
	url, token, orgID := spec[0], spec[1], spec[2]
	n, err := strconv.Atoi(spec[3])
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: -1}}
	counts := make([]atomic.Int64, n)
	for i := range n {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/orgs/"+orgID+"/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: status %d", i, res.StatusCode)
		}
		wg.Go(func() {
			defer res.Body.Close()
			r := bufio.NewReader(res.Body)
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					return
				}
				if bytes.HasPrefix(line, []byte("id: ")) {
					counts[i].Add(1)
				}
			}
		})
	}
	fmt.Println("open")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		want, err := strconv.ParseInt(in.Text(), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		for i := range counts {
			for counts[i].Load() < want {
				time.Sleep(100 * time.Microsecond)
			}
		}
		fmt.Println("ok")
	}
}
