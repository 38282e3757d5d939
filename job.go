package slate

import (
	"context"
	"time"
)

// JobState is where a render job is in its life. The allowed moves between
// states are the queue package's state machine.
type JobState string

// Job states, from the spec.
const (
	JobAwaitingApproval JobState = "awaiting_approval"
	JobQueued           JobState = "queued"
	JobPaused           JobState = "paused"
	JobRunning          JobState = "running"
	JobCancelRequested  JobState = "cancel_requested"
	JobSucceeded        JobState = "succeeded"
	JobFailed           JobState = "failed"
	JobCanceled         JobState = "canceled"
)

// JobStates lists every state, for validating filters.
var JobStates = []JobState{JobAwaitingApproval, JobQueued, JobPaused, JobRunning, JobCancelRequested,
	JobSucceeded, JobFailed, JobCanceled}

// Finished reports whether a job in state s can change no more, except by
// a retry of a failed one.
func (s JobState) Finished() bool {
	return s == JobSucceeded || s == JobFailed || s == JobCanceled
}

// Priority bounds and default.
const (
	MinPriority     = 0
	MaxPriority     = 100
	DefaultPriority = 50
)

// MaxAttempts is how many times a job may start before a lapsed lease fails
// it for good.
const MaxAttempts = 3

// Job error codes: why a job failed, for people and scripts.
const (
	JobErrEngineTimeout     = "engine_timeout"
	JobErrPromptRejected    = "prompt_rejected"
	JobErrEngineUnavailable = "engine_unavailable"
	JobErrEngineFailed      = "engine_failed"
	JobErrLeaseLost         = "lease_lost"
	JobErrRejected          = "rejected"
	JobErrDeleted           = "deleted"
	JobErrInsufficient      = "insufficient_credits"
	// A hosted provider refused the request as malformed, or because the
	// account is out of quota or credit with the provider.
	JobErrInvalidRequest = "invalid_request"
	JobErrQuotaExceeded  = "quota_exceeded"
)

// JobError says why a job failed or was refused.
type JobError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Job renders one shot with one engine at one tier.
type Job struct {
	ID          string     `json:"id"`
	OrgID       string     `json:"org_id"`
	ProjectID   string     `json:"project_id"`
	BatchID     string     `json:"batch_id"`
	ShotID      string     `json:"shot_id"`
	ShotName    string     `json:"shot_name"`
	Engine      string     `json:"engine"`
	Tier        string     `json:"tier"`
	DurationMS  int64      `json:"duration_ms"`
	State       JobState   `json:"state"`
	Priority    int        `json:"priority"`
	Progress    int        `json:"progress"`
	ETA         *time.Time `json:"eta,omitempty"`
	Cost        int64      `json:"cost"`
	CostHeld    int64      `json:"cost_held"`
	CostCharged int64      `json:"cost_charged"`
	SubmittedBy string     `json:"submitted_by"`
	Error       *JobError  `json:"error,omitempty"`
	Attempts    int        `json:"attempts"`
	TakeID      string     `json:"take_id,omitempty"`
	// ProviderRequestID is the hosted provider's id for the job's request,
	// set once the provider accepted it (SubmittedAt); a worker that takes
	// the job over resumes that request rather than paying for another.
	ProviderRequestID string     `json:"provider_request_id,omitempty"`
	SubmittedAt       *time.Time `json:"submitted_at,omitempty"`
	// ExportID is set on a job that makes an export rather than a take.
	ExportID   string     `json:"export_id,omitempty"`
	WorkerID   string     `json:"worker_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Summarise fills a batch's totals from its Items: the estimate is every
// job's cost, progress the mean with finished jobs counting as done. The
// store totals whole batches this way, and the web app the jobs it shows.
func (b *Batch) Summarise() {
	b.Jobs, b.Estimate, b.Held, b.Spent = len(b.Items), 0, 0, 0
	b.States = map[JobState]int{}
	var progress int
	for _, j := range b.Items {
		b.States[j.State]++
		b.Estimate += j.Cost
		b.Held += j.CostHeld
		b.Spent += j.CostCharged
		if j.State.Finished() {
			progress += 100
		} else {
			progress += j.Progress
		}
	}
	b.Progress = 0
	if b.Jobs > 0 {
		b.Progress = progress / b.Jobs
	}
}

// BatchInput submits a selection for rendering: from a quote (its prices
// guaranteed while it is valid) or from a selection with an engine and tier.
type BatchInput struct {
	QuoteID   string     `json:"quote_id,omitempty" maxLength:"100"`
	Selection *Selection `json:"selection,omitempty"`
	Engine    string     `json:"engine,omitempty" maxLength:"40"`
	Tier      string     `json:"tier,omitempty" maxLength:"40"`
	Priority  *int       `json:"priority,omitempty" minimum:"0" maximum:"100"`
	// Partial queues as many jobs as fit, in priority then tree order,
	// instead of refusing the whole batch.
	Partial bool `json:"partial,omitempty"`
}

// Batch is the jobs submitted together from one selection.
type Batch struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"org_id"`
	ProjectID   string    `json:"project_id"`
	QuoteID     string    `json:"quote_id,omitempty"`
	Engine      string    `json:"engine,omitempty"`
	Tier        string    `json:"tier,omitempty"`
	Priority    int       `json:"priority"`
	SubmittedBy string    `json:"submitted_by"`
	CreatedAt   time.Time `json:"created_at"`
	// Estimate is the total cost of the batch's jobs; Held and Spent what is
	// held and charged now.
	Estimate int64 `json:"estimate"`
	Held     int64 `json:"held"`
	Spent    int64 `json:"spent"`
	// Progress is the mean progress of the jobs, finished ones counting 100.
	Progress int              `json:"progress"`
	Jobs     int              `json:"jobs"`
	States   map[JobState]int `json:"states"`
	// Skipped lists shots a partial submission left out because they did
	// not fit; only the submission's answer carries it.
	Skipped []string `json:"skipped,omitempty"`
	// Items are the batch's jobs, in tree order.
	Items []*Job `json:"items,omitempty"`
}

