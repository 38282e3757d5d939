package web

import (
	"slices"
	"testing"

	"slate"
)

func TestJobActions(t *testing.T) {
	t.Parallel()
	all := Can{RunAI: true, UseCredits: true}
	steer := Can{RunAI: true}
	spend := Can{UseCredits: true}
	A := func(as ...slate.JobAction) []slate.JobAction { return as }
	tests := []struct {
		name    string
		state   slate.JobState
		charged int64
		can     Can
		want    []slate.JobAction
	}{
		{"awaiting, may do all", slate.JobAwaitingApproval, 0, all,
			A(slate.ActionApprove, slate.ActionReject, slate.ActionCancel)},
		{"awaiting, may only steer", slate.JobAwaitingApproval, 0, steer, A(slate.ActionCancel)},
		{"awaiting, may only spend", slate.JobAwaitingApproval, 0, spend, A(slate.ActionApprove, slate.ActionReject)},
		{"queued", slate.JobQueued, 0, all, A(slate.ActionPause, slate.ActionCancel)},
		{"paused", slate.JobPaused, 0, all, A(slate.ActionResume, slate.ActionCancel)},
		{"running", slate.JobRunning, 0, all, A(slate.ActionCancel)},
		{"stopping", slate.JobCancelRequested, 0, all, nil},
		{"succeeded", slate.JobSucceeded, 10, all, nil},
		{"failed", slate.JobFailed, 0, all, A(slate.ActionRetry)},
		{"failed, retry resubmits without use_credits", slate.JobFailed, 0, steer, A(slate.ActionRetry)},
		{"cancelled", slate.JobCanceled, 0, all, A(slate.ActionRetry)},
		{"cancelled after a partial charge", slate.JobCanceled, 3, all, nil},
		{"read only", slate.JobQueued, 0, Can{Modify: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := jobActions(tt.state, tt.charged, tt.can); !slices.Equal(got, tt.want) {
				t.Errorf("jobActions(%s, %d, %+v) = %v, want %v", tt.state, tt.charged, tt.can, got, tt.want)
			}
		})
	}
}

func TestBatchActions(t *testing.T) {
	t.Parallel()
	all := Can{RunAI: true, UseCredits: true}
	A := func(as ...slate.JobAction) []slate.JobAction { return as }
	tests := []struct {
		name   string
		states map[slate.JobState]int
		can    Can
		want   []slate.JobAction
	}{
		{"mixed", map[slate.JobState]int{slate.JobQueued: 2, slate.JobPaused: 1, slate.JobFailed: 1}, all,
			A(slate.ActionPause, slate.ActionResume, slate.ActionRetry, slate.ActionCancel)},
		{"finished", map[slate.JobState]int{slate.JobSucceeded: 3}, all, nil},
		{"zero counts do not count", map[slate.JobState]int{slate.JobQueued: 0, slate.JobSucceeded: 1}, all, nil},
		{"awaiting, may only spend", map[slate.JobState]int{slate.JobAwaitingApproval: 2}, Can{UseCredits: true},
			A(slate.ActionApprove, slate.ActionReject)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := batchActions(tt.states, tt.can); !slices.Equal(got, tt.want) {
				t.Errorf("batchActions(%v) = %v, want %v", tt.states, got, tt.want)
			}
		})
	}
}
