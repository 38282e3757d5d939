package luma

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// createRequest is POST /generations/video's body, as the Python SDK's
// GenerationCreateParams types it. Luma has no seed and no negative prompt.
type createRequest struct {
	GenerationType string `json:"generation_type"`
	Model          string `json:"model"`
	Prompt         string `json:"prompt"`
	AspectRatio    string `json:"aspect_ratio,omitempty"`
	Resolution     string `json:"resolution,omitempty"`
	Duration       string `json:"duration,omitempty"`
	Loop           bool   `json:"loop"`
}

// generation is the API's Generation object, as far as a render needs it.
type generation struct {
	ID            string `json:"id"`
	State         string `json:"state"`
	FailureReason string `json:"failure_reason"`
	Model         string `json:"model"`
	Assets        struct {
		Video string `json:"video"`
	} `json:"assets"`
}

// request maps spec onto the API's fields.
func (e *Engine) request(spec slate.RenderSpec) (createRequest, error) {
	res, ok := e.tiers[spec.Tier]
	if !ok {
		return createRequest{}, engine.Errorf(slate.JobErrInvalidRequest, false,
			"engine %s renders the tiers %s, not %q", e.cfg.Name, strings.Join(e.Offer().Tiers, ", "), spec.Tier)
	}
	if spec.AspectRatio != "" && !slices.Contains(AspectRatios, spec.AspectRatio) {
		return createRequest{}, engine.Errorf(slate.JobErrInvalidRequest, false,
			"Luma renders the aspect ratios %s, not %s", strings.Join(AspectRatios, ", "), spec.AspectRatio)
	}
	return createRequest{
		GenerationType: "video",
		Model:          e.cfg.Model,
		Prompt:         spec.Prompt,
		AspectRatio:    spec.AspectRatio,
		Resolution:     res,
		Duration:       fmt.Sprintf("%ds", e.billed(spec)/1000),
		Loop:           e.opts.Loop,
	}, nil
}

// billed is the length Luma renders, and bills, for spec.
func (e *Engine) billed(spec slate.RenderSpec) int64 {
	ms, _ := e.Offer().Billed(spec.DurationMS)
	return ms
}

// Submit creates the generation. A refusal for throttling (429) is sent
// again after the wait Luma asks for; any other failure is returned, never
// retried, since Luma may have accepted what it did not answer.
func (e *Engine) Submit(ctx context.Context, spec slate.RenderSpec) (engine.Ticket, error) {
	req, err := e.request(spec)
	if err != nil {
		return engine.Ticket{}, err
	}
	var gen generation
	err = provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		err := e.client.Do(ctx, http.MethodPost, "generations/video", req, &gen)
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
	if gen.ID == "" {
		return engine.Ticket{}, engine.Errorf(slate.JobErrEngineFailed, false, "luma accepted the generation but sent no id")
	}
	return engine.Ticket{ID: gen.ID}, nil
}

// submitError sorts a failed create: a transport failure or a 5xx may
// hide an accepted generation, so the job may run again but this call
// does not send it again.
func (e *Engine) submitError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if se, ok := errors.AsType[*provider.StatusError](err); ok && se.Status < 500 {
		return e.callError(ctx, "creating the generation", err)
	}
	return engine.Errorf(slate.JobErrEngineUnavailable, true,
		"luma: creating the generation failed and Luma may have accepted it: %s", e.scrub(errText(err)))
}

// Await polls the generation until it completes or fails and downloads its
// video. Luma reports no progress, so progress is 100 only with the file
// in place. A video URL that has expired is asked for again once.
func (e *Engine) Await(ctx context.Context, spec slate.RenderSpec, t engine.Ticket, dst string, progress func(engine.Progress)) (engine.Output, error) {
	if progress == nil {
		progress = func(engine.Progress) {}
	}
	for refreshed := false; ; refreshed = true {
		gen, err := e.wait(ctx, t.ID)
		if err != nil {
			return engine.Output{}, err
		}
		if gen.Assets.Video == "" {
			return engine.Output{}, engine.Errorf(slate.JobErrEngineFailed, true, "luma: generation %s completed without a video", t.ID)
		}
		err = provider.Download(ctx, "luma", provider.Fetch{URL: gen.Assets.Video, HTTP: e.cfg.HTTP, Pacing: e.cfg.Pacing}, dst)
		if errors.Is(err, provider.ErrExpired) && !refreshed {
			continue
		}
		if err != nil {
			return engine.Output{}, err
		}
		model := gen.Model
		if model == "" {
			model = e.cfg.Model
		}
		progress(engine.Progress{Percent: 100})
		return engine.Output{Model: model, Usage: engine.Usage{VideoMS: e.billed(spec)}}, nil
	}
}

