package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"slate"
)

// Submit queues a batch of renders for a project: from a quote (its prices
// hold while it is valid) or from a selection with an engine and tier.
// Work that does not fit is refused with a 402 carrying the shortfall and
// remedies, unless in.Partial. Retrying a submission safely needs an
// Idempotency-Key: see WithIdempotencyKey.
func (c *Client) Submit(ctx context.Context, projectID string, in slate.BatchInput) (*slate.Batch, error) {
	return send[slate.Batch](ctx, c, http.MethodPost, pathf("/api/v1/projects/%s/batches", projectID), in)
}

// Jobs reads one page of an organisation's render queue, newest first,
// narrowed by f; f.Cursor continues from an earlier page.
func (c *Client) Jobs(ctx context.Context, orgID string, f slate.JobFilter) (*slate.Page[*slate.Job], error) {
	q := url.Values{"state": {string(f.State)}, "project": {f.ProjectID}, "batch": {f.BatchID}, "cursor": {f.Cursor}}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return send[slate.Page[*slate.Job]](ctx, c, http.MethodGet, withQuery(pathf("/api/v1/orgs/%s/jobs", orgID), q), nil)
}

// AllJobs follows Jobs' cursors to the end of the list f narrows.
func (c *Client) AllJobs(ctx context.Context, orgID string, f slate.JobFilter) ([]*slate.Job, error) {
	var out []*slate.Job
	for {
		page, err := c.Jobs(ctx, orgID, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		// A server that repeats a cursor would loop forever; stop instead.
		if page.NextCursor == "" || page.NextCursor == f.Cursor {
			return out, nil
		}
		f.Cursor = page.NextCursor
	}
}

// Job reads one job.
func (c *Client) Job(ctx context.Context, jobID string) (*slate.Job, error) {
	return send[slate.Job](ctx, c, http.MethodGet, pathf("/api/v1/jobs/%s", jobID), nil)
}

// Batch reads a batch with its jobs, estimate, spend and progress.
func (c *Client) Batch(ctx context.Context, batchID string) (*slate.Batch, error) {
	return send[slate.Batch](ctx, c, http.MethodGet, pathf("/api/v1/batches/%s", batchID), nil)
}

// SetPriority changes a job's priority (0–100) before it finishes.
func (c *Client) SetPriority(ctx context.Context, jobID string, priority int) (*slate.Job, error) {
	in := struct {
		Priority int `json:"priority"`
	}{priority}
	return send[slate.Job](ctx, c, http.MethodPatch, pathf("/api/v1/jobs/%s", jobID), in)
}

// JobAction pauses, resumes, cancels, retries, approves, rejects or moves
// to the top one job, and answers the job after.
func (c *Client) JobAction(ctx context.Context, jobID string, a slate.JobAction) (*slate.Job, error) {
	return send[slate.Job](ctx, c, http.MethodPost, pathf("/api/v1/jobs/%s/%s", jobID, string(a)), nil)
}

// BatchAction applies an action to every job of a batch it applies to;
// the others are counted as skipped.
func (c *Client) BatchAction(ctx context.Context, batchID string, a slate.JobAction) (*slate.ActionResult, error) {
	return send[slate.ActionResult](ctx, c, http.MethodPost, pathf("/api/v1/batches/%s/%s", batchID, string(a)), nil)
}

// SelectionAction applies an action to the jobs of a selection of a
// project's shots it applies to.
func (c *Client) SelectionAction(ctx context.Context, projectID string, sel slate.Selection, a slate.JobAction) (*slate.ActionResult, error) {
	in := struct {
		Selection slate.Selection `json:"selection"`
	}{sel}
	return send[slate.ActionResult](ctx, c, http.MethodPost, pathf("/api/v1/projects/%s/jobs/%s", projectID, string(a)), in)
}

// The client is the render queue as members use it, over HTTP.
var _ slate.QueueService = (*Client)(nil)
