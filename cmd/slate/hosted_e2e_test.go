package main_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"slate"
	"slate/clock"
	"slate/engine/veo/veotest"
	"slate/store"
	"slate/store/storetest"
	"slate/waitfor"
)

// veoRig is a queue whose store enables veo-3.1 as an engines file would,
// a Veo provider written from Google's documented protocol, and the
// engines file `slate worker` processes read to render with it.
type veoRig struct {
	*queueRig
	veo     *veotest.Server
	engines string
	env     []string
}

// openVeoRig serves Veo with opts; limit is the engine's max_concurrent.
func openVeoRig(t *testing.T, b storetest.Backend, opts veotest.Options, limit int) *veoRig {
	t.Helper()
	srv, err := veotest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	offer := slate.EngineOffer{Name: "veo-3.1", Adapter: "veo", Model: "veo-3.1-generate-001", MaxConcurrent: limit}
	env := storetest.OpenWith(t, b, func(o *store.Options) {
		o.Clock = clock.System{}
		o.Engines = []string{"preview", "veo-3.1"}
		o.Offers = []slate.EngineOffer{offer}
	})
	file := filepath.Join(t.TempDir(), "engines.json")
	body := fmt.Sprintf(`{"engines": [{"name": "veo-3.1", "adapter": "veo", "model": "veo-3.1-generate-001",
		"api_key_env": "GEMINI_API_KEY", "base_url": %q, "max_concurrent": %d, "poll_interval": "50ms",
		"cost": {"per_second": "0.40"}}]}`, srv.URL(), limit)
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return &veoRig{queueRig: &queueRig{t: t, db: env.DB, dsn: env.DSN}, veo: srv, engines: file,
		env: []string{"GEMINI_API_KEY=" + veotest.DefaultKey}}
}

func (r *veoRig) startWorker(mediaDir string, extra ...string) *workerProc {
	r.t.Helper()
	return startWorkerEnv(r.t, r.env, r.dsn, mediaDir, append([]string{"--engines", r.engines}, extra...)...)
}

func (r *veoRig) submitVeo(ctx context.Context, p *slate.Project) *slate.Batch {
	r.t.Helper()
	b, err := r.db.Submit(ctx, p.ID, slate.BatchInput{Selection: &slate.Selection{All: true}, Engine: "veo-3.1", Tier: "standard"})
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// TestHostedWorkerKilledAfterSubmission kills a `slate worker` with
// SIGKILL after Veo accepted its request. The next worker resumes the
// same operation instead of paying for another: Veo sees one submission,
// the organisation one charge, the take the operation's id and its
// provider cost, and the ledger verifies.
func TestHostedWorkerKilledAfterSubmission(t *testing.T) {
	t.Parallel()
	r := openVeoRig(t, storetest.Backends(t)[0], veotest.Options{Hold: true}, 0)
	ctx, p := r.org("business", 1, 8_000)
	b := r.submitVeo(ctx, p)
	jobID := b.Items[0].ID
	mediaDir := filepath.Join(t.TempDir(), "media")
	first := r.startWorker(mediaDir, "--workers", "1", "--lease", "3s")
	j := waitFor(t, r.queueRig, ctx, jobID, func(j *slate.Job) bool { return j.ProviderRequestID != "" })
	if n := r.veo.Submissions(); n != 1 {
		t.Fatalf("Veo saw %d submissions before the crash; want 1", n)
	}
	if ops := r.veo.Operations(); len(ops) != 1 || ops[0] != j.ProviderRequestID {
		t.Fatalf("the job saved %q; Veo's operations are %v", j.ProviderRequestID, ops)
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitfor.Recv(t, "the killed worker's exit", first.exited)

	// Veo finishes the render while nobody watches; the next worker reaps
	// the lapsed lease and resumes the operation.
	r.veo.ReleaseAll()
	second := r.startWorker(mediaDir, "--workers", "1", "--lease", "3s")
	j = waitFor(t, r.queueRig, ctx, jobID, func(j *slate.Job) bool { return j.State.Finished() })
	if j.State != slate.JobSucceeded || j.Attempts < 2 || j.CostCharged != j.Cost {
		t.Fatalf("job after the crash = %+v\nsecond worker:\n%s", j, second.stderr)
	}
	if n := r.veo.Submissions(); n != 1 {
		t.Fatalf("Veo saw %d submissions; want exactly 1", n)
	}
	charges, err := r.db.Transactions(ctx, p.OrgID, slate.TransactionFilter{Kind: slate.EntryCharge})
	if err != nil || len(charges.Items) != 1 {
		t.Fatalf("charges = %+v, %v; want exactly 1", charges, err)
	}
	take, err := r.db.Take(ctx, j.TakeID)
	if err != nil {
		t.Fatal(err)
	}
	// Veo bills the 8 s it rendered at 0.40 a second.
	if pv := take.Provider; pv.RequestID != j.ProviderRequestID || pv.Model != "veo-3.1-generate-001" || pv.BilledMS != 8000 ||
		pv.Cost != 3_200_000 || pv.Currency != "USD" {
		t.Fatalf("take's provider = %+v", pv)
	}
	if take.DurationMS <= 0 || take.Width != 160 {
		t.Fatalf("take = %+v; want the provider's file, measured", take)
	}
	cli := newCLI(t, "operator")
	if res := cli.run("ledger", "verify", "--db", r.dsn); res.code != 0 {
		t.Fatalf("slate ledger verify: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestHostedEngineLimitAcrossWorkers runs three `slate worker` processes
// of two slots each on one PostgreSQL against Veo limited to two jobs at
// once: Veo never has more than two operations in flight, and renders
// every job once.
func TestHostedEngineLimitAcrossWorkers(t *testing.T) {
	t.Parallel()
	var pg storetest.Backend
	for _, b := range storetest.Backends(t) {
		if b.Name == "postgres" {
			pg = b
		}
	}
	if pg.Name == "" {
		t.Skip("needs PostgreSQL (SLATE_TEST_POSTGRES)")
	}
	const jobs, limit = 8, 2
	r := openVeoRig(t, pg, veotest.Options{RunningPolls: 3}, limit)
	ctx, p := r.org("enterprise", jobs, 4_000)
	b := r.submitVeo(ctx, p)
	mediaDir := filepath.Join(t.TempDir(), "media")
	for range 3 {
		r.startWorker(mediaDir, "--workers", "2")
	}
	for _, j := range b.Items {
		if j := waitFor(t, r.queueRig, ctx, j.ID, func(j *slate.Job) bool { return j.State.Finished() }); j.State != slate.JobSucceeded {
			t.Fatalf("job %s = %s (%+v)", j.ID, j.State, j.Error)
		}
	}
	if n := r.veo.Submissions(); n != jobs {
		t.Errorf("Veo saw %d submissions; want %d", n, jobs)
	}
	if n := r.veo.MaxInFlight(); n > limit || n < 1 {
		t.Errorf("Veo had %d operations in flight at once; the limit is %d", n, limit)
	}
}