// wait polls until the generation completes, and returns it.
func (e *Engine) wait(ctx context.Context, id string) (generation, error) {
	var gen generation
	err := provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		var g generation
		if err := e.client.Do(ctx, http.MethodGet, "generations/"+pathID(id), nil, &g); err != nil {
			return provider.Step{}, e.pollError(ctx, id, err)
		}
		switch g.State {
		case "completed":
			gen = g
			return provider.Step{Done: true}, nil
		case "failed":
			code, retry := classify(g.FailureReason)
			reason := g.FailureReason
			if reason == "" {
				reason = "no reason given"
			}
			return provider.Step{}, engine.Errorf(code, retry, "luma: generation %s failed: %s", id, e.scrub(reason))
		default:
			// queued, dreaming, or a waiting state newer than this adapter.
			return provider.Step{}, nil
		}
	})
	if err != nil && ctx.Err() != nil {
		return gen, ctx.Err()
	}
	return gen, err
}

// pollError leaves throttling, 5xx and dropped connections to Poll's
// backoff and ends the wait on anything else.
func (e *Engine) pollError(ctx context.Context, id string, err error) error {
	if se, ok := errors.AsType[*provider.StatusError](err); ok {
		switch {
		case se.Waits():
			return err
		case se.Status == http.StatusNotFound:
			return engine.Errorf(slate.JobErrEngineFailed, false, "luma has no generation %s (was it deleted?)", id)
		}
		return e.callError(ctx, "following generation "+id, err)
	}
	if undecodable(err) {
		return engine.Errorf(slate.JobErrEngineFailed, false, "%s", e.scrub(err.Error()))
	}
	return err
}

// callError turns a failed call into the *engine.Error a person reads.
func (e *Engine) callError(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if ee, ok := errors.AsType[*engine.Error](err); ok {
		return ee
	}
	se, ok := errors.AsType[*provider.StatusError](err)
	if !ok {
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "luma could not be reached while %s: %s", doing, e.scrub(errText(err)))
	}
	detail := e.scrub(detailOf(se.Body))
	switch {
	case se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "luma refused the API key while %s (%d)", doing, se.Status)
	case se.Waits():
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "luma is unavailable while %s (%d): %s", doing, se.Status, detail)
	case se.Status == http.StatusBadRequest || se.Status == http.StatusUnprocessableEntity:
		code, _ := classify(detail)
		if code == slate.JobErrEngineFailed {
			code = slate.JobErrInvalidRequest
		}
		return engine.Errorf(code, false, "luma refused the request while %s: %s", doing, detail)
	}
	return engine.Errorf(provider.CodeOf(se.Status), false, "luma answered %d while %s: %s", se.Status, doing, detail)
}

// classify sorts a failure_reason by the wording docs.lumalabs.ai/docs/errors
// lists: moderation, input the request got wrong, credits, or Luma's own
// failure. A failed generation is refunded, so running it again is safe.
func classify(reason string) (code string, retryable bool) {
	r := strings.ToLower(reason)
	has := func(words ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(r, w) })
	}
	switch {
	case has("moderation", "blacklisted"):
		return slate.JobErrPromptRejected, false
	case has("credit", "balance", "insufficient funds"):
		return slate.JobErrQuotaExceeded, false
	case has("prompt is", "not supported", "no keyframes", "unknown request type", "failed to read user input frames", "invalid"):
		return slate.JobErrInvalidRequest, false
	}
	return slate.JobErrEngineFailed, true
}

// detailOf reads an error body's "detail", a string or FastAPI's list of
// validation errors, and falls back to the body itself, shortened.
func detailOf(body []byte) string {
	var v struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil && len(v.Detail) > 0 {
		var s string
		if json.Unmarshal(v.Detail, &s) == nil {
			return shorten(s)
		}
		var list []struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(v.Detail, &list) == nil {
			var msgs []string
			for _, m := range list {
				msgs = append(msgs, m.Msg)
			}
			return shorten(strings.Join(msgs, "; "))
		}
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

// errText is a transport error without the request URL's query.
func errText(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Op + ": " + ue.Err.Error()
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

func pathID(id string) string { return url.PathEscape(id) }