// JobFilter narrows the organisation's job list.
type JobFilter struct {
	State     JobState
	ProjectID string
	BatchID   string
	PageRequest
}

// JobAction is something a member does to a job, a batch or a selection.
type JobAction string

// Job actions.
const (
	ActionPause   JobAction = "pause"
	ActionResume  JobAction = "resume"
	ActionCancel  JobAction = "cancel"
	ActionRetry   JobAction = "retry"
	ActionApprove JobAction = "approve"
	ActionReject  JobAction = "reject"
	ActionTop     JobAction = "top"
)

// ActionResult is what an action on many jobs did: the jobs it changed, and
// how many it passed over because the action does not apply to their state.
type ActionResult struct {
	Changed []*Job `json:"changed"`
	Skipped int    `json:"skipped"`
}

// QueueService is the render queue as members use it.
type QueueService interface {
	// Submit queues a batch for a project: every job held, or none and a
	// 402, unless Partial. Work that needs approval waits for it unheld.
	Submit(ctx context.Context, projectID string, in BatchInput) (*Batch, error)
	Jobs(ctx context.Context, orgID string, f JobFilter) (*Page[*Job], error)
	Job(ctx context.Context, jobID string) (*Job, error)
	Batch(ctx context.Context, batchID string) (*Batch, error)
	SetPriority(ctx context.Context, jobID string, priority int) (*Job, error)
	JobAction(ctx context.Context, jobID string, a JobAction) (*Job, error)
	BatchAction(ctx context.Context, batchID string, a JobAction) (*ActionResult, error)
	SelectionAction(ctx context.Context, projectID string, sel Selection, a JobAction) (*ActionResult, error)
}

// Take is one finished render of a shot.
type Take struct {
	ID         string  `json:"id"`
	ShotID     string  `json:"shot_id"`
	ProjectID  string  `json:"project_id"`
	JobID      string  `json:"job_id,omitempty"`
	Engine     string  `json:"engine"`
	Tier       string  `json:"tier"`
	Width      int     `json:"width"`
	Height     int     `json:"height"`
	FrameRate  int     `json:"frame_rate"`
	DurationMS int64   `json:"duration_ms"`
	Cost       int64   `json:"cost"`
	Selected   bool    `json:"selected"`
	MediaKey   string  `json:"-"`
	MediaType  string  `json:"media_type"`
	Size       int64   `json:"size"`
	Streams    Streams `json:"streams"`
	// Provider is what the engine's provider made and billed of the take.
	Provider  TakeProvider `json:"provider"`
	CreatedAt time.Time    `json:"created_at"`
}

// TakeProvider is what rendering a take cost at its source: the model and
// request at a hosted provider, or the GPU time of a self-hosted engine.
type TakeProvider struct {
	Model     string `json:"model,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	Seed      *int64 `json:"seed,omitempty"`
	// BilledMS is the video the provider billed; ComputeMS the machine
	// time it billed, or the GPU time a self-hosted engine held.
	BilledMS  int64 `json:"billed_ms,omitempty"`
	ComputeMS int64 `json:"compute_ms,omitempty"`
	// Amount is the price in millionths of the provider's Unit (USD,
	// Runway credits, GPU seconds); Cost is it converted with the engines
	// file's rate, in millionths of Currency.
	Amount   int64  `json:"amount,omitempty"`
	Unit     string `json:"unit,omitempty"`
	Cost     int64  `json:"cost,omitempty"`
	Currency string `json:"currency,omitempty"`
}

// TakeService lists and selects a shot's takes.
type TakeService interface {
	// Takes pages a shot's takes, newest first.
	Takes(ctx context.Context, shotID string, page PageRequest) (*Page[*Take], error)
	Take(ctx context.Context, takeID string) (*Take, error)
	SelectTake(ctx context.Context, takeID string) (*Shot, error)
}
