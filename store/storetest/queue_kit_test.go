package storetest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/queue"
	"slate/store/storetest"
)

// queueKit is an organisation with a project of shots, and helpers for the
// render queue that fail the test on any unexpected error.
type queueKit struct {
	*creditKit
	shots []*slate.Shot
}

// newQueueKit makes n shots of durationMS each in one scene.
func newQueueKit(t *testing.T, env *storetest.Env, plan string, n int, durationMS int64) *queueKit {
	t.Helper()
	k := &queueKit{creditKit: newCreditKit(t, env, plan)}
	queueDB(t, env) // opened on the test's own t, so it outlives subtests
	ctx := k.o.Ctx
	act, err := env.DB.CreateAct(ctx, k.o.Project.ID, slate.ActInput{Name: "Act"})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := env.DB.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Scene"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		sh, err := env.DB.CreateShot(ctx, sc.ID, slate.ShotInput{Name: fmt.Sprintf("Shot %d", i+1), DurationMS: durationMS,
			Prompt: "a lighthouse at dusk"})
		if err != nil {
			t.Fatal(err)
		}
		k.shots = append(k.shots, sh)
	}
	return k
}

func (k *queueKit) shotIDs() []string {
	ids := make([]string, len(k.shots))
	for i, s := range k.shots {
		ids[i] = s.ID
	}
	return ids
}

func (k *queueKit) submit(in slate.BatchInput) *slate.Batch {
	k.t.Helper()
	if in.Selection == nil && in.QuoteID == "" {
		in.Selection = &slate.Selection{All: true}
	}
	b, err := k.env.DB.Submit(k.o.Ctx, k.o.Project.ID, in)
	if err != nil {
		k.t.Fatalf("submit: %v", err)
	}
	return b
}

func (k *queueKit) claim(worker string) *slate.Claim {
	k.t.Helper()
	c, err := k.env.DB.Claim(context.Background(), slate.ClaimRequest{WorkerID: worker, Engines: []string{"preview"}, Lease: 30 * time.Second})
	if err != nil {
		k.t.Fatalf("claim: %v", err)
	}
	return c
}

func (k *queueKit) finish(c *slate.Claim) *slate.Job {
	k.t.Helper()
	j, err := k.env.DB.Finish(context.Background(), c.Job.ID, c.Job.WorkerID, slate.RenderResult{
		MediaKey: "takes/" + c.Job.ID + ".mp4", MediaType: "video/mp4", Size: 1000,
		Width: c.Spec.Width, Height: c.Spec.Height, FrameRate: c.Spec.FrameRate, DurationMS: c.Spec.DurationMS})
	if err != nil {
		k.t.Fatalf("finish %s: %v", c.Job.ID, err)
	}
	return j
}

func (k *queueKit) job(id string) *slate.Job {
	k.t.Helper()
	j, err := k.env.DB.Job(k.o.Ctx, id)
	if err != nil {
		k.t.Fatalf("job %s: %v", id, err)
	}
	return j
}

// ---- helpers added for the render-queue suite ----

// queueTree is a project laid out for selections: act A holds scenes A1
// (shots a1, a2) and A2 (shot a3); act B holds scene B1 (shots b1, b2).
type queueTree struct {
	acts   []*slate.Act
	scenes []*slate.Scene
	shots  map[string]*slate.Shot
	order  []string // shot names in tree order
}

