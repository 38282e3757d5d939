package runway

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// task is GET /v1/tasks/{id}'s answer, the union of its documented
// states: PENDING, THROTTLED, RUNNING (with progress 0..1), SUCCEEDED
// (with output URLs), FAILED (with failure and failureCode) and CANCELLED.
type task struct {
	ID          string   `json:"id"`
	Status      string   `json:"status"`
	Progress    *float64 `json:"progress"`
	Output      []string `json:"output"`
	Failure     string   `json:"failure"`
	FailureCode string   `json:"failureCode"`
}

// Await polls the task until it ends and downloads its first output,
// reporting Runway's progress as it goes. An output URL that has expired
// is asked for again once: GET of a succeeded task hands out fresh ones.
func (e *Engine) Await(ctx context.Context, spec slate.RenderSpec, t engine.Ticket, dst string, progress func(engine.Progress)) (engine.Output, error) {
	if progress == nil {
		progress = func(engine.Progress) {}
	}
	percent := 0
	report := func(p int) {
		if p = min(p, 99); p > percent {
			percent = p
			progress(engine.Progress{Percent: p})
		}
	}
	for refreshed := false; ; refreshed = true {
		done, err := e.wait(ctx, t.ID, report)
		if err != nil {
			return engine.Output{}, err
		}
		err = provider.Download(ctx, "runway", provider.Fetch{URL: done.Output[0], HTTP: e.cfg.HTTP, Pacing: e.cfg.Pacing}, dst)
		if errors.Is(err, provider.ErrExpired) && !refreshed {
			continue
		}
		if err != nil {
			return engine.Output{}, err
		}
		progress(engine.Progress{Percent: 100})
		return e.output(spec, t), nil
	}
}

// output is what the task billed: the model and length it was created
// with, as the ticket says; a ticket without them (an older worker's) is
// read as this entry would send spec now.
func (e *Engine) output(spec slate.RenderSpec, t engine.Ticket) engine.Output {
	var d ticketData
	if t.Data == "" || json.Unmarshal([]byte(t.Data), &d) != nil || d.Model == "" || d.Duration <= 0 {
		d = ticketData{Model: e.cfg.Model, Duration: e.billed(spec) / 1000}
	}
	return engine.Output{Model: d.Model, Seed: d.Seed, Usage: engine.Usage{VideoMS: d.Duration * 1000}}
}

// wait polls until the task succeeded with an output, and returns it.
func (e *Engine) wait(ctx context.Context, id string, report func(int)) (task, error) {
	var done task
	err := provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		var tk task
		if err := e.client.Do(ctx, http.MethodGet, "v1/tasks/"+url.PathEscape(id), nil, &tk); err != nil {
			return provider.Step{}, e.pollError(ctx, id, err)
		}
		switch tk.Status {
		case "SUCCEEDED":
			if len(tk.Output) == 0 || tk.Output[0] == "" {
				return provider.Step{}, engine.Errorf(slate.JobErrEngineFailed, true, "runway: task %s succeeded without an output", id)
			}
			done = tk
			return provider.Step{Done: true}, nil
		case "FAILED":
			return provider.Step{}, e.failure(id, tk)
		case "CANCELLED":
			return provider.Step{}, engine.Errorf(slate.JobErrEngineFailed, false,
				"runway: task %s was cancelled or deleted at Runway", id)
		case "RUNNING":
			if tk.Progress != nil && *tk.Progress >= 0 {
				report(int(math.Floor(min(*tk.Progress, 1) * 100)))
			}
			return provider.Step{}, nil
		default:
			// PENDING, THROTTLED (the organisation's concurrency is full:
			// Runway queues it), or a waiting state newer than this
			// adapter. Each only means wait.
			return provider.Step{}, nil
		}
	})
	if err != nil && ctx.Err() != nil {
		return done, ctx.Err()
	}
	return done, err
}

// failure sorts a failed task by its failureCode (docs.dev.runwayml.com's
// task failures): SAFETY.* is moderation of the inputs or the output,
// ASSET.* and INPUT_PREPROCESSING.* an input Runway could not use, and
// INTERNAL.* Runway's own failure, which a new render may get past.
func (e *Engine) failure(id string, tk task) error {
	code := tk.FailureCode
	msg := e.scrub(shorten(tk.Failure))
	switch {
	case strings.HasPrefix(code, "SAFETY.") || strings.Contains(code, ".SAFETY."):
		return engine.Errorf(slate.JobErrPromptRejected, false, "runway: task %s was refused by Runway's content moderation (%s): %s", id, code, msg)
	case strings.HasPrefix(code, "INPUT_PREPROCESSING.INTERNAL"):
		return engine.Errorf(slate.JobErrEngineFailed, true, "runway: task %s failed (%s): %s", id, code, msg)
	case strings.HasPrefix(code, "ASSET.") || strings.HasPrefix(code, "INPUT_PREPROCESSING."):
		return engine.Errorf(slate.JobErrInvalidRequest, false, "runway: task %s could not use its inputs (%s): %s", id, code, msg)
	case code == "":
		return engine.Errorf(slate.JobErrEngineFailed, true, "runway: task %s failed: %s", id, msg)
	}
	return engine.Errorf(slate.JobErrEngineFailed, true, "runway: task %s failed (%s): %s", id, code, msg)
}

// pollError leaves throttling, 5xx and dropped connections to Poll's
// backoff and ends the wait on anything else.
func (e *Engine) pollError(ctx context.Context, id string, err error) error {
	if se, ok := errors.AsType[*provider.StatusError](err); ok {
		switch {
		case se.Waits():
			return err
		case se.Status == http.StatusNotFound:
			return engine.Errorf(slate.JobErrEngineFailed, false,
				"runway has no task %s: it was deleted or cancelled, and only a new render makes its video", id)
		}
		return e.callError(ctx, "following task "+id, err)
	}
	if undecodable(err) {
		return engine.Errorf(slate.JobErrEngineFailed, false, "%s", e.scrub(err.Error()))
	}
	return err
}
