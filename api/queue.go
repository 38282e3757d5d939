package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// JobPath names a job.
type JobPath struct {
	Job string `path:"job" maxLength:"100" doc:"Job id"`
}

// BatchPath names a batch.
type BatchPath struct {
	Batch string `path:"batch" maxLength:"100" doc:"Batch id"`
}

// jobsIn filters an organisation's queue. Zero values do not filter.
type jobsIn struct {
	OrgPath
	State   string `query:"state" maxLength:"40" doc:"Only jobs in this state"`
	Project string `query:"project" maxLength:"100" doc:"Only jobs of this project"`
	Batch   string `query:"batch" maxLength:"100" doc:"Only jobs of this batch"`
	PageQuery
}

// PriorityPatch changes a job's priority.
type PriorityPatch struct {
	Priority int `json:"priority" minimum:"0" maximum:"100" doc:"0–100; higher runs first"`
}

// SelectionActionInput names the shots whose jobs an action applies to.
type SelectionActionInput struct {
	Selection slate.Selection `json:"selection"`
}

func (s *Server) registerQueue() {
	tags := []string{"queue"}
	register(s, huma.Operation{
		OperationID: "submitBatch", Method: http.MethodPost, Path: "/api/v1/projects/{project}/batches", Tags: tags,
		Summary: "Submit a selection for rendering",
		Description: "Needs run_ai. From a quote_id (its prices hold while it is valid) or a selection with engine and tier. " +
			"Every job is held for, or none is and the answer is 402 with shortfall and remedies; with partial, as many " +
			"as fit are queued and the rest listed in skipped. A member without use_credits, or work crossing a " +
			"project budget or member limit, waits in awaiting_approval with nothing held. Locked shots are refused (423).",
		DefaultStatus: http.StatusCreated,
	}, opts{errs: []int{402, 403, 404, 409, 410, 423}}, func(ctx context.Context, in *struct {
		ProjectPath
		Body slate.BatchInput
	}) (*out[*slate.Batch], error) {
		return replyOr(s.Queue.Submit(ctx, in.Project, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "listJobs", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/jobs", Tags: tags,
		Summary:     "The organisation's render queue, newest first",
		Description: "Every member sees every job, except those of restricted projects they are not named on.",
	}, errsRead, func(ctx context.Context, in *jobsIn) (*out[*slate.Page[*slate.Job]], error) {
		return replyOr(s.Queue.Jobs(ctx, in.Org, slate.JobFilter{State: slate.JobState(in.State), ProjectID: in.Project,
			BatchID: in.Batch, PageRequest: in.Page()}))
	})
	register(s, huma.Operation{
		OperationID: "getJob", Method: http.MethodGet, Path: "/api/v1/jobs/{job}", Tags: tags, Summary: "A job",
		Description: "Members with read who may see the job's project.",
	}, errsRead, func(ctx context.Context, in *JobPath) (*out[*slate.Job], error) {
		return replyOr(s.Queue.Job(ctx, in.Job))
	})
	register(s, huma.Operation{
		OperationID: "setJobPriority", Method: http.MethodPatch, Path: "/api/v1/jobs/{job}", Tags: tags,
		Summary: "Change a job's priority", Description: "Needs run_ai; any time before the job finishes.",
	}, errsWrite, func(ctx context.Context, in *struct {
		JobPath
		Body PriorityPatch
	}) (*out[*slate.Job], error) {
		return replyOr(s.Queue.SetPriority(ctx, in.Job, in.Body.Priority))
	})
	register(s, huma.Operation{
		OperationID: "jobAction", Method: http.MethodPost, Path: "/api/v1/jobs/{job}/{action}", Tags: tags,
		Summary: "Pause, resume, cancel, retry, approve, reject or move a job to the top",
		Description: "approve and reject need use_credits, the others run_ai. Cancelling a running job asks its worker " +
			"to stop (cancel_requested). An action the job's state does not allow is 409.",
	}, opts{errs: []int{402, 403, 404, 409}}, func(ctx context.Context, in *struct {
		JobPath
		Action string `path:"action" enum:"pause,resume,cancel,retry,approve,reject,top" doc:"What to do"`
	}) (*out[*slate.Job], error) {
		return replyOr(s.Queue.JobAction(ctx, in.Job, slate.JobAction(in.Action)))
	})
	register(s, huma.Operation{
		OperationID: "getBatch", Method: http.MethodGet, Path: "/api/v1/batches/{batch}", Tags: tags,
		Summary:     "A batch with its jobs, estimate, spend and progress",
		Description: "Members with read who may see the batch's project.",
	}, errsRead, func(ctx context.Context, in *BatchPath) (*out[*slate.Batch], error) {
		return replyOr(s.Queue.Batch(ctx, in.Batch))
	})
	register(s, huma.Operation{
		OperationID: "batchAction", Method: http.MethodPost, Path: "/api/v1/batches/{batch}/{action}", Tags: tags,
		Summary:     "Apply an action to every job of a batch it applies to",
		Description: "Jobs in states the action does not apply to are counted in skipped. Pausing keeps queued jobs from starting; running ones finish.",
	}, opts{errs: []int{402, 403, 404}}, func(ctx context.Context, in *struct {
		BatchPath
		Action string `path:"action" enum:"pause,resume,cancel,retry,approve,reject" doc:"What to do"`
	}) (*out[*slate.ActionResult], error) {
		return replyOr(s.Queue.BatchAction(ctx, in.Batch, slate.JobAction(in.Action)))
	})
	register(s, huma.Operation{
		OperationID: "selectionAction", Method: http.MethodPost, Path: "/api/v1/projects/{project}/jobs/{action}", Tags: tags,
		Summary:     "Apply an action to the jobs of a selection of shots",
		Description: "approve and reject need use_credits, the others run_ai. Only the selected shots' jobs are touched; those in states the action does not apply to are counted in skipped.",
	}, opts{errs: []int{402, 403, 404}}, func(ctx context.Context, in *struct {
		ProjectPath
		Action string `path:"action" enum:"pause,resume,cancel,retry,approve,reject" doc:"What to do"`
		Body   SelectionActionInput
	}) (*out[*slate.ActionResult], error) {
		return replyOr(s.Queue.SelectionAction(ctx, in.Project, in.Body.Selection, slate.JobAction(in.Action)))
	})
}