// newQueueTree builds the queueTree layout in the kit's project, every shot
// durationMS long; the kit's shots become the tree's, in tree order.
func newQueueTree(t *testing.T, env *storetest.Env, plan string, durationMS int64) (*queueKit, *queueTree) {
	t.Helper()
	k := &queueKit{creditKit: newCreditKit(t, env, plan)}
	queueDB(t, env)
	ctx := k.o.Ctx
	qt := &queueTree{shots: map[string]*slate.Shot{}}
	layout := []struct {
		act   string
		names []string
	}{
		{"A", []string{"A1", "A2"}},
		{"B", []string{"B1"}},
	}
	shotsOf := map[string][]string{"A1": {"a1", "a2"}, "A2": {"a3"}, "B1": {"b1", "b2"}}
	for _, l := range layout {
		act, err := env.DB.CreateAct(ctx, k.o.Project.ID, slate.ActInput{Name: l.act})
		if err != nil {
			t.Fatal(err)
		}
		qt.acts = append(qt.acts, act)
		for _, sn := range l.names {
			sc, err := env.DB.CreateScene(ctx, act.ID, slate.SceneInput{Name: sn})
			if err != nil {
				t.Fatal(err)
			}
			qt.scenes = append(qt.scenes, sc)
			for _, name := range shotsOf[sn] {
				sh, err := env.DB.CreateShot(ctx, sc.ID, slate.ShotInput{Name: name, DurationMS: durationMS, Prompt: "shot " + name})
				if err != nil {
					t.Fatal(err)
				}
				qt.shots[name] = sh
				qt.order = append(qt.order, name)
				k.shots = append(k.shots, sh)
			}
		}
	}
	return k, qt
}

func (qt *queueTree) ids(names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = qt.shots[n].ID
	}
	return out
}

// member joins the kit's organisation with perms (read is implied).
func (k *queueKit) member(name string, perms ...slate.Permission) (*slate.User, context.Context) {
	k.t.Helper()
	return inviteAndJoin(k.t, k.env, k.o, name, perms...)
}

// claimFor claims as worker serving engines (preview when none).
func (k *queueKit) claimFor(worker string, engines ...string) *slate.Claim {
	k.t.Helper()
	if len(engines) == 0 {
		engines = []string{"preview"}
	}
	c, err := k.env.DB.Claim(context.Background(), slate.ClaimRequest{WorkerID: worker, Engines: engines, Lease: 30 * time.Second})
	if err != nil {
		k.t.Fatalf("claim: %v", err)
	}
	return c
}

// mustClaim claims and fails the test when nothing is handed out.
func (k *queueKit) mustClaim(worker string, engines ...string) *slate.Claim {
	k.t.Helper()
	c := k.claimFor(worker, engines...)
	if c == nil {
		k.t.Fatalf("claim by %s: nothing to claim", worker)
	}
	return c
}

func (k *queueKit) beat(c *slate.Claim, progress int) slate.JobState {
	k.t.Helper()
	st, err := k.env.DB.Heartbeat(context.Background(), c.Job.ID, slate.Beat{WorkerID: c.Job.WorkerID, Progress: progress, Lease: 30 * time.Second})
	if err != nil {
		k.t.Fatalf("heartbeat %s: %v", c.Job.ID, err)
	}
	return st
}

func (k *queueKit) fail(c *slate.Claim, code string) *slate.Job {
	k.t.Helper()
	j, err := k.env.DB.Fail(context.Background(), c.Job.ID, c.Job.WorkerID, slate.JobError{Code: code, Message: "engine said no"})
	if err != nil {
		k.t.Fatalf("fail %s: %v", c.Job.ID, err)
	}
	return j
}

// action runs a on one job as ctx and fails the test on an error.
func (k *queueKit) action(ctx context.Context, jobID string, a slate.JobAction) *slate.Job {
	k.t.Helper()
	j, err := k.env.DB.JobAction(ctx, jobID, a)
	if err != nil {
		k.t.Fatalf("%s %s: %v", a, jobID, err)
	}
	return j
}

// wantJob checks a job's state and credits as the store reads it now.
func (k *queueKit) wantJob(id string, state slate.JobState, held, charged int64) *slate.Job {
	k.t.Helper()
	j := k.job(id)
	if j.State != state || j.CostHeld != held || j.CostCharged != charged {
		k.t.Fatalf("job %s (%s) = %s held %d charged %d; want %s held %d charged %d (error %+v)",
			j.ID, j.ShotName, j.State, j.CostHeld, j.CostCharged, state, held, charged, j.Error)
	}
	return j
}

