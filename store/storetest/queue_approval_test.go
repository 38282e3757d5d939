package storetest_test

import (
	"context"
	"testing"

	"slate"
	"slate/store/storetest"
)

// A member who may run AI but not spend submits work that waits, unheld,
// for someone with use_credits to approve or reject it.
func TestQueueApproval(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "standard", 4, 4_000) // 4 credits a shot
		db := env.DB
		artist, actx := k.member("artist", slate.PermRunAI)
		_, pctx := k.member("producer", slate.PermUseCredits)
		b, err := db.Submit(actx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		if b.Jobs != 4 || b.States[slate.JobAwaitingApproval] != 4 || b.Held != 0 || b.Estimate != 16 || b.SubmittedBy != artist.ID {
			t.Fatalf("batch = %+v", b)
		}
		for _, j := range b.Items {
			if j.State != slate.JobAwaitingApproval || j.CostHeld != 0 || j.Cost != 4 {
				t.Fatalf("job = %+v", j)
			}
			if got := k.jobEntries(j.ID); len(got) != 0 {
				t.Fatalf("entries of a job awaiting approval = %v", got)
			}
		}
		k.want(33_000, 0, 0, 0)
		if c := k.claimFor("w"); c != nil {
			t.Fatalf("claimed a job awaiting approval: %+v", c.Job)
		}
		jobs := b.Items

		// Whoever may not spend may not approve or reject.
		for _, a := range []slate.JobAction{slate.ActionApprove, slate.ActionReject} {
			_, err := db.JobAction(actx, jobs[0].ID, a)
			if e := wantCode(t, err, slate.EFORBIDDEN); e.MissingPermission != slate.PermUseCredits {
				t.Fatalf("%s by run_ai: missing %s", a, e.MissingPermission)
			}
			_, err = db.BatchAction(actx, b.ID, a)
			wantCode(t, err, slate.EFORBIDDEN)
			_, err = db.SelectionAction(actx, k.o.Project.ID, slate.Selection{All: true}, a)
			wantCode(t, err, slate.EFORBIDDEN)
		}
		k.wantJob(jobs[0].ID, slate.JobAwaitingApproval, 0, 0)

		// Approving holds and queues; the hold counts against the submitter.
		j := k.action(pctx, jobs[0].ID, slate.ActionApprove)
		if j.State != slate.JobQueued || j.CostHeld != 4 {
			t.Fatalf("approved = %+v", j)
		}
		k.want(33_000, 0, 0, 4)
		if got := k.jobEntries(j.ID); len(got) != 1 || got[0] != "hold 4" {
			t.Fatalf("entries = %v", got)
		}
		mine := k.entries(slate.TransactionFilter{MemberID: artist.ID, Kind: slate.EntryHold})
		if len(mine) != 1 || mine[0].JobID != j.ID {
			t.Fatalf("the artist's holds = %+v", mine)
		}
		// Rejecting cancels with the reason and touches no credit.
		j = k.action(pctx, jobs[1].ID, slate.ActionReject)
		if j.State != slate.JobCanceled || j.Error == nil || j.Error.Code != slate.JobErrRejected || j.CostHeld != 0 || j.CostCharged != 0 {
			t.Fatalf("rejected = %+v", j)
		}
		if got := k.jobEntries(j.ID); len(got) != 0 {
			t.Fatalf("entries of a rejected job = %v", got)
		}
		// The submitter may cancel their own waiting work.
		k.action(actx, jobs[2].ID, slate.ActionCancel)
		k.wantJob(jobs[2].ID, slate.JobCanceled, 0, 0)
		// Approving what is not waiting is a conflict and changes nothing.
		for _, id := range []string{jobs[0].ID, jobs[1].ID} {
			before := k.snap()
			_, err := db.JobAction(pctx, id, slate.ActionApprove)
			wantCode(t, err, slate.ECONFLICT)
			_, err = db.JobAction(pctx, id, slate.ActionReject)
			wantCode(t, err, slate.ECONFLICT)
			k.unchanged("approving a job not waiting", before)
		}
		// Approving the batch approves only what waits.
		res, err := db.BatchAction(pctx, b.ID, slate.ActionApprove)
		if err != nil || len(res.Changed) != 1 || res.Changed[0].ID != jobs[3].ID || res.Skipped != 3 {
			t.Fatalf("batch approve = %+v, %v", res, err)
		}
		k.wantJob(jobs[3].ID, slate.JobQueued, 4, 0)
		k.want(33_000, 0, 0, 8)
		// Approved work runs and is charged once.
		for range 2 {
			k.finish(k.mustClaim("w"))
		}
		k.wantJob(jobs[0].ID, slate.JobSucceeded, 0, 4)
		k.wantJob(jobs[3].ID, slate.JobSucceeded, 0, 4)
		k.want(33_000-8, 0, 0, 0)
		k.audit()
	})
}

