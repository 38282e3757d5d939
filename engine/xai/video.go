package xai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// createRequest is POST /v1/videos/generations' body. The model has no
// seed and no negative prompt.
type createRequest struct {
	Model       string `json:"model"`
	Prompt      string `json:"prompt"`
	Duration    int64  `json:"duration"`
	AspectRatio string `json:"aspect_ratio,omitempty"`
	Resolution  string `json:"resolution"`
	// Image is the first frame: xAI documents a public URL or a base64
	// data: URI, and Slate has only the bytes.
	Image *imageURL `json:"image,omitempty"`
}

type imageURL struct {
	URL string `json:"url"`
}

// deferred is GET /v1/videos/{request_id}'s answer: the proto's
// GetDeferredVideoResponse with its VideoResponse flattened, as the REST
// API returns it.
type deferred struct {
	Status   string `json:"status"`
	Progress *int   `json:"progress"`
	Model    string `json:"model"`
	Video    *struct {
		URL               string  `json:"url"`
		Duration          float64 `json:"duration"`
		RespectModeration *bool   `json:"respect_moderation"`
	} `json:"video"`
	Usage *struct {
		CostInUSDTicks *int64 `json:"cost_in_usd_ticks"`
	} `json:"usage"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// ticksPerMicroUSD: xAI prices in ticks of 1e-10 USD; Usage counts
// millionths.
const ticksPerMicroUSD = 10_000

// request maps spec onto the API's fields.
func (e *Engine) request(spec slate.RenderSpec) (createRequest, error) {
	res, ok := e.tiers[spec.Tier]
	if !ok {
		return createRequest{}, engine.Errorf(slate.JobErrInvalidRequest, false,
			"engine %s renders the tiers %s, not %q", e.cfg.Name, strings.Join(e.Offer().Tiers, ", "), spec.Tier)
	}
	if spec.AspectRatio != "" && !slices.Contains(AspectRatios, spec.AspectRatio) {
		return createRequest{}, engine.Errorf(slate.JobErrInvalidRequest, false,
			"xAI renders the aspect ratios %s, not %s", strings.Join(AspectRatios, ", "), spec.AspectRatio)
	}
	return createRequest{Model: e.cfg.Model, Prompt: spec.Prompt, Duration: e.billed(spec) / 1000,
		AspectRatio: spec.AspectRatio, Resolution: res}, nil
}

// billed is the length xAI renders, and bills, for spec.
func (e *Engine) billed(spec slate.RenderSpec) int64 {
	ms, _ := e.Offer().Billed(spec.DurationMS)
	return ms
}

// Submit starts the generation. A refusal for throttling (429) is sent
// again after the wait xAI asks for; any other failure is returned, never
// retried, since xAI may have accepted what it did not answer.
func (e *Engine) Submit(ctx context.Context, spec slate.RenderSpec) (engine.Ticket, error) {
	req, err := e.request(spec)
	if err != nil {
		return engine.Ticket{}, err
	}
	png, err := provider.StartImage(spec)
	if err != nil {
		return engine.Ticket{}, err
	}
	if png != nil {
		req.Image = &imageURL{URL: provider.DataURI(png)}
	}
	var started struct {
		RequestID string `json:"request_id"`
	}
	err = provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		err := e.client.Do(ctx, http.MethodPost, "v1/videos/generations", req, &started)
		if se, ok := errors.AsType[*provider.StatusError](err); ok && se.Status == http.StatusTooManyRequests {
			return provider.Step{}, err // refused, so sending it again cannot pay twice
		}
		if err != nil {
			return provider.Step{}, e.submitError(ctx, err)
		}
		return provider.Step{Done: true}, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return engine.Ticket{}, ctx.Err()
		}
		return engine.Ticket{}, err
	}
	if started.RequestID == "" {
		return engine.Ticket{}, engine.Errorf(slate.JobErrEngineFailed, false, "xai accepted the generation but sent no request_id")
	}
	return engine.Ticket{ID: started.RequestID}, nil
}

// submitError sorts a failed start: a transport failure or a 5xx may hide
// an accepted request, so the job may run again but this call does not
// send it again.
func (e *Engine) submitError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if se, ok := errors.AsType[*provider.StatusError](err); ok && se.Status < 500 {
		return e.callError(ctx, "starting the generation", err)
	}
	return engine.Errorf(slate.JobErrEngineUnavailable, true,
		"xai: starting the generation failed and xAI may have accepted it: %s", e.scrub(errText(err)))
}

// Await polls the request until it is done and downloads its video,
// reporting xAI's progress as it goes. A video URL that has expired is
// asked for again once.
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
		d, err := e.wait(ctx, t.ID, report)
		if err != nil {
			return engine.Output{}, err
		}
		err = provider.Download(ctx, "xai", provider.Fetch{URL: d.Video.URL, HTTP: e.cfg.HTTP, Pacing: e.cfg.Pacing}, dst)
		if errors.Is(err, provider.ErrExpired) && !refreshed {
			continue
		}
		if err != nil {
			return engine.Output{}, err
		}
		progress(engine.Progress{Percent: 100})
		return e.output(spec, d), nil
	}
}

// output is what the finished request billed: xAI's own duration and
// price when it gives them.
func (e *Engine) output(spec slate.RenderSpec, d deferred) engine.Output {
	out := engine.Output{Model: d.Model, Usage: engine.Usage{VideoMS: e.billed(spec)}}
	if out.Model == "" {
		out.Model = e.cfg.Model
	}
	if d.Video.Duration > 0 {
		out.Usage.VideoMS = int64(math.Round(d.Video.Duration * 1000))
	}
	if d.Usage != nil && d.Usage.CostInUSDTicks != nil {
		out.Usage.Amount = (*d.Usage.CostInUSDTicks + ticksPerMicroUSD/2) / ticksPerMicroUSD
		out.Usage.Unit = "USD"
	}
	return out
}

// wait polls until the request is done with a video, and returns it.
func (e *Engine) wait(ctx context.Context, id string, report func(int)) (deferred, error) {
	var done deferred
	err := provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		var d deferred
		if err := e.client.Do(ctx, http.MethodGet, "v1/videos/"+url.PathEscape(id), nil, &d); err != nil {
			return provider.Step{}, e.pollError(ctx, id, err)
		}
		switch d.Status {
		case "done":
			if d.Video == nil {
				return provider.Step{}, engine.Errorf(slate.JobErrEngineFailed, true, "xai: request %s is done without a video", id)
			}
			if d.Video.RespectModeration != nil && !*d.Video.RespectModeration {
				return provider.Step{}, engine.Errorf(slate.JobErrPromptRejected, false,
					"xai: request %s: xAI's moderation withheld the video", id)
			}
			if d.Video.URL == "" {
				return provider.Step{}, engine.Errorf(slate.JobErrEngineFailed, true, "xai: request %s is done without a video URL", id)
			}
			done = d
			return provider.Step{Done: true}, nil
		case "failed":
			return provider.Step{}, e.failure(id, d)
		case "expired":
			return provider.Step{}, engine.Errorf(slate.JobErrEngineFailed, true,
				"xai: request %s has expired: xAI no longer holds its video, only a new render makes it", id)
		default:
			// pending, or a waiting state newer than this adapter.
			if d.Progress != nil {
				report(*d.Progress)
			}
			return provider.Step{}, nil
		}
	})
	if err != nil && ctx.Err() != nil {
		return done, ctx.Err()
	}
	return done, err
}

// failure sorts a failed request by its error: moderation, a request
// xAI could not take, or xAI's own failure.
func (e *Engine) failure(id string, d deferred) error {
	code, msg := "", "no reason given"
	if d.Error != nil {
		code, msg = d.Error.Code, e.scrub(d.Error.Message)
	}
	switch {
	case moderated(code + " " + msg):
		return engine.Errorf(slate.JobErrPromptRejected, false, "xai: request %s failed: %s", id, msg)
	case code == "invalid_argument":
		return engine.Errorf(slate.JobErrInvalidRequest, false, "xai: request %s failed: %s", id, msg)
	}
	return engine.Errorf(slate.JobErrEngineFailed, true, "xai: request %s failed (%s): %s", id, code, msg)
}

// pollError leaves throttling, 5xx and dropped connections to Poll's
// backoff and ends the wait on anything else.
func (e *Engine) pollError(ctx context.Context, id string, err error) error {
	if se, ok := errors.AsType[*provider.StatusError](err); ok {
		switch {
		case se.Waits():
			return err
		case se.Status == http.StatusNotFound:
			return engine.Errorf(slate.JobErrEngineFailed, false, "xai has no request %s", id)
		}
		return e.callError(ctx, "following request "+id, err)
	}
	if undecodable(err) {
		return engine.Errorf(slate.JobErrEngineFailed, false, "%s", e.scrub(err.Error()))
	}
	return err
}

// callError turns a failed call into the *engine.Error a person reads.
// xAI answers an incorrect key with 400 and echoes part of it, so a key
// error is told in Slate's words, never xAI's.
func (e *Engine) callError(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if ee, ok := errors.AsType[*engine.Error](err); ok {
		return ee
	}
	se, ok := errors.AsType[*provider.StatusError](err)
	if !ok {
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "xai could not be reached while %s: %s", doing, e.scrub(errText(err)))
	}
	msg := e.scrub(messageOf(se.Body))
	lower := strings.ToLower(msg)
	switch {
	case se.Status == http.StatusUnauthorized || strings.Contains(lower, "api key"):
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "xai refused the API key while %s (%d)", doing, se.Status)
	case se.Status == http.StatusPaymentRequired || strings.Contains(lower, "credit") || strings.Contains(lower, "spending limit"):
		return engine.Errorf(slate.JobErrQuotaExceeded, false, "xai: out of credits while %s: %s", doing, msg)
	case se.Status == http.StatusForbidden:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "xai refused %s (403): %s", doing, msg)
	case se.Waits():
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "xai is unavailable while %s (%d): %s", doing, se.Status, msg)
	case moderated(lower):
		return engine.Errorf(slate.JobErrPromptRejected, false, "xai refused the prompt while %s: %s", doing, msg)
	case se.Status == http.StatusBadRequest || se.Status == http.StatusUnprocessableEntity ||
		se.Status == http.StatusNotFound || se.Status == http.StatusUnsupportedMediaType:
		return engine.Errorf(slate.JobErrInvalidRequest, false, "xai refused the request while %s (%d): %s", doing, se.Status, msg)
	}
	return engine.Errorf(provider.CodeOf(se.Status), false, "xai answered %d while %s: %s", se.Status, doing, msg)
}

// moderated reports wording that means xAI's content rules refused it.
func moderated(s string) bool {
	s = strings.ToLower(s)
	return slices.ContainsFunc([]string{"moderat", "content policy", "safety", "usage guidelines"},
		func(w string) bool { return strings.Contains(s, w) })
}

// messageOf reads an xAI error body, {"code": …, "error": …}, and falls
// back to the body itself, shortened.
func messageOf(body []byte) string {
	var v struct {
		Code  string `json:"code"`
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &v) == nil && v.Error != "" {
		return shorten(v.Error)
	}
	return shorten(strings.TrimSpace(string(body)))
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	if s == "" {
		return "no detail given"
	}
	return s
}

// scrub keeps the key out of messages, whatever a provider echoes.
func (e *Engine) scrub(s string) string {
	return strings.ReplaceAll(s, e.cfg.APIKey, "[api key]")
}

// errText is a transport error without the request URL.
func errText(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return fmt.Sprintf("%s: %v", ue.Op, ue.Err)
	}
	return err.Error()
}

// undecodable reports an answer that was not the JSON the API documents:
// waiting longer would not mend it.
func undecodable(err error) bool {
	_, syntax := errors.AsType[*json.SyntaxError](err)
	_, typ := errors.AsType[*json.UnmarshalTypeError](err)
	return syntax || typ
}
