package queue_test

import (
	"testing"

	"slate"
	"slate/queue"
)

var allEvents = []queue.Event{queue.Approve, queue.Reject, queue.Pause, queue.Resume, queue.Cancel, queue.Claim,
	queue.Succeed, queue.Fail, queue.Stop, queue.Lapse, queue.Exhaust, queue.Retry, queue.Resubmit}

// allowed is the state machine written out by hand from the spec: every
// move not listed must be refused.
var allowed = map[slate.JobState]map[queue.Event]slate.JobState{
	slate.JobAwaitingApproval: {queue.Approve: slate.JobQueued, queue.Reject: slate.JobCanceled, queue.Cancel: slate.JobCanceled},
	slate.JobQueued:           {queue.Pause: slate.JobPaused, queue.Cancel: slate.JobCanceled, queue.Claim: slate.JobRunning},
	slate.JobPaused:           {queue.Resume: slate.JobQueued, queue.Cancel: slate.JobCanceled},
	slate.JobRunning: {queue.Cancel: slate.JobCancelRequested, queue.Succeed: slate.JobSucceeded,
		queue.Fail: slate.JobFailed, queue.Lapse: slate.JobQueued, queue.Exhaust: slate.JobFailed},
	slate.JobCancelRequested: {queue.Stop: slate.JobCanceled, queue.Fail: slate.JobCanceled, queue.Lapse: slate.JobCanceled,
		queue.Exhaust: slate.JobCanceled, queue.Succeed: slate.JobSucceeded},
	slate.JobSucceeded: {},
	slate.JobFailed:    {queue.Retry: slate.JobQueued, queue.Resubmit: slate.JobAwaitingApproval},
	slate.JobCanceled:  {queue.Retry: slate.JobQueued, queue.Resubmit: slate.JobAwaitingApproval},
}

func TestNextEveryStateAndEvent(t *testing.T) {
	t.Parallel()
	if len(allowed) != len(slate.JobStates) {
		t.Fatalf("table covers %d states, the domain has %d", len(allowed), len(slate.JobStates))
	}
	for _, from := range slate.JobStates {
		for _, ev := range allEvents {
			want, ok := allowed[from][ev]
			t.Run(string(from)+"/"+string(ev), func(t *testing.T) {
				t.Parallel()
				got, err := queue.Next(from, ev)
				if ok {
					if err != nil || got != want {
						t.Fatalf("Next(%s, %s) = %q, %v; want %q", from, ev, got, err, want)
					}
					if !queue.Allowed(from, ev) {
						t.Fatalf("Allowed(%s, %s) = false", from, ev)
					}
					return
				}
				if slate.ErrorCode(err) != slate.ECONFLICT {
					t.Fatalf("Next(%s, %s) = %q, %v; want a conflict", from, ev, got, err)
				}
				if queue.Allowed(from, ev) {
					t.Fatalf("Allowed(%s, %s) = true", from, ev)
				}
			})
		}
	}
}

func TestNextUnknownStateIsABug(t *testing.T) {
	t.Parallel()
	_, err := queue.Next("exploded", queue.Cancel)
	if err == nil || slate.ErrorCode(err) == slate.ECONFLICT {
		t.Fatalf("unknown state gave %v; want an internal error, not a client's conflict", err)
	}
}

func TestFinishedStatesOnlyRetry(t *testing.T) {
	t.Parallel()
	for _, s := range slate.JobStates {
		if !s.Finished() {
			continue
		}
		for _, ev := range allEvents {
			if queue.Allowed(s, ev) && ev != queue.Retry && ev != queue.Resubmit {
				t.Errorf("finished state %s allows %s", s, ev)
			}
		}
	}
}

func TestAfterLapse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attempts int
		want     queue.Event
	}{{1, queue.Lapse}, {2, queue.Lapse}, {3, queue.Exhaust}, {4, queue.Exhaust}} {
		if got := queue.AfterLapse(tc.attempts); got != tc.want {
			t.Errorf("AfterLapse(%d) = %s, want %s", tc.attempts, got, tc.want)
		}
	}
}

func TestCreditOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to slate.JobState
		want     queue.Credit
	}{
		{slate.JobAwaitingApproval, slate.JobQueued, queue.CreditHold},
		{slate.JobAwaitingApproval, slate.JobCanceled, queue.CreditNone},
		{slate.JobQueued, slate.JobPaused, queue.CreditNone},
		{slate.JobQueued, slate.JobRunning, queue.CreditNone},
		{slate.JobQueued, slate.JobCanceled, queue.CreditRelease},
		{slate.JobPaused, slate.JobCanceled, queue.CreditRelease},
		{slate.JobRunning, slate.JobQueued, queue.CreditNone},
		{slate.JobRunning, slate.JobCancelRequested, queue.CreditNone},
		{slate.JobRunning, slate.JobSucceeded, queue.CreditCharge},
		{slate.JobRunning, slate.JobFailed, queue.CreditRelease},
		{slate.JobCancelRequested, slate.JobCanceled, queue.CreditRelease},
		{slate.JobCancelRequested, slate.JobSucceeded, queue.CreditCharge},
		{slate.JobFailed, slate.JobQueued, queue.CreditHold},
		{slate.JobFailed, slate.JobAwaitingApproval, queue.CreditNone},
		{slate.JobCanceled, slate.JobQueued, queue.CreditHold},
	} {
		if got := queue.CreditOf(tc.from, tc.to); got != tc.want {
			t.Errorf("CreditOf(%s, %s) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestLaneDelta(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to        slate.JobState
		queued, running int64
	}{
		{slate.JobAwaitingApproval, slate.JobQueued, 1, 0},
		{slate.JobQueued, slate.JobRunning, -1, 1},
		{slate.JobQueued, slate.JobPaused, -1, 0},
		{slate.JobPaused, slate.JobQueued, 1, 0},
		{slate.JobRunning, slate.JobCancelRequested, 0, 0},
		{slate.JobCancelRequested, slate.JobCanceled, 0, -1},
		{slate.JobRunning, slate.JobQueued, 1, -1},
		{slate.JobRunning, slate.JobSucceeded, 0, -1},
		{slate.JobFailed, slate.JobQueued, 1, 0},
		{slate.JobAwaitingApproval, slate.JobCanceled, 0, 0},
	} {
		q, r := queue.LaneDelta(tc.from, tc.to)
		if q != tc.queued || r != tc.running {
			t.Errorf("LaneDelta(%s, %s) = %d, %d; want %d, %d", tc.from, tc.to, q, r, tc.queued, tc.running)
		}
	}
}

func TestPartialCharge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cost     int64
		progress int
		want     int64
	}{
		{100, 0, 0}, {100, 50, 50}, {100, 100, 100}, {10, 33, 4}, {10, 1, 1}, {3, 50, 2},
		{100, -5, 0}, {100, 150, 100}, {0, 50, 0},
		{1 << 62, 50, 1 << 61}, {1<<63 - 1, 100, 1<<63 - 1},
	} {
		if got := queue.PartialCharge(tc.cost, tc.progress); got != tc.want {
			t.Errorf("PartialCharge(%d, %d) = %d, want %d", tc.cost, tc.progress, got, tc.want)
		}
	}
}
