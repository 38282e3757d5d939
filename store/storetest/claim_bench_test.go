package storetest_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/clock"
	"slate/store"
	"slate/store/storetest"
)

// BenchmarkClaim drains the render queue with no-op workers: the peer of
// bench/river's BenchmarkRiverNoop (scripts/bench-queue runs both and prints
// the ratio). It runs only under `go test -bench`, and only the 1,000-job
// case unless asked for more:
//
//	SLATE_BENCH_CLAIM_QUEUED=1000,100000 go test ./store/storetest -run '^$' -bench '^BenchmarkClaim$' -benchtime 1x
//
// The queue: 100 organisations on the enterprise plan (credits never run
// out; at most 10 renders each at once), each with one project of 50 shots
// of one second. Jobs are queued with the real Submit, as batches of up to
// 50 shots (preview engine, draft tier): queued=N gives every organisation
// N/100 jobs. The store runs on the system clock, so lanes' served_at
// differ as they would in production.
//
// Each b.N iteration, for queued=N:
//
//  1. Untimed: fill the queue to N jobs (seed-s), then ANALYZE on PostgreSQL,
//     as the River benchmark does.
//  2. Untimed, its own stopwatch: Claim alone (claimonly/s and its latency),
//     by W workers until every organisation is at its limit of 10 running
//     (1,000 claims, whatever N is). Those jobs are then finished and the
//     same number resubmitted, so the queue holds N again.
//  3. Timed (ns/op, claims/s): W workers each loop Claim → Finish until all
//     N jobs have been claimed and finished. Finish is the "no-op engine": it
//     reports a fixed result at once, which still stores a take, selects it
//     and charges the job's credits, Slate's real per-job work.
//
// Metrics: claims/s (jobs claimed and finished per second of drain),
// claim-p50-ms/claim-p99-ms (the Claim call in the drain), finish-p50-ms,
// claimonly/s with its p50/p99, empty-claims (Claims that found nothing
// while work was left: on PostgreSQL, every lane locked by other workers),
// seed-s (seconds to queue the N jobs) and workers (W).
//
// SLATE_BENCH_CLAIM_QUEUED lists the queue lengths (multiples of 100;
// default 1000); -short keeps only those up to 1,000.
// SLATE_BENCH_CLAIM_WORKERS sets W, e.g. "sqlite=8,postgres=32" (the
// defaults: SQLite has one writer connection, PostgreSQL's pool is 32).
// SLATE_BENCH_CLAIM_EXPLAIN=1 (with -v) logs the claim queries' plans after
// each fill and the tables' growth after each drain, and, on PostgreSQL with
// pg_stat_statements loaded, the drain's statements with their times.
func BenchmarkClaim(b *testing.B) {
	sizes := claimSizes(b)
	if len(sizes) == 0 {
		b.Skip("-short leaves no queue length of SLATE_BENCH_CLAIM_QUEUED to run")
	}
	for _, be := range storetest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			q := newClaimQueue(b, be)
			for _, n := range sizes {
				b.Run(fmt.Sprintf("queued=%d", n), func(b *testing.B) { q.bench(b, n) })
			}
			q.verify(b)
		})
	}
}

const (
	claimOrgs      = 100
	claimShots     = 50 // shots per project, so jobs per batch at most
	claimLimit     = 10 // the enterprise plan's concurrent renders
	claimSeedConns = 8  // goroutines submitting while the queue fills
)

var claimEngines = []string{"preview"}

func claimSizes(b *testing.B) []int {
	spec := os.Getenv("SLATE_BENCH_CLAIM_QUEUED")
	if spec == "" {
		spec = "1000"
	}
	var out []int
	for f := range strings.SplitSeq(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n%claimOrgs != 0 {
			b.Fatalf("SLATE_BENCH_CLAIM_QUEUED: %q is not a positive multiple of %d", f, claimOrgs)
		}
		if testing.Short() && n > 1000 {
			continue
		}
		out = append(out, n)
	}
	return out
}

func claimWorkers(b *testing.B, backend string) int {
	w := map[string]int{"sqlite": 8, "postgres": 32}[backend]
	for f := range strings.SplitSeq(os.Getenv("SLATE_BENCH_CLAIM_WORKERS"), ",") {
		name, v, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok || name != backend {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("SLATE_BENCH_CLAIM_WORKERS: bad %q", f)
		}
		w = n
	}
	return w
}