// Approving work that no longer fits is refused with 402 and leaves it
// waiting.
func TestQueueApproveInsufficient(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "free", 3, 4_000) // 800 credits; 4 a shot
		_, actx := k.member("artist", slate.PermRunAI)
		b, err := env.DB.Submit(actx, k.o.Project.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
		if err != nil {
			t.Fatal(err)
		}
		k.spend("elsewhere", 790) // 10 left: two jobs fit, not three
		before := k.snap()
		_, err = env.DB.BatchAction(k.o.Ctx, b.ID, slate.ActionApprove)
		if e := wantCode(t, err, slate.ECREDITS); e.Shortfall != 2 {
			t.Fatalf("402 = %+v", e)
		}
		k.unchanged("a refused approval", before)
		for _, j := range b.Items {
			k.wantJob(j.ID, slate.JobAwaitingApproval, 0, 0)
		}
		// One at a time, two fit.
		k.action(k.o.Ctx, b.Items[0].ID, slate.ActionApprove)
		k.action(k.o.Ctx, b.Items[1].ID, slate.ActionApprove)
		_, err = env.DB.JobAction(k.o.Ctx, b.Items[2].ID, slate.ActionApprove)
		wantCode(t, err, slate.ECREDITS)
		k.wantJob(b.Items[2].ID, slate.JobAwaitingApproval, 0, 0)
		k.want(10, 0, 0, 8)
		k.audit()
	})
}

