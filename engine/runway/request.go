package runway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf16"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// taskRequest is the body of POST /v1/text_to_video and
// /v1/image_to_video: the fields the API reference lists for the models
// this adapter knows, each sent only where the model takes it.
type taskRequest struct {
	Model string `json:"model"`
	// PromptImage is the start frame: an HTTPS URL or a data: URI (up to
	// 5 MB). Set, the task goes to /v1/image_to_video; empty, the model
	// renders from text.
	PromptImage       string      `json:"promptImage,omitempty"`
	PromptText        string      `json:"promptText,omitempty"`
	Ratio             string      `json:"ratio"`
	Duration          int64       `json:"duration"`
	Seed              *uint32     `json:"seed,omitempty"`
	NegativePrompt    string      `json:"negativePrompt,omitempty"`
	Audio             *bool       `json:"audio,omitempty"`
	ContentModeration *moderation `json:"contentModeration,omitempty"`
}

type moderation struct {
	PublicFigureThreshold string `json:"publicFigureThreshold"`
}

// path is the endpoint that creates the task.
func (r taskRequest) path() string {
	if r.PromptImage != "" {
		return "v1/image_to_video"
	}
	return "v1/text_to_video"
}

// ticketData is what Await needs beyond the task id: what was asked for,
// which is what Runway bills, however the entry changes meanwhile.
type ticketData struct {
	Model    string `json:"model"`
	Duration int64  `json:"duration"`
	Seed     *int64 `json:"seed,omitempty"`
}

// maxPromptUnits is the API's limit on promptText, in UTF-16 code units.
const maxPromptUnits = 1000

// maxThrottled is how many 429s in a row Submit waits out before giving
// the job back: Runway answers 429 when the organisation's daily
// generations are spent, which waiting minutes does not mend.
const maxThrottled = 8

// request maps spec onto the task's fields; startImage, when not empty,
// is the frame the video starts from. Whatever the model cannot render is
// refused here, before anything is sent or paid for.
func (e *Engine) request(spec slate.RenderSpec, startImage string) (taskRequest, error) {
	m, name := e.model, e.cfg.Model
	image := startImage != ""
	if !image && m.fromText == nil {
		return taskRequest{}, engine.Errorf(slate.JobErrInvalidRequest, false,
			"runway: %s renders only from a start image (image-to-video), and the shot has none; use a model that renders from text, such as gen4.5", name)
	}
	res, ok := e.tiers[spec.Tier]
	if !ok {
		return taskRequest{}, engine.Errorf(slate.JobErrInvalidRequest, false,
			"engine %s renders the tiers %s, not %q", e.cfg.Name, strings.Join(e.Offer().Tiers, ", "), spec.Tier)
	}
	aspect := spec.AspectRatio
	if aspect == "" {
		aspect = slate.DefaultAspectRatio
	}
	ratio, ok := m.ratio(res, aspect, image)
	if !ok {
		from := "from text"
		if image {
			from = "from an image"
		}
		return taskRequest{}, engine.Errorf(slate.JobErrInvalidRequest, false,
			"runway: %s renders %s at %s only in %s, not %s", name, from, res, m.aspects(res, image), aspect)
	}
	if strings.TrimSpace(spec.Prompt) == "" && !image {
		return taskRequest{}, engine.Errorf(slate.JobErrInvalidRequest, false, "runway: the shot has no prompt, and %s needs one", name)
	}
	if n := len(utf16.Encode([]rune(spec.Prompt))); n > maxPromptUnits {
		return taskRequest{}, engine.Errorf(slate.JobErrInvalidRequest, false,
			"runway: the prompt is %d characters long (UTF-16); Runway takes at most %d", n, maxPromptUnits)
	}
	r := taskRequest{Model: name, PromptImage: startImage, PromptText: spec.Prompt, Ratio: ratio,
		Duration: e.billed(spec) / 1000}
	if m.seed {
		// Runway takes a seed from 0 to 2³²−1; the spec's wraps into it,
		// and the take keeps the seed that was sent.
		seed := uint32(spec.Seed)
		r.Seed = &seed
	}
	if m.negativePrompt {
		r.NegativePrompt = spec.NegativePrompt
	}
	if m.audio {
		r.Audio = e.opts.Audio
	}
	if e.opts.PublicFigureThreshold != "" {
		r.ContentModeration = &moderation{PublicFigureThreshold: e.opts.PublicFigureThreshold}
	}
	return r, nil
}

// billed is the length Runway renders, and bills, for spec.
func (e *Engine) billed(spec slate.RenderSpec) int64 {
	ms, _ := e.Offer().ForTier(spec.Tier).Billed(spec.DurationMS)
	return ms
}

// Submit creates the task from the shot's words alone.
func (e *Engine) Submit(ctx context.Context, spec slate.RenderSpec) (engine.Ticket, error) {
	png, err := provider.StartImage(spec)
	if err != nil {
		return engine.Ticket{}, err
	}
	image := ""
	if png != nil {
		image = provider.DataURI(png)
	}
	return e.submit(ctx, spec, image)
}

// submit creates the task, from startImage when it is set, and returns
// its ticket once Runway has accepted it. A 429 is sent again after the
// wait Runway asks for, a few times: Runway refused it. Anything else is
// returned, never sent again, since Runway may have accepted what it did
// not answer.
func (e *Engine) submit(ctx context.Context, spec slate.RenderSpec, startImage string) (engine.Ticket, error) {
	req, err := e.request(spec, startImage)
	if err != nil {
		return engine.Ticket{}, err
	}
	var created struct {
		ID string `json:"id"`
	}
	throttled := 0
	err = provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		err := e.client.Do(ctx, http.MethodPost, req.path(), req, &created)
		if se, ok := errors.AsType[*provider.StatusError](err); ok && se.Status == http.StatusTooManyRequests {
			if throttled++; throttled < maxThrottled {
				return provider.Step{}, err // refused, so sending it again cannot pay twice
			}
			return provider.Step{}, engine.Errorf(slate.JobErrEngineUnavailable, true,
				"runway refused the task %d times for the organisation's limits (429); its daily generations may be spent: %s",
				throttled, e.scrub(messageOf(se.Body)))
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
	if created.ID == "" {
		return engine.Ticket{}, engine.Errorf(slate.JobErrEngineFailed, false, "runway accepted the task but sent no id")
	}
	d := ticketData{Model: req.Model, Duration: req.Duration}
	if req.Seed != nil {
		s := int64(*req.Seed)
		d.Seed = &s
	}
	data, err := json.Marshal(d)
	if err != nil {
		return engine.Ticket{}, err
	}
	return engine.Ticket{ID: created.ID, Data: string(data)}, nil
}

// submitError sorts a failed create: a transport failure or a 5xx may hide
// an accepted task, so the job may run again but this call does not send
// it again.
func (e *Engine) submitError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if se, ok := errors.AsType[*provider.StatusError](err); ok && se.Status < 500 {
		return e.callError(ctx, "creating the task", err)
	}
	return engine.Errorf(slate.JobErrEngineUnavailable, true,
		"runway: creating the task failed and Runway may have accepted it: %s", e.scrub(errText(err)))
}
