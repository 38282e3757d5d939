// Package veo is the engine that renders a shot with Google's Veo models,
// through the Gemini API's long-running predictLongRunning operation
// (an API key) or Vertex AI's (a project, a location and an access token),
// chosen by the engines-file entry's "backend" option.
//
// It speaks the REST protocol itself with engine/provider rather than
// google.golang.org/genai: the SDK (v1.78 and later) refuses video
// generation on the Gemini API, reads credentials and endpoints from the
// environment on its own, and drops Retry-After (docs/engines/veo.md).
package veo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// Adapter is the adapter's name in the engines file.
const Adapter = "veo"

// GeminiURL is the Gemini API's documented endpoint.
const GeminiURL = "https://generativelanguage.googleapis.com/"

// StorageURL is Cloud Storage's JSON API, where Vertex AI leaves videos.
const StorageURL = "https://storage.googleapis.com/"

// options are the entry's adapter settings.
type options struct {
	// Backend is "gemini" (the default) or "vertex".
	Backend string `json:"backend"`
	// Project and Location name Vertex AI's project and region.
	Project  string `json:"project"`
	Location string `json:"location"`
	// StorageURI is the gs:// prefix Vertex AI writes videos under, which
	// Slate then downloads (resumably) from Cloud Storage.
	StorageURI string `json:"storage_uri"`
	// StorageURL overrides Cloud Storage's endpoint (tests, proxies).
	StorageURL string `json:"storage_url"`
	// GenerateAudio, on Vertex AI, asks a Veo 3 model for its soundtrack
	// (the default) or not, which Vertex prices lower.
	GenerateAudio *bool `json:"generate_audio"`
}

// vertex is where a Vertex AI engine sends its requests and finds its
// videos.
type vertex struct {
	project, location string
	bucket, prefix    string
	storage           *url.URL
	audio             bool
}

// Engine renders with one Veo model. It is safe for concurrent renders.
type Engine struct {
	cfg    provider.Config
	model  string
	family family
	tiers  map[string]string
	api    *provider.Client
	vertex *vertex // nil on the Gemini API
}

var (
	_ engine.Hosted    = (*Engine)(nil)
	_ engine.Offerer   = (*Engine)(nil)
	_ provider.Checker = (*Engine)(nil)
)

var (
	modelID = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)
	segment = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// New checks cfg and returns the engine; an error names the field at fault.
func New(cfg provider.Config) (*Engine, error) {
	model := strings.TrimPrefix(cfg.Model, "models/")
	switch {
	case cfg.Name == "":
		return nil, errors.New("veo: name is empty")
	case !modelID.MatchString(model):
		return nil, fmt.Errorf("veo: model %q is not a Veo model id such as veo-3.1-generate-001", cfg.Model)
	case cfg.APIKey == "":
		return nil, errors.New("veo: the key (api_key_env) is empty")
	}
	var o options
	if len(bytes.TrimSpace(cfg.Options)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(cfg.Options))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return nil, fmt.Errorf("veo: options: %w", err)
		}
	}
	fam := familyOf(model)
	tiers, err := fam.tierMap(model, cfg.Tiers)
	if err != nil {
		return nil, fmt.Errorf("veo: %w", err)
	}
	e := &Engine{cfg: cfg, model: model, family: fam, tiers: tiers}
	header := http.Header{}
	base := cfg.BaseURL
	switch o.Backend {
	case "", "gemini":
		if o.Project != "" || o.Location != "" || o.StorageURI != "" || o.StorageURL != "" || o.GenerateAudio != nil {
			return nil, errors.New("veo: options.project, location, storage_uri, storage_url and generate_audio are for \"backend\": \"vertex\"")
		}
		header.Set("x-goog-api-key", cfg.APIKey)
		if base == "" {
			base = GeminiURL
		}
	case "vertex":
		if e.vertex, err = newVertex(o, fam); err != nil {
			return nil, err
		}
		header.Set("Authorization", "Bearer "+cfg.APIKey)
		if base == "" {
			base = vertexURL(o.Location)
		}
	default:
		return nil, fmt.Errorf("veo: options.backend %q is neither \"gemini\" nor \"vertex\"", o.Backend)
	}
	if e.api, err = provider.NewClient("veo", base, header, cfg.HTTP); err != nil {
		return nil, err
	}
	e.api.Timeout = cfg.Timeout
	return e, nil
}

