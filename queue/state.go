// Package queue holds the render queue's pure rules: the job state machine,
// what each move does to credits and to an organisation's lane, and the
// order in which workers are handed work. It does no I/O; the store applies
// its answers inside the transaction that changes the job.
package queue

import (
	"fmt"
	"slices"

	"slate"
)

// Event is something that happens to a job: a member's action, a worker's
// report, or a lease lapsing.
type Event string

// Events.
const (
	Approve Event = "approve"
	Reject  Event = "reject"
	Pause   Event = "pause"
	Resume  Event = "resume"
	Cancel  Event = "cancel"
	// Claim hands the job to a worker.
	Claim   Event = "claim"
	Succeed Event = "succeed"
	Fail    Event = "fail"
	// Stop is a worker saying it stopped a job whose cancel was requested.
	Stop Event = "stop"
	// Lapse is a lease running out with attempts left; Exhaust is one
	// running out on the last attempt.
	Lapse   Event = "lapse"
	Exhaust Event = "exhaust"
	// Retry puts a failed or cancelled job back in the queue; Resubmit puts
	// it back to wait for approval, when whoever retries may not spend.
	Retry    Event = "retry"
	Resubmit Event = "resubmit"
)

type move struct {
	from slate.JobState
	on   Event
}

// machine is every allowed move. Anything not here is refused.
var machine = map[move]slate.JobState{
	{slate.JobAwaitingApproval, Approve}: slate.JobQueued,
	{slate.JobAwaitingApproval, Reject}:  slate.JobCanceled,
	{slate.JobAwaitingApproval, Cancel}:  slate.JobCanceled,

	{slate.JobQueued, Pause}:  slate.JobPaused,
	{slate.JobQueued, Cancel}: slate.JobCanceled,
	{slate.JobQueued, Claim}:  slate.JobRunning,

	{slate.JobPaused, Resume}: slate.JobQueued,
	{slate.JobPaused, Cancel}: slate.JobCanceled,

	{slate.JobRunning, Cancel}:  slate.JobCancelRequested,
	{slate.JobRunning, Succeed}: slate.JobSucceeded,
	{slate.JobRunning, Fail}:    slate.JobFailed,
	{slate.JobRunning, Lapse}:   slate.JobQueued,
	{slate.JobRunning, Exhaust}: slate.JobFailed,

	// A job asked to stop ends cancelled whichever way its worker ends it,
	// except that finished work is kept: it was paid for by the hold.
	{slate.JobCancelRequested, Stop}:    slate.JobCanceled,
	{slate.JobCancelRequested, Fail}:    slate.JobCanceled,
	{slate.JobCancelRequested, Lapse}:   slate.JobCanceled,
	{slate.JobCancelRequested, Exhaust}: slate.JobCanceled,
	{slate.JobCancelRequested, Succeed}: slate.JobSucceeded,

	{slate.JobFailed, Retry}:      slate.JobQueued,
	{slate.JobFailed, Resubmit}:   slate.JobAwaitingApproval,
	{slate.JobCanceled, Retry}:    slate.JobQueued,
	{slate.JobCanceled, Resubmit}: slate.JobAwaitingApproval,
}

// Next is the state a job in from moves to on ev, or a conflict naming why
// it cannot.
func Next(from slate.JobState, ev Event) (slate.JobState, error) {
	if to, ok := machine[move{from, ev}]; ok {
		return to, nil
	}
	if !slices.Contains(slate.JobStates, from) {
		return "", fmt.Errorf("queue: unknown job state %q", from)
	}
	return "", slate.Errorf(slate.ECONFLICT, "cannot %s a job that is %s", ev, from)
}

// Allowed reports whether ev applies to a job in state from.
func Allowed(from slate.JobState, ev Event) bool {
	_, ok := machine[move{from, ev}]
	return ok
}

// AfterLapse is the event a lapsed lease is, given how many times the job
// has started.
func AfterLapse(attempts int) Event {
	if attempts >= slate.MaxAttempts {
		return Exhaust
	}
	return Lapse
}

// Holds reports whether a job in state s has credits held for it. A job
// waiting for approval has none yet; a finished one has none any more.
func Holds(s slate.JobState) bool {
	switch s {
	case slate.JobQueued, slate.JobPaused, slate.JobRunning, slate.JobCancelRequested:
		return true
	}
	return false
}

// Credit is what a move does to the job's credits.
type Credit int

// Credit effects of a move.
const (
	CreditNone Credit = iota
	// CreditHold places a hold for the job's cost.
	CreditHold
	// CreditCharge charges the job's cost and releases the rest of its hold.
	CreditCharge
	// CreditRelease releases the hold, or charges the part of it the
	// engine bills for work stopped midway.
	CreditRelease
)

// CreditOf is what moving from one state to another does to credits.
func CreditOf(from, to slate.JobState) Credit {
	switch {
	case !Holds(from) && Holds(to):
		return CreditHold
	case Holds(from) && to == slate.JobSucceeded:
		return CreditCharge
	case Holds(from) && !Holds(to):
		return CreditRelease
	}
	return CreditNone
}

// LaneDelta is how a move changes the organisation's counts of queued and
// running jobs, which the claim reads instead of counting jobs.
func LaneDelta(from, to slate.JobState) (queued, running int64) {
	count := func(s slate.JobState) (int64, int64) {
		switch s {
		case slate.JobQueued:
			return 1, 0
		case slate.JobRunning, slate.JobCancelRequested:
			return 0, 1
		}
		return 0, 0
	}
	fq, fr := count(from)
	tq, tr := count(to)
	return tq - fq, tr - fr
}

// PartialCharge is what a job stopped at progress percent costs when its
// engine bills partial work: that share of its cost, rounded up, so the
// engine's bill is never under-recovered, and never more than the cost.
func PartialCharge(cost int64, progress int) int64 {
	p := int64(min(max(progress, 0), 100))
	if cost <= 0 || p == 0 {
		return 0
	}
	// cost ≤ the hold, which fits int64; dividing first keeps cost×100 from
	// overflowing for huge costs.
	whole, rest := cost/100*p, cost%100*p
	return whole + (rest+99)/100
}
