package storetest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// eventLine is an event as "job:<shot> <state> <progress>" or
// "balance:held=<held> available=<available>".
func eventLine(e *slate.Event) string {
	switch e.Kind {
	case slate.EventJob:
		return fmt.Sprintf("job:%s %s %v", e.Payload["shot_name"], e.Payload["state"], e.Payload["progress"])
	case slate.EventBalance:
		return fmt.Sprintf("balance:held=%v available=%v", e.Payload["held"], e.Payload["available"])
	}
	return e.Kind
}

// since lists the events after id as lines.
func (k *queueKit) since(id string) []string {
	k.t.Helper()
	var out []string
	for _, e := range k.events(id) {
		out = append(out, eventLine(e))
	}
	return out
}

func wantLines(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: events\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// Every job state change raises a job event, and every hold, charge and
// release a balance event, in the order they happened, in the transaction
// of the change.
func TestQueueEvents(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "free", 2, 4_000) // 800 credits, 4 a shot
		ctx := context.Background()
		last := k.lastEventID()
		step := func(what string, fn func(), want ...string) {
			t.Helper()
			fn()
			wantLines(t, what, k.since(last), want...)
			last = k.lastEventID()
		}
		var b *slate.Batch
		var c *slate.Claim
		step("submit", func() { b = k.submit(slate.BatchInput{}) },
			"balance:held=8 available=792", "job:Shot 1 queued 0", "job:Shot 2 queued 0")
		step("claim", func() { c = k.mustClaim("w") }, "job:Shot 1 running 0")
		step("progress", func() { k.beat(c, 40) }, "job:Shot 1 running 40")
		step("a heartbeat with nothing new", func() { k.beat(c, 40) })
		step("finish", func() { k.finish(c) }, "balance:held=4 available=792", "job:Shot 1 succeeded 100")
		step("pause", func() { k.action(k.o.Ctx, b.Items[1].ID, slate.ActionPause) }, "job:Shot 2 paused 0")
		step("priority", func() {
			if _, err := env.DB.SetPriority(k.o.Ctx, b.Items[1].ID, 70); err != nil {
				t.Fatal(err)
			}
		}, "job:Shot 2 paused 0")
		step("cancel", func() { k.action(k.o.Ctx, b.Items[1].ID, slate.ActionCancel) }, "balance:held=0 available=796", "job:Shot 2 canceled 0")
		step("refused", func() {
			_, err := env.DB.JobAction(k.o.Ctx, b.Items[1].ID, slate.ActionPause)
			wantCode(t, err, slate.ECONFLICT)
		})
		step("retry", func() { k.action(k.o.Ctx, b.Items[1].ID, slate.ActionRetry) }, "balance:held=4 available=792", "job:Shot 2 queued 0")
		step("claim again", func() { c = k.mustClaim("w") }, "job:Shot 2 running 0")
		step("cancel running", func() { k.action(k.o.Ctx, c.Job.ID, slate.ActionCancel) }, "job:Shot 2 cancel_requested 0")
		step("stopped", func() {
			if _, err := env.DB.Stopped(ctx, c.Job.ID, "w"); err != nil {
				t.Fatal(err)
			}
		}, "balance:held=0 available=796", "job:Shot 2 canceled 0")
		step("lapse", func() {
			k.action(k.o.Ctx, b.Items[1].ID, slate.ActionRetry)
			c = k.mustClaim("w")
			env.Clock.Advance(time.Minute)
			if _, err := env.DB.ReapLeases(ctx); err != nil {
				t.Fatal(err)
			}
		}, "balance:held=4 available=792", "job:Shot 2 queued 0", "job:Shot 2 running 0", "job:Shot 2 queued 0")
		step("fail", func() { k.fail(k.mustClaim("w"), slate.JobErrEngineTimeout) },
			"job:Shot 2 running 0", "balance:held=0 available=796", "job:Shot 2 failed 0")
		k.adjust("drain", -788, 0, 0)
		last = k.lastEventID()
		step("a refused submission", func() {
			_, err := env.DB.Submit(k.o.Ctx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{All: true}, Engine: "veo-3.1", Tier: "high"})
			wantCode(t, err, slate.ECREDITS) // 256 > 8 left
		})

		// Job events carry the whole job.
		evs := k.events("")
		var job *slate.Event
		for _, e := range evs {
			if e.Kind == slate.EventJob {
				job = e
			}
		}
		if job.ProjectID != k.o.Project.ID || job.Payload["id"] != b.Items[1].ID || job.Payload["batch_id"] != b.ID ||
			job.Payload["error"].(map[string]any)["code"] != slate.JobErrEngineTimeout {
			t.Fatalf("job event = %+v", job)
		}
	})
}

// Events of a restricted project's jobs reach only those who may see it;
// balance events reach every member.
func TestQueueEventsHideRestrictedProjects(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "business", 1, 4_000)
		_, octx := k.member("outsider")
		if _, err := env.DB.SetProjectAccess(k.o.Ctx, k.o.Project.ID, slate.ProjectAccess{Restricted: true}); err != nil {
			t.Fatal(err)
		}
		last := k.lastEventID()
		k.submit(slate.BatchInput{})
		k.finish(k.mustClaim("w"))
		kinds := func(ctx context.Context) string {
			evs, err := env.DB.Events(ctx, k.o.Org.ID, last, 100)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range evs {
				out = append(out, e.Kind)
			}
			return strings.Join(out, ",")
		}
		if got := kinds(k.o.Ctx); got != "balance,job,job,balance,job" {
			t.Fatalf("owner sees %s", got)
		}
		if got := kinds(octx); got != "balance,balance" {
			t.Fatalf("outsider sees %s", got)
		}
	})
}
