package queue

import "slate"

// A running job of a hosted engine has a sub-state: before its provider
// accepted the request, and after (submitted, with the provider's request
// id saved). The difference is money: a job taken over after submission
// must be resumed, never submitted again, or the provider is paid twice.

// Submit is the worker reporting that the provider accepted the job's
// request. It moves no state; it is allowed only while a worker holds the
// job, and once per attempt.
const Submit Event = "submit"

// Work is what a worker that has just claimed a job does with it.
type Work int

const (
	// SubmitWork sends the job to its engine from the start.
	SubmitWork Work = iota
	// ResumeWork follows the request a previous worker had accepted.
	ResumeWork
)

// WorkOf is what a worker does with a job it claimed: resume the provider
// request the job already has, or submit a new one.
func WorkOf(hasRequest bool) Work {
	if hasRequest {
		return ResumeWork
	}
	return SubmitWork
}

// CanSubmit says whether a job in state s, with or without a saved
// request, may record its provider's acceptance now. A job asked to stop
// still records it, so the cancel reaches the provider.
func CanSubmit(s slate.JobState, hasRequest bool) error {
	if hasRequest {
		return slate.Errorf(slate.ECONFLICT, "the job's request was already accepted by its provider")
	}
	if s != slate.JobRunning && s != slate.JobCancelRequested {
		return slate.Errorf(slate.ECONFLICT, "cannot %s a job that is %s", Submit, s)
	}
	return nil
}

// KeepsRequest says whether a job keeps its provider request across ev. A
// lapsed lease keeps it, so the next worker resumes the paid-for render; a
// member's retry or resubmission asks for a new render and forgets it.
func KeepsRequest(ev Event) bool {
	return ev != Retry && ev != Resubmit
}