func newVertex(o options, fam family) (*vertex, error) {
	switch {
	case !segment.MatchString(o.Project):
		return nil, fmt.Errorf("veo: options.project %q is not a Google Cloud project id", o.Project)
	case !segment.MatchString(o.Location):
		return nil, fmt.Errorf("veo: options.location %q is not a Vertex AI location such as us-central1", o.Location)
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(o.StorageURI, "gs://"), "/")
	if !strings.HasPrefix(o.StorageURI, "gs://") || !segment.MatchString(bucket) {
		return nil, fmt.Errorf("veo: options.storage_uri %q is not a gs://bucket/prefix/ where Vertex AI can leave videos", o.StorageURI)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	su := o.StorageURL
	if su == "" {
		su = StorageURL
	}
	storage, err := url.Parse(su)
	if err != nil || (storage.Scheme != "http" && storage.Scheme != "https") || storage.Host == "" {
		return nil, fmt.Errorf("veo: options.storage_url %q is not an http(s) URL", su)
	}
	if !strings.HasSuffix(storage.Path, "/") {
		storage.Path += "/"
	}
	v := &vertex{project: o.Project, location: o.Location, bucket: bucket, prefix: prefix, storage: storage, audio: fam.audio}
	if o.GenerateAudio != nil {
		v.audio = *o.GenerateAudio && fam.audio
	}
	return v, nil
}

// vertexURL is Vertex AI's regional endpoint, or its global one.
func vertexURL(location string) string {
	if location == "global" {
		return "https://aiplatform.googleapis.com/"
	}
	return "https://" + location + "-aiplatform.googleapis.com/"
}

// Name is the engine's name in the engines file.
func (e *Engine) Name() string { return e.cfg.Name }

// Render submits spec and waits for its video, for callers that keep no
// ticket.
func (e *Engine) Render(ctx context.Context, spec slate.RenderSpec, dst string, progress func(engine.Progress)) error {
	return engine.RenderHosted(ctx, e, spec, dst, progress)
}

// Offer is the tiers the entry maps and the lengths the model renders;
// 1080p and 4k tiers render at 8 s only.
func (e *Engine) Offer() slate.EngineOffer {
	return e.family.offer(e.cfg.Name, e.model, e.tiers)
}

// Cancel does nothing: neither the Gemini API (its models.operations has
// get and list only) nor Vertex AI (publishers.models has no operations
// resource) documents a way to cancel a video operation. The render runs
// to its end at Google and is billed.
func (e *Engine) Cancel(context.Context, engine.Ticket) error { return nil }

// Check makes one cheap authenticated call: on the Gemini API, models.get
// of the entry's model (200 with a good key and a model that exists); on
// Vertex AI, which has no such read, fetchPredictOperation of an operation
// that does not exist, which a good token turns into 400 or 404 and a bad
// one into 401 or 403.
func (e *Engine) Check(ctx context.Context) error {
	if e.vertex == nil {
		err := e.api.Do(ctx, http.MethodGet, "v1beta/models/"+e.model, nil, nil)
		if se, ok := asStatus(err); ok {
			return fmt.Errorf("veo: %s", callFailure(se).Message)
		}
		if err != nil {
			return fmt.Errorf("veo: %w", err)
		}
		return nil
	}
	body := map[string]string{"operationName": e.vertex.resource(e.model) + "/operations/slate-check"}
	err := e.api.Do(ctx, http.MethodPost, "v1/"+e.vertex.resource(e.model)+":fetchPredictOperation", body, nil)
	if se, ok := asStatus(err); ok {
		if se.Status == http.StatusBadRequest || se.Status == http.StatusNotFound {
			return nil
		}
		return fmt.Errorf("veo: %s", callFailure(se).Message)
	}
	if err != nil {
		return fmt.Errorf("veo: %w", err)
	}
	return nil
}

// resource is the publisher model's name under the project and location.
func (v *vertex) resource(model string) string {
	return "projects/" + v.project + "/locations/" + v.location + "/publishers/google/models/" + model
}
