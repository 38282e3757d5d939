package fal

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// queued is fal's answer to a submission.
type queued struct {
	RequestID   string `json:"request_id"`
	StatusURL   string `json:"status_url"`
	ResponseURL string `json:"response_url"`
	CancelURL   string `json:"cancel_url"`
}

// ticketData is what a ticket carries besides the request id: the URLs fal
// handed out, and the frames asked for, which say what was billed.
type ticketData struct {
	StatusURL   string `json:"status_url,omitempty"`
	ResponseURL string `json:"response_url,omitempty"`
	CancelURL   string `json:"cancel_url,omitempty"`
	Frames      int    `json:"num_frames,omitempty"`
	FPS         int    `json:"frames_per_second,omitempty"`
}

// input maps spec to the model's inputs: the prompt, the negative prompt
// when the shot has one (an empty one would drop the model's default),
// the seed, num_frames at frames_per_second for the length, the tier's
// resolution, the project's aspect ratio, and for an image-to-video
// model the start frame as a data: URI in image_url. A shot the model cannot
// render is refused before anything is sent.
func (e *Engine) input(spec slate.RenderSpec) (map[string]any, int, error) {
	res, ok := e.tiers[spec.Tier]
	if !ok {
		return nil, 0, engine.Errorf(slate.JobErrInvalidRequest, false, "%s does not render the %s tier (it offers %v)", e.cfg.Name, spec.Tier, e.Offer().Tiers)
	}
	if spec.AspectRatio != "" && len(e.model.AspectRatios) > 0 && !slices.Contains(e.model.AspectRatios, spec.AspectRatio) {
		return nil, 0, engine.Errorf(slate.JobErrInvalidRequest, false, "%s renders %v, not %s", e.cfg.Model, e.model.AspectRatios, spec.AspectRatio)
	}
	if spec.Prompt == "" {
		return nil, 0, engine.Errorf(slate.JobErrInvalidRequest, false, "the shot has no prompt, which %s needs", e.cfg.Model)
	}
	var image string
	if e.model.StartImage != "" {
		png, err := provider.StartImage(spec)
		if err != nil {
			return nil, 0, err
		}
		if png == nil && e.model.StartImage == slate.StartImageRequired {
			return nil, 0, engine.Errorf(slate.JobErrInvalidRequest, false, "%s renders only from a start image, and the shot has none", e.cfg.Model)
		}
		if png != nil {
			image = provider.DataURI(png)
		}
	}
	frames := e.model.FramesFor(spec.DurationMS)
	in := make(map[string]any, len(e.extra)+len(mapped))
	for k, v := range e.extra {
		in[k] = v
	}
	in["prompt"] = spec.Prompt
	if spec.NegativePrompt != "" {
		in["negative_prompt"] = spec.NegativePrompt
	}
	in["seed"] = spec.Seed
	in["num_frames"] = frames
	in["frames_per_second"] = e.model.FPS
	in["resolution"] = res
	if spec.AspectRatio != "" {
		in["aspect_ratio"] = spec.AspectRatio
	}
	if image != "" {
		in["image_url"] = image
	}
	return in, frames, nil
}