// allJobs lists every job of the kit's organisation, newest first, as the owner.
func (k *queueKit) allJobs(f slate.JobFilter) []*slate.Job {
	k.t.Helper()
	return listJobs(k.t, k.env, k.o.Ctx, k.o.Org.ID, f)
}

func listJobs(t *testing.T, env *storetest.Env, ctx context.Context, orgID string, f slate.JobFilter) []*slate.Job {
	t.Helper()
	var out []*slate.Job
	for {
		p, err := env.DB.Jobs(ctx, orgID, f)
		if err != nil {
			t.Fatalf("jobs: %v", err)
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		f.Cursor = p.NextCursor
	}
}

// jobEntries lists a job's ledger entries as "kind amount", oldest first:
// held change for holds and releases, cost for charges.
func (k *queueKit) jobEntries(jobID string) []string {
	k.t.Helper()
	var out []string
	for _, e := range k.entries(slate.TransactionFilter{}) {
		if e.JobID != jobID {
			continue
		}
		switch e.Kind {
		case slate.EntryCharge:
			out = append(out, fmt.Sprintf("%s %d", e.Kind, e.Cost))
		default:
			out = append(out, fmt.Sprintf("%s %d", e.Kind, e.Held))
		}
	}
	return out
}

// events lists the kit's organisation's events as the owner, after the id
// after ("" for all).
func (k *queueKit) events(after string) []*slate.Event {
	k.t.Helper()
	var out []*slate.Event
	for {
		evs, err := k.env.DB.Events(k.o.Ctx, k.o.Org.ID, after, 500)
		if err != nil {
			k.t.Fatalf("events: %v", err)
		}
		out = append(out, evs...)
		if len(evs) < 500 {
			return out
		}
		after = evs[len(evs)-1].ID
	}
}

func (k *queueKit) lastEventID() string {
	k.t.Helper()
	evs := k.events("")
	if len(evs) == 0 {
		return ""
	}
	return evs[len(evs)-1].ID
}

// audit checks what must hold of every organisation's queue at rest: each
// job holds exactly its cost while in a state that holds credits and
// nothing otherwise; a succeeded job is charged its cost; no job has more
// than one charge entry and its entries add up to what it shows; the held
// balance is the sum of the jobs' holds; the lane counts match the jobs;
// and the ledger verifies.
func (k *queueKit) audit() {
	k.t.Helper()
	auditOrg(k.t, k.env, k.o, true)
}

func auditOrg(t *testing.T, env *storetest.Env, o *storetest.Owner, onlyJobHolds bool) {
	t.Helper()
	jobs := listJobs(t, env, o.Ctx, o.Org.ID, slate.JobFilter{})
	var held int64
	var queued, running int64
	byJob := map[string]*slate.Job{}
	for _, j := range jobs {
		byJob[j.ID] = j
		held += j.CostHeld
		switch {
		case queue.Holds(j.State) && j.CostHeld != j.Cost:
			t.Errorf("job %s is %s holding %d, want its cost %d", j.ID, j.State, j.CostHeld, j.Cost)
		case !queue.Holds(j.State) && j.CostHeld != 0:
			t.Errorf("job %s is %s still holding %d", j.ID, j.State, j.CostHeld)
		case j.State == slate.JobSucceeded && j.CostCharged != j.Cost:
			t.Errorf("job %s succeeded charged %d, want %d", j.ID, j.CostCharged, j.Cost)
		case j.State != slate.JobSucceeded && j.State != slate.JobCanceled && j.CostCharged != 0:
			t.Errorf("job %s is %s charged %d", j.ID, j.State, j.CostCharged)
		}
		switch j.State {
		case slate.JobQueued:
			queued++
		case slate.JobRunning, slate.JobCancelRequested:
			running++
		}
	}
	// The ledger, per job: at most one charge, and the holds less the
	// releases and charges are what the job still holds.
	charges := map[string]int{}
	charged := map[string]int64{}
	open := map[string]int64{}
	f := slate.TransactionFilter{}
	for {
		p, err := env.DB.Transactions(o.Ctx, o.Org.ID, f)
		if err != nil {
			t.Fatalf("transactions: %v", err)
		}
		for _, e := range p.Items {
			if e.JobID == "" {
				continue
			}
			open[e.JobID] += e.Held
			if e.Kind == slate.EntryCharge {
				charges[e.JobID]++
				charged[e.JobID] += e.Cost
			}
		}
		if p.NextCursor == "" {
			break
		}
		f.Page.Cursor = p.NextCursor
	}
	for id, n := range charges {
		if n > 1 {
			t.Errorf("job %s has %d charge entries", id, n)
		}
	}
	for id, j := range byJob {
		if charged[id] != j.CostCharged {
			t.Errorf("job %s shows charged %d, the ledger %d", id, j.CostCharged, charged[id])
		}
		if open[id] != j.CostHeld {
			t.Errorf("job %s shows held %d, the ledger %d", id, j.CostHeld, open[id])
		}
	}
	c, err := env.DB.Credits(o.Ctx, o.Org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if onlyJobHolds && c.Held != held {
		t.Errorf("balance holds %d, the jobs %d", c.Held, held)
	}
	if q, r, ok := laneCounts(t, env, o.Org.ID); ok && (q != queued || r != running) {
		t.Errorf("lane counts queued %d running %d; the jobs say %d and %d", q, r, queued, running)
	}
	if _, bad, err := env.DB.VerifyLedger(context.Background()); err != nil || len(bad) > 0 {
		t.Errorf("verify ledger: %v %+v", err, bad)
	}
}

// queueRaw is one raw connection per store, for reading what no service
// method shows (rows written, lane counts); rawDB (project_test.go) opens it.
var queueRaw sync.Map // *storetest.Env → *sql.DB

func queueDB(t *testing.T, env *storetest.Env) *sql.DB {
	t.Helper()
	if db, ok := queueRaw.Load(env); ok {
		return db.(*sql.DB)
	}
	db := rawDB(t, env)
	t.Cleanup(func() { queueRaw.Delete(env) })
	queueRaw.Store(env, db)
	return db
}

// rowCount counts the rows of table belonging to org.
func rowCount(t *testing.T, env *storetest.Env, table, orgID string) int {
	t.Helper()
	var n int
	if err := queueDB(t, env).QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE org_id = $1`, orgID).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// laneCounts reads org's queue lane; ok is false when it has none yet.
func laneCounts(t *testing.T, env *storetest.Env, orgID string) (queued, running int64, ok bool) {
	t.Helper()
	err := queueDB(t, env).QueryRow(`SELECT queued, running FROM queue_lanes WHERE org_id = $1`, orgID).Scan(&queued, &running)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false
	}
	if err != nil {
		t.Fatalf("lane: %v", err)
	}
	return queued, running, true
}

// queueSnap is what a refused request must leave as it found: the balance,
// the ledger, the events and the queue's rows.
type queueSnap struct {
	balance                [4]int64
	entries, batches, jobs int
	holds                  int
	lastEvent              string
}

func (k *queueKit) snap() queueSnap {
	k.t.Helper()
	c := k.credits()
	return queueSnap{balance: [4]int64{c.Monthly, c.Rollover, c.Purchased, c.Held},
		entries: len(k.entries(slate.TransactionFilter{})), batches: rowCount(k.t, k.env, "batches", k.o.Org.ID),
		jobs: rowCount(k.t, k.env, "jobs", k.o.Org.ID), holds: rowCount(k.t, k.env, "holds", k.o.Org.ID),
		lastEvent: k.lastEventID()}
}

// unchanged fails the test if anything of snap changed.
func (k *queueKit) unchanged(what string, before queueSnap) {
	k.t.Helper()
	if after := k.snap(); after != before {
		k.t.Fatalf("%s changed the store:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

// names lists the shot names of jobs.
func names(jobs []*slate.Job) string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ShotName
	}
	return strings.Join(out, ",")
}
