package web

import (
	"strings"

	"slate"
	"slate/queue"
)

// The queue's controls follow the job state machine and the member's
// permissions, so a page never offers what the API would refuse.

// stateLabel is a state as people read it.
func stateLabel(st slate.JobState) string { return strings.ReplaceAll(string(st), "_", " ") }

// ActionButton is an action button: its label leads the accessible name.
type ActionButton struct {
	Action slate.JobAction
	Label  string
	Class  string
}

// memberActions are the state actions a member may take, in button order,
// with the state machine's event each is and whether the API checks
// use_credits (deciding to spend) rather than run_ai (steering the queue).
var memberActions = []struct {
	action  slate.JobAction
	event   queue.Event
	label   string
	credits bool
	class   string
}{
	{slate.ActionApprove, queue.Approve, "Approve", true, "primary"},
	{slate.ActionReject, queue.Reject, "Reject", true, "danger"},
	{slate.ActionPause, queue.Pause, "Pause", false, ""},
	{slate.ActionResume, queue.Resume, "Resume", false, ""},
	{slate.ActionRetry, queue.Retry, "Retry", false, ""},
	{slate.ActionCancel, queue.Cancel, "Cancel", false, "danger"},
}

func permitted(credits bool, can Can) bool {
	if credits {
		return can.UseCredits
	}
	return can.RunAI
}

// jobActions are the actions a member with can may take on a job in state
// st. A retry by someone who may not spend is a resubmission, allowed from
// the same states; a job charged for work stopped midway cannot be retried
// (the store refuses it), so neither is offered.
func jobActions(st slate.JobState, charged int64, can Can) []slate.JobAction {
	var out []slate.JobAction
	for _, a := range memberActions {
		if !permitted(a.credits, can) || !queue.Allowed(st, a.event) {
			continue
		}
		if a.action == slate.ActionRetry && charged > 0 {
			continue
		}
		out = append(out, a.action)
	}
	return out
}

// batchActions are the actions that apply to at least one job of a batch
// with these state counts; the API skips the jobs they do not apply to.
func batchActions(states map[slate.JobState]int, can Can) []slate.JobAction {
	var out []slate.JobAction
	for _, a := range memberActions {
		if !permitted(a.credits, can) {
			continue
		}
		for st, n := range states {
			if n > 0 && queue.Allowed(st, a.event) {
				out = append(out, a.action)
				break
			}
		}
	}
	return out
}

// reorderable reports whether a job's priority still decides anything: it
// orders only work waiting to start.
func reorderable(st slate.JobState) bool {
	return st == slate.JobAwaitingApproval || st == slate.JobQueued || st == slate.JobPaused
}

func buttons(actions []slate.JobAction) []ActionButton {
	out := make([]ActionButton, 0, len(actions))
	for _, a := range actions {
		for _, m := range memberActions {
			if m.action == a {
				out = append(out, ActionButton{Action: a, Label: m.label, Class: m.class})
			}
		}
	}
	return out
}
