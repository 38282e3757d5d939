package veo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// request is predictLongRunning's body on both backends.
type request struct {
	Instances  []instance `json:"instances"`
	Parameters parameters `json:"parameters"`
}

type instance struct {
	Prompt string `json:"prompt"`
	Image  *image `json:"image,omitempty"`
}

// image is the first frame for image-to-video: inline bytes, the one form
// both backends document (Vertex AI also takes a gcsUri, which Slate has
// no object for).
type image struct {
	BytesBase64Encoded string `json:"bytesBase64Encoded"`
	MimeType           string `json:"mimeType"`
}

// parameters are the documented ones this adapter sets. The Gemini API
// takes no seed, storageUri or generateAudio (the Gemini SDKs refuse
// them there); sampleCount is sent so one video is made and billed.
type parameters struct {
	AspectRatio     string  `json:"aspectRatio,omitempty"`
	NegativePrompt  string  `json:"negativePrompt,omitempty"`
	Resolution      string  `json:"resolution,omitempty"`
	DurationSeconds int     `json:"durationSeconds"`
	SampleCount     int     `json:"sampleCount"`
	Seed            *uint32 `json:"seed,omitempty"`
	StorageURI      string  `json:"storageUri,omitempty"`
	GenerateAudio   *bool   `json:"generateAudio,omitempty"`
}

// ticketData is what Await needs beyond the operation's name: the backend
// that issued it and what was asked for, which is what Google bills.
type ticketData struct {
	Backend    string `json:"backend"`
	Model      string `json:"model"`
	Seconds    int    `json:"seconds"`
	Resolution string `json:"resolution,omitempty"`
	Seed       *int64 `json:"seed,omitempty"`
}

// maxThrottled is how many 429s in a row Submit waits out before giving
// the job back to the queue.
const maxThrottled = 8

// Submit sends spec to predictLongRunning and returns the operation's name
// once Google has accepted it. Only a 429 is sent again, after the wait
// Google asks for: it refused the request. A quota spent for the day is
// quota_exceeded; a failure after sending is not retried, since the
// request may have reached Google.
func (e *Engine) Submit(ctx context.Context, spec slate.RenderSpec) (engine.Ticket, error) {
	s, err := e.family.shape(e.cfg.Name, e.tiers, spec)
	if err != nil {
		return engine.Ticket{}, err
	}
	png, err := provider.StartImage(spec)
	if err != nil {
		return engine.Ticket{}, err
	}
	req, data := e.request(s, spec)
	if png != nil {
		req.Instances[0].Image = &image{BytesBase64Encoded: base64.StdEncoding.EncodeToString(png), MimeType: "image/png"}
	}
	var op operation
	throttled := 0
	err = provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		err := e.api.Do(ctx, http.MethodPost, e.submitPath(), req, &op)
		if err == nil {
			return provider.Step{Done: true}, nil
		}
		se, ok := asStatus(err)
		if !ok {
			if ctx.Err() != nil {
				return provider.Step{}, err
			}
			return provider.Step{}, engine.Errorf(slate.JobErrEngineUnavailable, true,
				"veo: the request may have reached Google, so it is not sent again: %v", err)
		}
		g := googleError(se)
		if se.Status != http.StatusTooManyRequests || g.daily() {
			return provider.Step{}, callFailure(se)
		}
		if throttled++; throttled >= maxThrottled {
			return provider.Step{}, engine.Errorf(slate.JobErrEngineUnavailable, true,
				"Google throttled %d submissions in a row: %s", throttled, g.Message)
		}
		if se.RetryAfter == 0 {
			se.RetryAfter = g.retryDelay()
		}
		return provider.Step{}, se
	})
	if err != nil {
		if ctx.Err() != nil {
			return engine.Ticket{}, ctx.Err()
		}
		return engine.Ticket{}, engine.AsError(err)
	}
	if !e.validName(op.Name) {
		return engine.Ticket{}, engine.Errorf(slate.JobErrEngineFailed, false,
			"Google accepted the request but named its operation %q, which this adapter cannot follow", op.Name)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return engine.Ticket{}, engine.Errorf(slate.JobErrEngineFailed, false, "veo: %v", err)
	}
	return engine.Ticket{ID: op.Name, Data: string(b)}, nil
}

// request builds the body for s and the ticket data that goes with it.
func (e *Engine) request(s shot, spec slate.RenderSpec) (request, ticketData) {
	p := parameters{AspectRatio: s.aspect, NegativePrompt: s.negative, Resolution: s.resolution,
		DurationSeconds: s.seconds, SampleCount: 1}
	d := ticketData{Backend: e.backend(), Model: e.model, Seconds: s.seconds, Resolution: s.resolution}
	if v := e.vertex; v != nil {
		// Vertex takes a uint32 seed; the spec's wraps into it, and the
		// take keeps the seed that was sent.
		seed := uint32(spec.Seed)
		p.Seed = &seed
		sent := int64(seed)
		d.Seed = &sent
		p.StorageURI = "gs://" + v.bucket + "/" + v.prefix
		if segment.MatchString(spec.JobID) {
			p.StorageURI += spec.JobID + "/"
		}
		if e.family.audio {
			audio := v.audio
			p.GenerateAudio = &audio
		}
	}
	return request{Instances: []instance{{Prompt: s.prompt}}, Parameters: p}, d
}

func (e *Engine) backend() string {
	if e.vertex != nil {
		return "vertex"
	}
	return "gemini"
}

func (e *Engine) submitPath() string {
	if e.vertex != nil {
		return "v1/" + e.vertex.resource(e.model) + ":predictLongRunning"
	}
	return "v1beta/models/" + e.model + ":predictLongRunning"
}

// validName checks an operation's name before it goes into a URL: the
// Gemini API's models/{model}/operations/{id}, or Vertex AI's under the
// engine's project and location.
func (e *Engine) validName(name string) bool {
	parts := strings.Split(name, "/")
	for _, p := range parts {
		if !segment.MatchString(p) {
			return false
		}
	}
	if e.vertex == nil {
		return len(parts) == 4 && parts[0] == "models" && parts[2] == "operations"
	}
	return len(parts) == 10 && parts[0] == "projects" && parts[2] == "locations" &&
		parts[4] == "publishers" && parts[5] == "google" && parts[6] == "models" && parts[8] == "operations"
}
