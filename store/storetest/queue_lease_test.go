package storetest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// A lapsed lease puts the job back in line with its hold; after
// slate.MaxAttempts starts it fails and its hold is released. A worker
// whose lease is gone changes nothing.
func TestQueueLeases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 1, 4_000)
		db := env.DB
		ctx := context.Background()
		b := k.submit(slate.BatchInput{})
		id := b.Items[0].ID
		lease := 30 * time.Second
		claim := func(worker string) *slate.Claim {
			t.Helper()
			c, err := db.Claim(ctx, slate.ClaimRequest{WorkerID: worker, Engines: []string{"preview"}, Lease: lease})
			if err != nil || c == nil || c.Job.ID != id {
				t.Fatalf("claim by %s = %+v, %v", worker, c, err)
			}
			if !c.LeaseUntil.Equal(env.Clock.Now().Add(lease)) {
				t.Fatalf("lease until %s", c.LeaseUntil)
			}
			return c
		}
		reap := func(want int) {
			t.Helper()
			if n, err := db.ReapLeases(ctx); err != nil || n != want {
				t.Fatalf("reap = %d, %v; want %d", n, err, want)
			}
		}
		// stale checks that every report of worker changes nothing.
		stale := func(worker string) {
			t.Helper()
			before := k.snap()
			_, err := db.Heartbeat(ctx, id, slate.Beat{WorkerID: worker, Progress: 90})
			wantCode(t, err, slate.ECONFLICT)
			_, err = db.Finish(ctx, id, worker, slate.RenderResult{MediaKey: "stale.mp4"})
			wantCode(t, err, slate.ECONFLICT)
			_, err = db.Fail(ctx, id, worker, slate.JobError{Code: slate.JobErrEngineFailed})
			wantCode(t, err, slate.ECONFLICT)
			_, err = db.Stopped(ctx, id, worker)
			wantCode(t, err, slate.ECONFLICT)
			k.unchanged("a stale worker's reports", before)
		}

		c := claim("w1")
		k.beat(c, 30)
		if c.Job.Attempts != 1 {
			t.Fatalf("attempts = %d", c.Job.Attempts)
		}
		// A lease not yet lapsed is left alone; a heartbeat extends it.
		env.Clock.Advance(20 * time.Second)
		reap(0)
		k.beat(c, 40)
		env.Clock.Advance(20 * time.Second)
		reap(0)
		env.Clock.Advance(11 * time.Second)
		reap(1)
		j := k.wantJob(id, slate.JobQueued, 4, 0)
		if j.WorkerID != "" || j.Progress != 0 || j.Attempts != 1 || j.Error != nil {
			t.Fatalf("requeued = %+v", j)
		}
		if got := fmt.Sprint(k.jobEntries(id)); got != "[hold 4]" {
			t.Fatalf("entries after a lapse = %s", got)
		}
		k.want(180_000, 0, 0, 4)
		stale("w1")

		c = claim("w2")
		if c.Job.Attempts != 2 {
			t.Fatalf("attempts = %d", c.Job.Attempts)
		}
		stale("w1") // the job is w2's now
		env.Clock.Advance(lease + time.Millisecond)
		reap(1)
		c = claim("w3")
		if c.Job.Attempts != 3 {
			t.Fatalf("attempts = %d", c.Job.Attempts)
		}
		stale("w2")
		env.Clock.Advance(lease + time.Millisecond)
		reap(1)
		j = k.wantJob(id, slate.JobFailed, 0, 0)
		if j.Error == nil || j.Error.Code != slate.JobErrLeaseLost || j.Attempts != slate.MaxAttempts || j.FinishedAt == nil {
			t.Fatalf("exhausted = %+v", j)
		}
		if got := fmt.Sprint(k.jobEntries(id)); got != "[hold 4 release -4]" {
			t.Fatalf("entries after the last lapse = %s", got)
		}
		k.want(180_000, 0, 0, 0)
		stale("w3")
		reap(0)

		// Retried, it starts counting again, and is charged once.
		k.action(k.o.Ctx, id, slate.ActionRetry)
		c = claim("w4")
		if c.Job.Attempts != 1 {
			t.Fatalf("attempts after retry = %d", c.Job.Attempts)
		}
		// A lease that lapsed but was not yet reaped is still the worker's.
		env.Clock.Advance(time.Minute)
		k.finish(c)
		reap(0)
		k.wantJob(id, slate.JobSucceeded, 0, 4)
		stale("w4")
		if got := fmt.Sprint(k.jobEntries(id)); got != "[hold 4 release -4 hold 4 charge 4]" {
			t.Fatalf("entries = %s", got)
		}
		k.want(180_000-4, 0, 0, 0)
		k.audit()
	})
}

// A job whose cancel was requested and whose worker vanished ends
// cancelled when its lease lapses, its hold released.
func TestQueueLeaseLapsesWhileCancelling(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 1, 4_000)
		k.submit(slate.BatchInput{})
		c := k.mustClaim("w")
		k.action(k.o.Ctx, c.Job.ID, slate.ActionCancel)
		env.Clock.Advance(31 * time.Second)
		if n, err := env.DB.ReapLeases(context.Background()); err != nil || n != 1 {
			t.Fatalf("reap = %d, %v", n, err)
		}
		k.wantJob(c.Job.ID, slate.JobCanceled, 0, 0)
		k.want(180_000, 0, 0, 0)
		if q, r, _ := laneCounts(t, env, k.o.Org.ID); q != 0 || r != 0 {
			t.Fatalf("lane = %d, %d", q, r)
		}
		// Bad heartbeats are invalid.
		_, err := env.DB.Heartbeat(context.Background(), c.Job.ID, slate.Beat{WorkerID: "w", Progress: 101})
		wantCode(t, err, slate.EINVALID)
		_, err = env.DB.Fail(context.Background(), c.Job.ID, "w", slate.JobError{})
		wantCode(t, err, slate.EINVALID)
		_, err = env.DB.Finish(context.Background(), c.Job.ID, "w", slate.RenderResult{})
		wantCode(t, err, slate.EINVALID)
		k.audit()
	})
}

// Many leases lapse at once: all are requeued, over several reaps when
// there are more than one reap moves.
func TestQueueReapMany(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		var kits []*queueKit
		for range 3 {
			k := newQueueKit(t, env, "enterprise", 10, 1_000)
			k.submit(slate.BatchInput{})
			kits = append(kits, k)
		}
		claimed := 0
		for {
			c := kits[0].claimFor("w")
			if c == nil {
				break
			}
			claimed++
		}
		if claimed != 30 {
			t.Fatalf("claimed %d, want 30 (three orgs of limit 10)", claimed)
		}
		env.Clock.Advance(time.Minute)
		total := 0
		for {
			n, err := env.DB.ReapLeases(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			total += n
		}
		if total != 30 {
			t.Fatalf("reaped %d", total)
		}
		for _, k := range kits {
			k.want(1_000_000, 0, 0, 10)
			k.audit()
		}
	})
}
