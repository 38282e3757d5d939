package replicate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// prediction is Replicate's prediction object, as far as a render needs
// it (testdata/prediction-*.json are examples).
type prediction struct {
	ID          string                     `json:"id"`
	Model       string                     `json:"model"`
	Version     string                     `json:"version"`
	Status      string                     `json:"status"`
	Input       map[string]json.RawMessage `json:"input"`
	Output      json.RawMessage            `json:"output"`
	Error       any                        `json:"error"`
	Logs        string                     `json:"logs"`
	DataRemoved bool                       `json:"data_removed"`
	Metrics     struct {
		PredictTime float64 `json:"predict_time"`
	} `json:"metrics"`
}

// Prediction statuses: starting and processing wait; the rest end it.
// aborted is a prediction whose deadline passed before it started.
const (
	starting   = "starting"
	processing = "processing"
	succeeded  = "succeeded"
	failed     = "failed"
	canceled   = "canceled"
	aborted    = "aborted"
)

// createBody is what POST …/predictions takes.
type createBody struct {
	Version string         `json:"version,omitempty"`
	Input   map[string]any `json:"input"`
}

// Submit creates the prediction and returns its id as the ticket. Only a
// 429, which says Replicate refused the request, is sent again; any other
// failure after the request went out may have created a prediction, so it
// is never repeated here.
func (e *Engine) Submit(ctx context.Context, spec slate.RenderSpec) (engine.Ticket, error) {
	input, err := e.input(spec)
	if err != nil {
		return engine.Ticket{}, err
	}
	ref, body := "models/"+e.owner+"/"+e.name+"/predictions", createBody{Input: input}
	if e.version != "" {
		ref, body.Version = "predictions", e.version
	}
	var p prediction
	err = provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		err := e.client.Do(ctx, http.MethodPost, ref, body, &p)
		if err == nil {
			return provider.Step{Done: true}, nil
		}
		if se, ok := errors.AsType[*provider.StatusError](err); ok {
			if se.Status == http.StatusTooManyRequests {
				return provider.Step{}, err // refused, not taken: Poll waits and asks again
			}
			return provider.Step{}, apiError(se, "creating the prediction")
		}
		if ctx.Err() != nil {
			return provider.Step{}, err
		}
		return provider.Step{}, engine.Errorf(slate.JobErrEngineUnavailable, true,
			"replicate: creating the prediction failed after it was sent (%v); it is not sent again, as Replicate may have taken it", err)
	})
	if err != nil {
		return engine.Ticket{}, err
	}
	if _, err := ticketID(engine.Ticket{ID: p.ID}); err != nil {
		return engine.Ticket{}, engine.Errorf(slate.JobErrEngineFailed, false, "replicate: the prediction was created without a usable id (%q)", p.ID)
	}
	return engine.Ticket{ID: p.ID}, nil
}

// input fills the template with spec, refusing what the entry says the
// model cannot take before anything is sent.
func (e *Engine) input(spec slate.RenderSpec) (map[string]any, error) {
	res, ok := e.tiers[spec.Tier]
	if !ok {
		return nil, engine.Errorf(slate.JobErrInvalidRequest, false, "%s does not render tier %q; it renders %s",
			e.cfg.Name, spec.Tier, strings.Join(e.offer.Tiers, ", "))
	}
	if len(e.ratios) > 0 && !slices.Contains(e.ratios, spec.AspectRatio) {
		return nil, engine.Errorf(slate.JobErrInvalidRequest, false, "%s does not render aspect ratio %q; it renders %s",
			e.cfg.Name, spec.AspectRatio, strings.Join(e.ratios, ", "))
	}
	f := Fields{Prompt: spec.Prompt, NegativePrompt: spec.NegativePrompt, Seed: spec.Seed,
		AspectRatio: spec.AspectRatio, Width: spec.Width, Height: spec.Height,
		Resolution: res, FrameRate: spec.FrameRate}
	f.DurationMS, _ = e.offer.Billed(spec.DurationMS)
	if e.offer.StartImage != "" {
		png, err := provider.StartImage(spec)
		if err != nil {
			return nil, err
		}
		if png == nil && e.offer.StartImage == slate.StartImageRequired {
			return nil, engine.Errorf(slate.JobErrInvalidRequest, false, "%s renders only from a start image, and the shot has none", e.cfg.Name)
		}
		if png != nil {
			// Replicate takes a file input as a data: URI as well as a
			// URL, recommended below 1 MB; a frame is sent inline rather
			// than uploaded, so nothing outlives the prediction.
			f.StartImage = provider.DataURI(png)
		}
	}
	return e.tmpl.Fill(f), nil
}

