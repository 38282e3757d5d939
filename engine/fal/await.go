package fal

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// status is a request's status as status_url answers it.
type status struct {
	Status        string `json:"status"`
	QueuePosition *int   `json:"queue_position"`
	Metrics       struct {
		InferenceTime float64 `json:"inference_time"`
	} `json:"metrics"`
	// Error and ErrorType are set on a COMPLETED request that failed; its
	// response_url then answers the failure.
	Error     string `json:"error"`
	ErrorType string `json:"error_type"`
}

// output is what a Wan text-to-video model answers on response_url.
type output struct {
	Video struct {
		URL string `json:"url"`
	} `json:"video"`
	Seed *int64 `json:"seed"`
}

// maxResultFailures bounds the 5xx answers response_url may give for a
// request fal called COMPLETED without an error before the render fails.
const maxResultFailures = 5

// Await polls the request's status until fal completes it, fetches its
// output and downloads the video to dst. IN_QUEUE and IN_PROGRESS wait;
// 429 and 5xx back off and never end the wait; only ctx bounds it. fal
// gives no percentage, so progress stays at 0 until the file is in place.
func (e *Engine) Await(ctx context.Context, spec slate.RenderSpec, t engine.Ticket, dst string, progress func(engine.Progress)) (engine.Output, error) {
	if progress == nil {
		progress = func(engine.Progress) {}
	}
	d, err := e.urls(t)
	if err != nil {
		return engine.Output{}, err
	}
	var st status
	err = provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		st = status{}
		if err := e.client.Do(ctx, http.MethodGet, d.StatusURL, nil, &st); err != nil {
			return provider.Step{}, e.pollFailure(err, t.ID)
		}
		switch st.Status {
		case "IN_QUEUE", "IN_PROGRESS":
			return provider.Step{}, nil
		case "COMPLETED":
			return provider.Step{Done: true}, nil
		}
		return provider.Step{}, engine.Errorf(slate.JobErrEngineFailed, false, "fal: request %s is in a state this adapter does not know: %q", t.ID, st.Status)
	})
	if err != nil {
		return engine.Output{}, err
	}
	out, err := e.result(ctx, d, st, t.ID)
	if err != nil {
		return engine.Output{}, err
	}
	fetch := provider.Fetch{URL: out.Video.URL, HTTP: e.hc, Pacing: e.cfg.Pacing}
	err = provider.Download(ctx, Adapter, fetch, dst)
	if errors.Is(err, provider.ErrExpired) {
		// The file URL is gone; response_url may hand out a fresh one.
		if out, err = e.result(ctx, d, st, t.ID); err != nil {
			return engine.Output{}, err
		}
		fetch.URL = out.Video.URL
		err = provider.Download(ctx, Adapter, fetch, dst)
	}
	if err != nil {
		return engine.Output{}, err
	}
	progress(engine.Progress{Percent: 100})
	frames, fps := d.Frames, d.FPS
	if frames <= 0 || fps <= 0 { // a ticket that kept no frames
		frames, fps = e.model.FramesFor(spec.DurationMS), e.model.FPS
	}
	return engine.Output{Model: e.cfg.Model, Seed: out.Seed, Usage: engine.Usage{
		VideoMS:   framesMS(frames, fps),
		ComputeMS: int64(st.Metrics.InferenceTime * 1000),
	}}, nil
}

// pollFailure sorts a failed status poll: throttling, 5xx and dropped
// connections wait (provider.Poll backs off); a request fal no longer
// knows, or a key it refuses, ends the render.
func (e *Engine) pollFailure(err error, id string) error {
	if unreadable(err) {
		return engine.Errorf(slate.JobErrEngineFailed, true, "fal: the status of request %s cannot be read: %v", id, err)
	}
	var se *provider.StatusError
	if !errors.As(err, &se) || se.Waits() {
		return err
	}
	if se.Status == http.StatusNotFound {
		return engine.Errorf(slate.JobErrEngineFailed, true, "fal no longer knows request %s: %s", id, detailOf(se.Body))
	}
	return failure(se, "")
}

// result fetches the completed request's output from response_url. A
// failed request answers its failure there; a 5xx for a request fal
// called successful is asked again a few times.
func (e *Engine) result(ctx context.Context, d ticketData, st status, id string) (output, error) {
	var out output
	failures := 0
	err := provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		out = output{}
		err := e.client.Do(ctx, http.MethodGet, d.ResponseURL, nil, &out)
		var se *provider.StatusError
		switch {
		case err == nil:
			return provider.Step{Done: true}, nil
		case unreadable(err):
			return provider.Step{}, engine.Errorf(slate.JobErrEngineFailed, true, "fal: the result of request %s cannot be read: %v", id, err)
		case !errors.As(err, &se):
			return provider.Step{}, err // a dropped connection: ask again
		case se.Waits() && st.Error == "" && st.ErrorType == "":
			if failures++; failures < maxResultFailures {
				return provider.Step{}, err
			}
		}
		return provider.Step{}, failure(se, st.ErrorType)
	})
	if err != nil {
		return output{}, err
	}
	u, perr := url.Parse(out.Video.URL)
	if out.Video.URL == "" || perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return output{}, engine.Errorf(slate.JobErrEngineFailed, false, "fal completed request %s without a video URL", id)
	}
	return out, nil
}