// Submit sends spec to the model's queue and returns the ticket once fal
// has accepted it. Only a 429, which says fal took nothing, is sent again
// (after the wait fal asked for); any other failure after sending may
// have queued the request and is returned, never retried.
func (e *Engine) Submit(ctx context.Context, spec slate.RenderSpec) (engine.Ticket, error) {
	in, frames, err := e.input(spec)
	if err != nil {
		return engine.Ticket{}, err
	}
	var q queued
	err = provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		err := e.client.Do(ctx, http.MethodPost, e.cfg.Model, in, &q)
		var se *provider.StatusError
		switch {
		case err == nil:
			return provider.Step{Done: true}, nil
		case errors.As(err, &se) && se.Status == http.StatusTooManyRequests:
			return provider.Step{}, err
		case errors.As(err, &se) && se.Status >= 500:
			return provider.Step{}, engine.Errorf(slate.JobErrEngineUnavailable, true,
				"fal answered %d to the submission and may or may not have queued it: %s", se.Status, detailOf(se.Body))
		case errors.As(err, &se):
			return provider.Step{}, failure(se, "")
		case ctx.Err() != nil:
			return provider.Step{}, ctx.Err()
		case unreadable(err):
			return provider.Step{}, engine.Errorf(slate.JobErrEngineFailed, false, "fal accepted the request but its answer cannot be read: %v", err)
		}
		return provider.Step{}, engine.Errorf(slate.JobErrEngineUnavailable, true, "fal: submitting: %v", err)
	})
	if err != nil {
		return engine.Ticket{}, err
	}
	if q.RequestID == "" {
		return engine.Ticket{}, engine.Errorf(slate.JobErrEngineFailed, false, "fal accepted the request but named no request_id")
	}
	data, err := json.Marshal(ticketData{StatusURL: q.StatusURL, ResponseURL: q.ResponseURL, CancelURL: q.CancelURL,
		Frames: frames, FPS: e.model.FPS})
	if err != nil || len(data) > engine.MaxTicketData {
		// URLs too long to keep: resuming rebuilds them by fal's rule.
		data, _ = json.Marshal(ticketData{Frames: frames, FPS: e.model.FPS})
	}
	return engine.Ticket{ID: q.RequestID, Data: string(data)}, nil
}

// urls are the request's status, result and cancel URLs: those fal handed
// out when they point at the queue the engine talks to, else those fal's
// documented rule makes from the model's app id — so the key is only
// ever sent to the configured endpoint.
func (e *Engine) urls(t engine.Ticket) (ticketData, error) {
	var d ticketData
	if t.ID == "" {
		return d, engine.Errorf(slate.JobErrEngineFailed, false, "fal: the ticket has no request id")
	}
	if t.Data != "" {
		_ = json.Unmarshal([]byte(t.Data), &d) // a ticket we cannot read is rebuilt below
	}
	base := requestURL(AppID(e.cfg.Model), t.ID)
	fix := func(u *string, rule string) {
		if !e.sameHost(*u) {
			*u = rule
		}
	}
	fix(&d.StatusURL, base+"/status")
	fix(&d.ResponseURL, base)
	fix(&d.CancelURL, base+"/cancel")
	return d, nil
}

// sameHost reports whether raw is an absolute URL under the engine's base
// URL: its scheme, host and path.
func (e *Engine) sameHost(raw string) bool {
	u, err := url.Parse(raw)
	b := e.client.Base
	return err == nil && u.IsAbs() && u.Scheme == b.Scheme && u.Host == b.Host && strings.HasPrefix(u.Path, b.Path)
}

// unreadable reports whether err is an answer that is not the JSON fal
// documents: asking again would not mend it.
func unreadable(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syn) || errors.As(err, &typ)
}

// Cancel asks fal to cancel the request through its cancel_url: fal takes
// a queued request off the queue and signals a running one to stop. A
// request fal has finished or forgotten needs no cancel and is not an
// error.
func (e *Engine) Cancel(ctx context.Context, t engine.Ticket) error {
	d, err := e.urls(t)
	if err != nil {
		return err
	}
	tries := 0
	return provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		err := e.client.Do(ctx, http.MethodPut, d.CancelURL, nil, nil)
		var se *provider.StatusError
		switch {
		case err == nil:
			return provider.Step{Done: true}, nil
		case errors.As(err, &se) && (se.Status == http.StatusBadRequest || se.Status == http.StatusNotFound):
			return provider.Step{Done: true}, nil // ALREADY_COMPLETED, NOT_FOUND
		case errors.As(err, &se) && !se.Waits():
			return provider.Step{}, failure(se, "")
		}
		if tries++; tries >= 3 {
			return provider.Step{}, engine.Errorf(slate.JobErrEngineUnavailable, true, "fal: cancelling request %s: %v", t.ID, err)
		}
		return provider.Step{}, err // throttled or failing for now: ask again
	})
}