var predictionID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// ticketID is the ticket's prediction id, checked before it goes into a
// path.
func ticketID(t engine.Ticket) (string, error) {
	if !predictionID.MatchString(t.ID) {
		return "", engine.Errorf(slate.JobErrEngineFailed, false, "replicate: %q is not a prediction id", t.ID)
	}
	return t.ID, nil
}

// Await polls the prediction until it ends, then downloads its video.
func (e *Engine) Await(ctx context.Context, spec slate.RenderSpec, t engine.Ticket, dst string, progress func(engine.Progress)) (engine.Output, error) {
	if progress == nil {
		progress = func(engine.Progress) {}
	}
	id, err := ticketID(t)
	if err != nil {
		return engine.Output{}, err
	}
	percent := 0
	p, err := e.follow(ctx, id, func(p *prediction) {
		if pc := logProgress(p.Logs); pc > percent {
			percent = pc
			progress(engine.Progress{Percent: pc})
		}
	})
	if err != nil {
		return engine.Output{}, err
	}
	err = e.fetch(ctx, p, dst)
	if errors.Is(err, provider.ErrExpired) {
		// The file's URL went stale while we waited; the prediction may
		// hand out a fresh one, once.
		if p, err = e.follow(ctx, id, nil); err == nil {
			err = e.fetch(ctx, p, dst)
		}
	}
	if err != nil {
		return engine.Output{}, err
	}
	progress(engine.Progress{Percent: 100})
	out := engine.Output{Model: e.cfg.Model, Usage: engine.Usage{
		VideoMS:   e.billed(spec),
		ComputeMS: int64(math.Round(p.Metrics.PredictTime * 1000)),
	}}
	if p.Model != "" {
		out.Model = p.Model
		if e.version != "" {
			out.Model += ":" + e.version
		}
	}
	// The prediction echoes its input: the seed there is the one the
	// model was given.
	if k := e.tmpl.SeedKey(); k != "" {
		if seed, err := strconv.ParseInt(string(p.Input[k]), 10, 64); err == nil {
			out.Seed = &seed
		}
	}
	return out, nil
}

func (e *Engine) billed(spec slate.RenderSpec) int64 {
	d, _ := e.offer.Billed(spec.DurationMS)
	return d
}

// follow polls the prediction until it succeeds, calling each while it
// waits. Throttling and passing failures back off; a prediction that ends
// any other way is the job's error.
func (e *Engine) follow(ctx context.Context, id string, each func(*prediction)) (*prediction, error) {
	var p *prediction
	err := provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		p = &prediction{}
		if err := e.client.Do(ctx, http.MethodGet, "predictions/"+id, nil, p); err != nil {
			if se, ok := errors.AsType[*provider.StatusError](err); ok && !se.Waits() {
				if se.Status == http.StatusNotFound {
					return provider.Step{}, engine.Errorf(slate.JobErrEngineFailed, false,
						"replicate: prediction %s is unknown to Replicate (404); was the entry's API token changed?", id)
				}
				return provider.Step{}, apiError(se, "following prediction "+id)
			}
			return provider.Step{}, err
		}
		switch p.Status {
		case succeeded:
			return provider.Step{Done: true}, nil
		case failed, canceled, aborted:
			return provider.Step{}, p.failure()
		}
		// starting, processing, and any state newer than this adapter.
		if each != nil {
			each(p)
		}
		return provider.Step{}, nil
	})
	return p, err
}

