// Package riverbench benchmarks River (github.com/riverqueue/river) draining
// a backlog of no-op jobs on PostgreSQL, as the peer for slate's own
// render-queue claim benchmark. It is a separate module so that slate never
// depends on River; see README.md for what is measured and how to run it.
package riverbench

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

const (
	orgs       = 100 // jobs are spread round-robin over this many organisations
	queue      = "render"
	maxWorkers = 100
	poolConns  = 20
	insertSize = 10_000 // jobs per InsertManyFast (COPY) call
)

// Fetch tuning taken from River's own benchmark (cmd/river/riverbench):
// River's defaults (100ms cooldown, 1s poll) cap a 100-worker client near
// 1,000 jobs/s. RIVER_FETCH_COOLDOWN=100ms gives the default cooldown.
var fetchCooldown, fetchPoll = 2 * time.Millisecond, 20 * time.Millisecond

// NoopArgs is a render job of one organisation; its worker does nothing.
type NoopArgs struct {
	Org int `json:"org"`
}

// Kind is the River job kind.
func (NoopArgs) Kind() string { return "render_noop" }

type noopWorker struct{ river.WorkerDefaults[NoopArgs] }

func (noopWorker) Work(context.Context, *river.Job[NoopArgs]) error { return nil }

// fetchTracer times River's claim query, JobGetAvailable, which locks and
// marks running up to MaxWorkers-minus-busy jobs at once, and counts the
// jobs each call claimed.
type fetchTracer struct {
	mu   sync.Mutex
	durs []time.Duration
	jobs int64
}

type fetchStart struct{}

func (t *fetchTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if !strings.HasPrefix(d.SQL, "-- name: JobGetAvailable ") {
		return ctx
	}
	return context.WithValue(ctx, fetchStart{}, time.Now())
}

func (t *fetchTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	start, ok := ctx.Value(fetchStart{}).(time.Time)
	if !ok || d.Err != nil || d.CommandTag.RowsAffected() == 0 {
		return // empty polls claim nothing
	}
	t.mu.Lock()
	t.durs = append(t.durs, time.Since(start))
	t.jobs += d.CommandTag.RowsAffected()
	t.mu.Unlock()
}

func BenchmarkRiverNoop(b *testing.B) {
	dsn := os.Getenv("SLATE_TEST_POSTGRES")
	if dsn == "" {
		b.Skip("SLATE_TEST_POSTGRES is not set")
	}
	if s := os.Getenv("RIVER_FETCH_COOLDOWN"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatal(err)
		}
		fetchCooldown, fetchPoll = d, max(fetchPoll, d)
	}
	ctx := context.Background()
	tracer := &fetchTracer{}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = poolConns
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)

	// River's tables live in a throwaway schema, dropped at the end.
	schema := "river_bench_" + strings.ToLower(rand.Text()[:10])
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE") })
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		b.Fatal(err)
	}

	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("queued=%d", n), func(b *testing.B) {
			tracer.mu.Lock()
			tracer.durs, tracer.jobs = nil, 0
			tracer.mu.Unlock()
			b.StopTimer() // drain times only Start to last completion
			for range b.N {
				drain(ctx, b, driver, schema, n)
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "claims/s")
			tracer.mu.Lock()
			defer tracer.mu.Unlock()
			if len(tracer.durs) > 0 {
				slices.Sort(tracer.durs)
				ms := func(q float64) float64 {
					return float64(tracer.durs[int(q*float64(len(tracer.durs)-1))]) / 1e6
				}
				b.ReportMetric(ms(0.50), "fetch-p50-ms")
				b.ReportMetric(ms(0.99), "fetch-p99-ms")
				b.ReportMetric(float64(tracer.jobs)/float64(len(tracer.durs)), "jobs/fetch")
			}
		})
	}
}

// drain fills an empty river_job with n available jobs, then starts a fresh
// client, running the benchmark timer from Start until River reports the
// n-th job completed (that is, after its completer wrote it to the table).
func drain(ctx context.Context, b *testing.B, driver *riverpgxv5.Driver, schema string, n int) {
	workers := river.NewWorkers()
	river.AddWorker(workers, noopWorker{})
	client, err := river.NewClient(driver, &river.Config{
		Schema:            schema,
		Queues:            map[string]river.QueueConfig{queue: {MaxWorkers: maxWorkers}},
		Workers:           workers,
		FetchCooldown:     fetchCooldown,
		FetchPollInterval: fetchPoll,
		Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := driver.GetExecutor().Exec(ctx, "TRUNCATE "+schema+".river_job"); err != nil {
		b.Fatal(err)
	}
	params := make([]river.InsertManyParams, 0, insertSize)
	for i := 0; i < n; i += insertSize {
		params = params[:0]
		for j := i; j < min(n, i+insertSize); j++ {
			params = append(params, river.InsertManyParams{
				Args: NoopArgs{Org: j % orgs}, InsertOpts: &river.InsertOpts{Queue: queue},
			})
		}
		if _, err := client.InsertManyFast(ctx, params); err != nil {
			b.Fatal(err)
		}
	}
	if err := driver.GetExecutor().Exec(ctx, "ANALYZE "+schema+".river_job"); err != nil {
		b.Fatal(err)
	}
	events, cancel := client.SubscribeConfig(&river.SubscribeConfig{
		ChanSize: n,
		Kinds:    []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled},
	})
	defer cancel()

	b.StartTimer()
	if err := client.Start(ctx); err != nil {
		b.Fatal(err)
	}
	timeout := time.After(10 * time.Minute)
	for done := 0; done < n; done++ {
		select {
		case ev := <-events:
			if ev.Kind != river.EventKindJobCompleted {
				b.Fatalf("job %d: %s", ev.Job.ID, ev.Kind)
			}
		case <-timeout:
			b.Fatalf("only %d of %d jobs completed in 10 minutes", done, n)
		}
	}
	b.StopTimer()
	if err := client.Stop(ctx); err != nil {
		b.Fatal(err)
	}
	var completed int
	err = driver.GetExecutor().QueryRow(ctx,
		"SELECT count(*) FROM "+schema+".river_job WHERE state = 'completed'").Scan(&completed)
	if err != nil || completed != n {
		b.Fatalf("completed jobs: %d of %d (%v)", completed, n, err)
	}
}