// claimQueue is the benchmark's store: 100 organisations, each with a
// project of claimShots shots.
type claimQueue struct {
	env      *storetest.Env
	ctx      context.Context
	raw      *sql.DB
	postgres bool
	workers  int
	orgs     []*claimOrg
	// done counts jobs finished so far, for the check after each drain.
	done int64
}

type claimOrg struct {
	id, project string
	shots       []string
}

func newClaimQueue(b *testing.B, be storetest.Backend) *claimQueue {
	b.Helper()
	env := storetest.OpenWith(b, be, func(o *store.Options) { o.Clock = clock.System{} })
	_, ctx := env.NewUser(b, "producer")
	q := &claimQueue{env: env, ctx: ctx, raw: openBenchRaw(b, env.DSN), postgres: be.Name == "postgres",
		workers: claimWorkers(b, be.Name), orgs: make([]*claimOrg, claimOrgs)}
	err := parallel(claimSeedConns, claimOrgs, func(i int) error {
		o, err := env.DB.CreateOrg(ctx, slate.OrgInput{Name: fmt.Sprintf("Studio %d", i+1), Plan: "enterprise"})
		if err != nil {
			return err
		}
		p, err := env.DB.CreateProject(ctx, o.ID, slate.ProjectInput{Title: "The Lighthouse"})
		if err != nil {
			return err
		}
		act, err := env.DB.CreateAct(ctx, p.ID, slate.ActInput{Name: "Act"})
		if err != nil {
			return err
		}
		sc, err := env.DB.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Scene"})
		if err != nil {
			return err
		}
		co := &claimOrg{id: o.ID, project: p.ID}
		for s := range claimShots {
			sh, err := env.DB.CreateShot(ctx, sc.ID, slate.ShotInput{Name: fmt.Sprintf("Shot %d", s+1), DurationMS: 1000,
				Prompt: "a lighthouse at dusk"})
			if err != nil {
				return err
			}
			co.shots = append(co.shots, sh.ID)
		}
		q.orgs[i] = co
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return q
}

// parallel runs fn(0..n-1) on at most conns goroutines and returns the
// first error.
func parallel(conns, n int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range conns {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// submit queues n more jobs of org, in batches of at most claimShots.
func (q *claimQueue) submit(o *claimOrg, n int) error {
	for n > 0 {
		k := min(n, claimShots)
		bt, err := q.env.DB.Submit(q.ctx, o.project, slate.BatchInput{Selection: &slate.Selection{Shots: o.shots[:k]},
			Engine: "preview", Tier: "draft"})
		if err != nil {
			return err
		}
		if bt.States[slate.JobQueued] != k {
			return fmt.Errorf("batch %s queued %v, want %d jobs", bt.ID, bt.States, k)
		}
		n -= k
	}
	return nil
}

// fill queues perOrg[i] jobs for organisation i.
func (q *claimQueue) fill(b *testing.B, perOrg func(i int) int) {
	b.Helper()
	if err := parallel(claimSeedConns, claimOrgs, func(i int) error { return q.submit(q.orgs[i], perOrg(i)) }); err != nil {
		b.Fatalf("fill the queue: %v", err)
	}
	if q.postgres {
		if _, err := q.raw.ExecContext(context.Background(), `ANALYZE jobs; ANALYZE queue_lanes`); err != nil {
			b.Fatal(err)
		}
	}
}

// claimRun is what the workers of one phase measured.
type claimRun struct {
	claims    []*slate.Claim
	claimLat  []time.Duration
	finishLat []time.Duration
	empty     int64
	elapsed   time.Duration
	claimed   atomic.Int64
}

// run has q.workers workers claim until target jobs have been claimed,
// finishing each one at once when finish is set, and keeping the claims
// otherwise.
func (q *claimQueue) run(b *testing.B, target int, finish bool, start, stop func()) *claimRun {
	b.Helper()
	r := &claimRun{}
	var mu sync.Mutex
	var failed atomic.Bool
	var wg sync.WaitGroup
	deadline := time.Now().Add(10 * time.Minute)
	start()
	t0 := time.Now()
	for w := range q.workers {
		wg.Go(func() {
			worker := fmt.Sprintf("bench-worker-%d", w)
			var claims []*slate.Claim
			var cl, fl []time.Duration
			var empty int64
			defer func() {
				mu.Lock()
				r.claims = append(r.claims, claims...)
				r.claimLat, r.finishLat = append(r.claimLat, cl...), append(r.finishLat, fl...)
				r.empty += empty
				mu.Unlock()
			}()
			for r.claimed.Load() < int64(target) && !failed.Load() {
				t := time.Now()
				c, err := q.env.DB.Claim(context.Background(), slate.ClaimRequest{WorkerID: worker, Engines: claimEngines,
					Lease: time.Minute})
				d := time.Since(t)
				if err != nil {
					b.Errorf("claim: %v", err)
					failed.Store(true)
					return
				}
				if c == nil {
					empty++
					if time.Now().After(deadline) {
						b.Errorf("only %d of %d jobs claimed in 10 minutes", r.claimed.Load(), target)
						failed.Store(true)
					}
					continue
				}
				r.claimed.Add(1)
				cl = append(cl, d)
				if !finish {
					claims = append(claims, c)
					continue
				}
				t = time.Now()
				if err := q.finish(c); err != nil {
					b.Errorf("finish %s: %v", c.Job.ID, err)
					failed.Store(true)
					return
				}
				fl = append(fl, time.Since(t))
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(t0)
	stop()
	if failed.Load() {
		b.FailNow()
	}
	if n := r.claimed.Load(); n != int64(target) {
		b.Fatalf("claimed %d jobs, want %d", n, target)
	}
	return r
}

// finish is the no-op engine's report: a fixed result, at once.
func (q *claimQueue) finish(c *slate.Claim) error {
	_, err := q.env.DB.Finish(context.Background(), c.Job.ID, c.Job.WorkerID, slate.RenderResult{
		MediaKey: "takes/" + c.Job.ID + ".mp4", MediaType: "video/mp4", Size: 1000,
		Width: c.Spec.Width, Height: c.Spec.Height, FrameRate: c.Spec.FrameRate, DurationMS: c.Spec.DurationMS})
	return err
}

func (q *claimQueue) bench(b *testing.B, n int) {
	b.StopTimer()
	nop := func() {}
	var seed, onlyTime time.Duration
	var drainLat, onlyLat, finishLat []time.Duration
	var onlyClaims, empty int64
	for range b.N {
		t := time.Now()
		q.fill(b, func(int) int { return n / claimOrgs })
		seed += time.Since(t)
		if os.Getenv("SLATE_BENCH_CLAIM_EXPLAIN") != "" {
			q.explain(b)
		}

		// Claim alone, until every organisation is at its limit.
		only := q.run(b, min(n, claimOrgs*claimLimit), false, nop, nop)
		onlyTime += only.elapsed
		onlyClaims += int64(len(only.claims))
		onlyLat = append(onlyLat, only.claimLat...)
		perOrg := map[string]int{}
		for _, c := range only.claims {
			perOrg[c.Job.OrgID]++
		}
		if err := parallel(q.workers, len(only.claims), func(i int) error { return q.finish(only.claims[i]) }); err != nil {
			b.Fatal(err)
		}
		q.done += int64(len(only.claims))
		q.fill(b, func(i int) int { return perOrg[q.orgs[i].id] })

		// The drain: Claim → Finish until the queue is empty.
		statements := q.postgres && os.Getenv("SLATE_BENCH_CLAIM_EXPLAIN") != ""
		if statements {
			// With pg_stat_statements loaded, the drain's statements are logged.
			_, err := q.raw.ExecContext(context.Background(), `SELECT public.pg_stat_statements_reset()`)
			statements = err == nil
		}
		drain := q.run(b, n, true, b.StartTimer, b.StopTimer)
		if statements {
			b.Logf("the drain's statements (calls, total ms, mean ms, rows, query):\n%s", q.rawLines(b,
				`SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3), rows,
				left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM public.pg_stat_statements
				WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC LIMIT 30`))
		}
		q.done += int64(n)
		drainLat = append(drainLat, drain.claimLat...)
		finishLat = append(finishLat, drain.finishLat...)
		empty += drain.empty
		q.check(b)
		if os.Getenv("SLATE_BENCH_CLAIM_EXPLAIN") != "" {
			q.tableStats(b)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "claims/s")
	b.ReportMetric(quantileMS(drainLat, 0.50), "claim-p50-ms")
	b.ReportMetric(quantileMS(drainLat, 0.99), "claim-p99-ms")
	b.ReportMetric(quantileMS(finishLat, 0.50), "finish-p50-ms")
	b.ReportMetric(float64(onlyClaims)/onlyTime.Seconds(), "claimonly/s")
	b.ReportMetric(quantileMS(onlyLat, 0.50), "claimonly-p50-ms")
	b.ReportMetric(quantileMS(onlyLat, 0.99), "claimonly-p99-ms")
	b.ReportMetric(float64(empty)/float64(b.N), "empty-claims")
	b.ReportMetric(seed.Seconds()/float64(b.N), "seed-s")
	b.ReportMetric(float64(q.workers), "workers")
}

func quantileMS(d []time.Duration, q float64) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return float64(d[int(q*float64(len(d)-1))]) / 1e6
}

// check confirms the drain left nothing queued or running and every job
// finished with a take.
func (q *claimQueue) check(b *testing.B) {
	b.Helper()
	ctx := context.Background()
	var succeeded, takes, queued, running int64
	if err := q.raw.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM jobs WHERE state = 'succeeded'),
		(SELECT count(*) FROM takes WHERE job_id IS NOT NULL),
		(SELECT COALESCE(SUM(queued), 0) FROM queue_lanes), (SELECT COALESCE(SUM(running), 0) FROM queue_lanes)`).
		Scan(&succeeded, &takes, &queued, &running); err != nil {
		b.Fatal(err)
	}
	if succeeded != q.done || takes != q.done || queued != 0 || running != 0 {
		b.Fatalf("after the drain: %d jobs succeeded and %d takes (want %d), lanes hold %d queued and %d running",
			succeeded, takes, q.done, queued, running)
	}
}

func (q *claimQueue) verify(b *testing.B) {
	b.Helper()
	verifyLedgerB(b, q.env)
}

// explain logs the database's plans for the claim's queries on the filled
// queue (SLATE_BENCH_CLAIM_EXPLAIN=1). The head query's text follows
// store/claim.go, with every column.
func (q *claimQueue) explain(b *testing.B) {
	b.Helper()
	lock, explain := "", "EXPLAIN QUERY PLAN "
	if q.postgres {
		lock, explain = " FOR UPDATE SKIP LOCKED", "EXPLAIN (ANALYZE, BUFFERS) "
	}
	for _, c := range []struct {
		name, query string
		args        []any
	}{
		{"lanes", `SELECT q.org_id, q.queued, q.running, q.served_at, b.plan
			FROM queue_lanes q JOIN balances b ON b.org_id = q.org_id WHERE q.queued > 0`, nil},
		{"head", `SELECT * FROM jobs WHERE org_id = $1 AND state = 'queued' AND engine IN ($2)
			ORDER BY priority DESC, topped DESC, id LIMIT 1` + lock, []any{q.orgs[0].id, claimEngines[0]}},
	} {
		b.Logf("%s plan:\n%s", c.name, q.rawLines(b, explain+c.query, c.args...))
	}
}

// tableStats logs, after a drain, how big the claim's tables have grown and
// (on PostgreSQL) how many of their updates were HOT.
func (q *claimQueue) tableStats(b *testing.B) {
	b.Helper()
	if q.postgres {
		b.Logf("tables after the drain (name, updates, HOT updates, dead rows, table pages, index pages):\n%s",
			q.rawLines(b, `SELECT relname, n_tup_upd, n_tup_hot_upd, n_dead_tup, pg_relation_size(relid) / 8192,
				pg_indexes_size(relid) / 8192 FROM pg_stat_user_tables WHERE schemaname = current_schema()
				AND relname IN ('jobs', 'queue_lanes', 'balances', 'holds', 'events', 'ledger_entries', 'takes', 'shots')
				ORDER BY relname`))
		return
	}
	b.Logf("database pages, cache size (pages or -KiB), page size: %s / %s / %s",
		q.rawLines(b, `PRAGMA page_count`), q.rawLines(b, `PRAGMA cache_size`), q.rawLines(b, `PRAGMA page_size`))
}

// rawLines runs query on the raw connection and returns its rows, one a line.
func (q *claimQueue) rawLines(b *testing.B, query string, args ...any) string {
	b.Helper()
	rows, err := q.raw.QueryContext(context.Background(), query, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		lines = append(lines, strings.TrimSpace(fmt.Sprintln(vals...)))
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
