package queue_test

import (
	"testing"

	"slate"
	"slate/queue"
)

func TestWorkOf(t *testing.T) {
	t.Parallel()
	if got := queue.WorkOf(false); got != queue.SubmitWork {
		t.Errorf("WorkOf(no request) = %v, want SubmitWork", got)
	}
	if got := queue.WorkOf(true); got != queue.ResumeWork {
		t.Errorf("WorkOf(request) = %v, want ResumeWork", got)
	}
}

func TestCanSubmit(t *testing.T) {
	t.Parallel()
	for _, s := range slate.JobStates {
		for _, has := range []bool{false, true} {
			err := queue.CanSubmit(s, has)
			want := !has && (s == slate.JobRunning || s == slate.JobCancelRequested)
			if (err == nil) != want {
				t.Errorf("CanSubmit(%s, request %v) = %v, want allowed %v", s, has, err, want)
			}
			if err != nil && slate.ErrorCode(err) != slate.ECONFLICT {
				t.Errorf("CanSubmit(%s, %v): code %s, want conflict", s, has, slate.ErrorCode(err))
			}
		}
	}
}

// A request lives through every move but a member's new render: a lapse
// and a cancel keep it (the next worker resumes it or cancels it at the
// provider); a retry of a failed or cancelled job starts over.
func TestKeepsRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ev   queue.Event
		keep bool
	}{
		{queue.Lapse, true}, {queue.Exhaust, true}, {queue.Cancel, true}, {queue.Stop, true},
		{queue.Fail, true}, {queue.Succeed, true}, {queue.Claim, true}, {queue.Pause, true},
		{queue.Retry, false}, {queue.Resubmit, false},
	} {
		if got := queue.KeepsRequest(tc.ev); got != tc.keep {
			t.Errorf("KeepsRequest(%s) = %v, want %v", tc.ev, got, tc.keep)
		}
	}
}

// The life of a hosted job, move by move, with the sub-state: claimed,
// submitted, lease lapsed (the request kept), claimed again and resumed,
// then each way it can end.
func TestHostedJobLife(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		end   queue.Event
		state slate.JobState
	}{
		{"succeeds", queue.Succeed, slate.JobSucceeded},
		{"provider refuses the prompt", queue.Fail, slate.JobFailed},
		{"lease runs out on the last attempt", queue.Exhaust, slate.JobFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, has := slate.JobQueued, false
			step := func(ev queue.Event) {
				t.Helper()
				to, err := queue.Next(s, ev)
				if err != nil {
					t.Fatalf("%s from %s: %v", ev, s, err)
				}
				if !queue.KeepsRequest(ev) {
					has = false
				}
				s = to
			}
			step(queue.Claim)
			if queue.WorkOf(has) != queue.SubmitWork {
				t.Fatal("a fresh claim should submit")
			}
			if err := queue.CanSubmit(s, has); err != nil {
				t.Fatal(err)
			}
			has = true
			if err := queue.CanSubmit(s, has); err == nil {
				t.Fatal("a second submission of one attempt was allowed")
			}
			step(queue.Lapse)
			step(queue.Claim)
			if queue.WorkOf(has) != queue.ResumeWork {
				t.Fatal("a job claimed after its request was accepted must be resumed, not submitted again")
			}
			step(tc.end)
			if s != tc.state {
				t.Fatalf("ended %s, want %s", s, tc.state)
			}
			if tc.state == slate.JobFailed {
				step(queue.Retry)
				if has || queue.WorkOf(has) != queue.SubmitWork {
					t.Fatal("a retried job must submit a new request")
				}
			}
		})
	}
}

// Cancelling a submitted job keeps the request until it ends, so the
// worker (or the next one) can cancel it at the provider.
func TestHostedJobCancel(t *testing.T) {
	t.Parallel()
	s, err := queue.Next(slate.JobRunning, queue.Cancel)
	if err != nil || s != slate.JobCancelRequested {
		t.Fatalf("cancel a running job: %s, %v", s, err)
	}
	if err := queue.CanSubmit(s, false); err != nil {
		t.Errorf("a job asked to stop must still record its request, so the cancel reaches the provider: %v", err)
	}
	if !queue.KeepsRequest(queue.Cancel) || !queue.KeepsRequest(queue.Lapse) {
		t.Error("cancel or lapse dropped the request")
	}
	for _, ev := range []queue.Event{queue.Stop, queue.Fail, queue.Lapse} {
		if to, err := queue.Next(s, ev); err != nil || to != slate.JobCanceled {
			t.Errorf("%s of a job asked to stop: %s, %v; want canceled", ev, to, err)
		}
	}
}