// Work by a member who may spend waits for approval when it would cross the
// project's budget or the member's monthly limit; approving it then queues
// it past the limit.
func TestQueueApprovalForBudgets(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "standard", 3, 4_000)
		db := env.DB
		spender, sctx := k.member("spender", slate.PermRunAI, slate.PermUseCredits)
		all := &slate.Selection{All: true}
		one := func(i int) *slate.Selection { return &slate.Selection{Shots: []string{k.shots[i].ID}} }
		submit := func(ctx context.Context, sel *slate.Selection) *slate.Batch {
			t.Helper()
			b, err := db.Submit(ctx, k.o.Project.ID, slate.BatchInput{Selection: sel})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		wantStates := func(b *slate.Batch, state slate.JobState, held int64) {
			t.Helper()
			if b.States[state] != b.Jobs || b.Held != held {
				t.Fatalf("batch = %+v; want every job %s, %d held", b, state, held)
			}
		}

		// The member limit: 10 a month; 12 crosses it.
		if _, err := db.SetBudget(k.o.Ctx, k.o.Org.ID, slate.Budget{MemberMonthlyLimit: ptr(int64(10))}); err != nil {
			t.Fatal(err)
		}
		b := submit(sctx, one(0)) // 4: fits
		wantStates(b, slate.JobQueued, 4)
		before := k.snap()
		b = submit(sctx, all) // 4 + 12 > 10: waits, unheld
		wantStates(b, slate.JobAwaitingApproval, 0)
		if after := k.snap(); after.balance != before.balance || after.entries != before.entries || after.holds != before.holds {
			t.Fatalf("work waiting for approval held credits: %+v → %+v", before, after)
		}
		// Approving queues it all past the limit, counted against the spender.
		res, err := db.BatchAction(k.o.Ctx, b.ID, slate.ActionApprove)
		if err != nil || len(res.Changed) != 3 {
			t.Fatalf("approve = %+v, %v", res, err)
		}
		k.want(33_000, 0, 0, 16)
		if hs := k.entries(slate.TransactionFilter{MemberID: spender.ID, Kind: slate.EntryHold}); len(hs) != 4 {
			t.Fatalf("the spender's holds = %d, want 4", len(hs))
		}
		// The owner has no limit of their own set... but the default
		// applies to them too: 12 crosses 10.
		b = submit(k.o.Ctx, all)
		wantStates(b, slate.JobAwaitingApproval, 0)
		k.want(33_000, 0, 0, 16)
		if _, err := db.SetBudget(k.o.Ctx, k.o.Org.ID, slate.Budget{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.BatchAction(k.o.Ctx, b.ID, slate.ActionCancel); err != nil {
			t.Fatal(err)
		}

		// The project budget: 30, of which 16 is held.
		if _, err := db.SetProjectBudget(k.o.Ctx, k.o.Project.ID, ptr(int64(30))); err != nil {
			t.Fatal(err)
		}
		b = submit(k.o.Ctx, all) // 16 + 12 = 28: fits
		wantStates(b, slate.JobQueued, 12)
		b = submit(k.o.Ctx, all) // 28 + 12 > 30: waits
		wantStates(b, slate.JobAwaitingApproval, 0)
		k.want(33_000, 0, 0, 28)
		j := k.action(k.o.Ctx, b.Items[0].ID, slate.ActionApprove)
		if j.State != slate.JobQueued || j.CostHeld != 4 {
			t.Fatalf("approved = %+v", j)
		}
		if _, err := db.SelectionAction(k.o.Ctx, k.o.Project.ID, slate.Selection{All: true}, slate.ActionApprove); err != nil {
			t.Fatal(err)
		}
		got, err := db.Batch(k.o.Ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantStates(got, slate.JobQueued, 12)
		k.want(33_000, 0, 0, 40)
		pb, err := db.ProjectBudget(k.o.Ctx, k.o.Project.ID)
		if err != nil || pb.Spent != 40 {
			t.Fatalf("project budget = %+v, %v", pb, err)
		}
		k.audit()
	})
}

// A retry is a new hold: refused with 402 when it does not fit, and waiting
// for approval when it would cross a budget, like a submission.
func TestQueueRetryAgainstLimits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "free", 3, 4_000) // 800 credits, 4 a shot
		b := k.submit(slate.BatchInput{})
		failed := k.fail(k.mustClaim("w"), slate.JobErrEngineTimeout)
		k.finish(k.mustClaim("w"))
		k.action(k.o.Ctx, b.Items[2].ID, slate.ActionCancel)
		k.want(796, 0, 0, 0)

		// Crossing the member limit: the retry waits for approval, unheld.
		if _, err := env.DB.SetBudget(k.o.Ctx, k.o.Org.ID, slate.Budget{MemberMonthlyLimit: ptr(int64(5))}); err != nil {
			t.Fatal(err)
		}
		j, err := env.DB.JobAction(k.o.Ctx, failed.ID, slate.ActionRetry)
		if err != nil || j.State != slate.JobAwaitingApproval || j.CostHeld != 0 {
			t.Fatalf("retry over the member limit = %+v, %v", j, err)
		}
		res, err := env.DB.BatchAction(k.o.Ctx, b.ID, slate.ActionRetry)
		if err != nil || len(res.Changed) != 1 || res.Changed[0].State != slate.JobAwaitingApproval {
			t.Fatalf("batch retry over the member limit = %+v, %v", res, err)
		}
		k.want(796, 0, 0, 0)
		k.action(k.o.Ctx, failed.ID, slate.ActionApprove)
		k.wantJob(failed.ID, slate.JobQueued, 4, 0)
		k.action(k.o.Ctx, failed.ID, slate.ActionCancel)
		k.action(k.o.Ctx, b.Items[2].ID, slate.ActionReject)
		if _, err := env.DB.SetBudget(k.o.Ctx, k.o.Org.ID, slate.Budget{}); err != nil {
			t.Fatal(err)
		}

		// Not enough credits: 402, and the job stays as it was.
		k.adjust("drain", -794, 0, 0) // 2 left
		before := k.snap()
		_, err = env.DB.JobAction(k.o.Ctx, failed.ID, slate.ActionRetry)
		if e := wantCode(t, err, slate.ECREDITS); e.Shortfall != 2 {
			t.Fatalf("402 = %+v", e)
		}
		_, err = env.DB.BatchAction(k.o.Ctx, b.ID, slate.ActionRetry)
		wantCode(t, err, slate.ECREDITS)
		k.unchanged("a retry that does not fit", before)
		k.wantJob(failed.ID, slate.JobCanceled, 0, 0)
		k.audit()
	})
}