// failure is the job error of a prediction that ended without a video.
func (p *prediction) failure() *engine.Error {
	msg := errorText(p.Error)
	switch {
	case p.Status == aborted:
		return engine.Errorf(slate.JobErrEngineTimeout, true, "replicate: prediction %s passed its deadline before it started (aborted); nothing was billed", p.ID)
	case p.Status == canceled:
		return engine.Errorf(slate.JobErrEngineFailed, false, "replicate: prediction %s was canceled at Replicate", p.ID)
	case moderated(msg):
		return engine.Errorf(slate.JobErrPromptRejected, false, "replicate: the model refused the shot: %s", msg)
	case strings.Contains(msg, "E6716"):
		return engine.Errorf(slate.JobErrEngineTimeout, true, "replicate: prediction %s did not start in time: %s", p.ID, msg)
	case msg == "":
		msg = "no reason given"
	}
	return engine.Errorf(slate.JobErrEngineFailed, false, "replicate: prediction %s failed: %s", p.ID, msg)
}

// moderation is how Replicate's models say they refused content: the
// "(E005) flagged as sensitive" failure of hosted models such as Kling
// and Seedance, and the Stable Diffusion family's "NSFW content detected".
// The phrases are whole enough that an input named disable_safety_checker
// failing validation is not taken for a refusal.
var moderation = []string{"nsfw", "(e005)", "flagged as sensitive", "sensitive content", "content policy",
	"safety system", "safety filter", "moderation"}

func moderated(msg string) bool {
	lower := strings.ToLower(msg)
	for _, m := range moderation {
		if strings.Contains(lower, m) {
			return true
		}
	}
	return false
}

// errorText is a prediction's error, which is documented as a string but
// is any JSON a model raised.
func errorText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return clip(v)
	}
	b, _ := json.Marshal(v)
	return clip(string(b))
}

func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}

// problem is Replicate's error body (RFC 7807 problem details).
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// apiError sorts an answer outside 2xx into the job error a person reads.
func apiError(se *provider.StatusError, doing string) *engine.Error {
	var pb problem
	_ = json.Unmarshal(se.Body, &pb)
	msg := pb.Detail
	if msg == "" {
		msg = pb.Title
	}
	if msg == "" {
		msg = clip(string(se.Body))
	}
	msg = fmt.Sprintf("replicate: %s: %d %s", doing, se.Status, clip(msg))
	switch {
	case moderated(pb.Detail + " " + pb.Title):
		return engine.Errorf(slate.JobErrPromptRejected, false, "%s", msg)
	case se.Status == http.StatusUnauthorized || se.Status == http.StatusForbidden:
		return engine.Errorf(slate.JobErrEngineUnavailable, false, "%s (check the entry's API token)", msg)
	case se.Waits():
		// A 5xx to a POST: it may have been taken, so it is the worker's
		// to decide, not ours to repeat.
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "%s", msg)
	}
	return engine.Errorf(provider.CodeOf(se.Status), false, "%s", msg)
}

// tqdm is a progress bar line as Cog models log them:
// " 45%|████▌     | 9/20 [00:04<00:05,  2.01it/s]".
var tqdm = regexp.MustCompile(`(?m)^\s*(\d{1,3})%\|[^|\n]*\|\s*(\d+)/(\d+)`)

// logProgress is the last progress bar in a prediction's logs, held at 99
// until the file is in place; 0 when the logs show none.
func logProgress(logs string) int {
	m := tqdm.FindAllStringSubmatch(logs, -1)
	if len(m) == 0 {
		return 0
	}
	last := m[len(m)-1]
	done, _ := strconv.Atoi(last[2])
	total, _ := strconv.Atoi(last[3])
	if total <= 0 {
		return 0
	}
	return min(done*100/total, 99)
}
