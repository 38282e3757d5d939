package veo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// Await polls the ticket's operation until it is done, downloads its
// video to dst and reports the seconds Google bills. Neither backend
// reports progress, so it stays at 0 until the file is in place.
func (e *Engine) Await(ctx context.Context, spec slate.RenderSpec, t engine.Ticket, dst string, progress func(engine.Progress)) (engine.Output, error) {
	d, err := e.ticket(t)
	if err != nil {
		return engine.Output{}, err
	}
	op, err := e.wait(ctx, t.ID)
	if err != nil {
		return engine.Output{}, err
	}
	uri, ferr := op.result()
	if ferr != nil {
		return engine.Output{}, ferr
	}
	err = e.download(ctx, uri, dst)
	if errors.Is(err, provider.ErrExpired) {
		// Read the operation once more and fetch what it names now, in
		// case Google moved the video or the miss was passing; the Gemini
		// API keeps a video for two days, after which only a new render
		// makes it.
		if again, lerr := e.look(ctx, t.ID); lerr == nil && again.Done {
			if fresh, ferr := again.result(); ferr == nil {
				err = e.download(ctx, fresh, dst)
			}
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return engine.Output{}, ctx.Err()
		}
		if errors.Is(err, provider.ErrExpired) {
			return engine.Output{}, engine.Errorf(slate.JobErrEngineFailed, true,
				"Veo's video for operation %s is gone from Google (it keeps them two days); only a new render makes it again", t.ID)
		}
		return engine.Output{}, err
	}
	if progress != nil {
		progress(engine.Progress{Percent: 100})
	}
	return engine.Output{Model: d.Model, Seed: d.Seed, Usage: engine.Usage{VideoMS: int64(d.Seconds) * 1000}}, nil
}

// ticket reads what Submit saved, refusing one this engine did not issue.
func (e *Engine) ticket(t engine.Ticket) (ticketData, error) {
	var d ticketData
	if err := json.Unmarshal([]byte(t.Data), &d); err != nil {
		return d, engine.Errorf(slate.JobErrEngineFailed, false, "the job's ticket is not a Veo ticket: %v", err)
	}
	if d.Backend != e.backend() {
		return d, engine.Errorf(slate.JobErrEngineFailed, false,
			"operation %s was sent to the %s backend, but this engine now uses %s", t.ID, d.Backend, e.backend())
	}
	if !e.validName(t.ID) {
		return d, engine.Errorf(slate.JobErrEngineFailed, false, "%q is not an operation this engine can follow", t.ID)
	}
	return d, nil
}

// wait polls until the operation is done. Throttling and Google's passing
// failures wait with backoff; only ctx ends the wait early.
func (e *Engine) wait(ctx context.Context, name string) (operation, error) {
	var op operation
	err := provider.Poll(ctx, e.cfg.Pacing, func(ctx context.Context) (provider.Step, error) {
		o, err := e.look(ctx, name)
		if err != nil || !o.Done {
			return provider.Step{}, err
		}
		op = o
		return provider.Step{Done: true}, nil
	})
	return op, err
}

// look reads the operation once: models.operations.get on the Gemini API,
// fetchPredictOperation on Vertex AI. A waiting answer stays a
// *provider.StatusError, with RetryInfo's delay when no Retry-After came.
func (e *Engine) look(ctx context.Context, name string) (operation, error) {
	var op operation
	var err error
	if e.vertex == nil {
		err = e.api.Do(ctx, http.MethodGet, "v1beta/"+name, nil, &op)
	} else {
		resource, _, _ := strings.Cut(name, "/operations/")
		err = e.api.Do(ctx, http.MethodPost, "v1/"+resource+":fetchPredictOperation", map[string]string{"operationName": name}, &op)
	}
	se, ok := asStatus(err)
	switch {
	case !ok:
		return op, err
	case se.Waits():
		if se.RetryAfter == 0 {
			se.RetryAfter = googleError(se).retryDelay()
		}
		return op, se
	case se.Status == http.StatusNotFound:
		return op, engine.Errorf(slate.JobErrEngineFailed, false, "Google no longer knows operation %s", name)
	}
	return op, callFailure(se)
}

// download saves the video at uri to dst. The Gemini API's file URI wants
// the key (and redirects to storage that does not); Vertex AI's gs://
// object is read through Cloud Storage's JSON API with the token.
func (e *Engine) download(ctx context.Context, uri, dst string) error {
	f := provider.Fetch{Header: http.Header{}, HTTP: e.downloadClient(), Pacing: e.cfg.Pacing}
	if v := e.vertex; v != nil {
		bucket, object, ok := strings.Cut(strings.TrimPrefix(uri, "gs://"), "/")
		if !strings.HasPrefix(uri, "gs://") || !ok || bucket == "" || object == "" {
			return engine.Errorf(slate.JobErrEngineFailed, false, "Vertex AI put the video at %q, not in Cloud Storage", uri)
		}
		f.URL = v.storage.String() + "storage/v1/b/" + url.PathEscape(bucket) + "/o/" + url.PathEscape(object) + "?alt=media"
		f.Header.Set("Authorization", "Bearer "+e.cfg.APIKey)
		return provider.Download(ctx, "veo", f, dst)
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return engine.Errorf(slate.JobErrEngineFailed, false, "the Gemini API put the video at %q, which is not an http(s) URL", uri)
	}
	f.URL = uri
	// The key goes only to the API's own host.
	if u.Host == e.api.Base.Host {
		f.Header.Set("x-goog-api-key", e.cfg.APIKey)
	}
	return provider.Download(ctx, "veo", f, dst)
}

// downloadClient is the configured client, except that a redirect to
// another host drops the key (Go keeps custom headers across hosts).
func (e *Engine) downloadClient() *http.Client {
	var hc http.Client
	if e.cfg.HTTP != nil {
		hc = *e.cfg.HTTP
	}
	next := hc.CheckRedirect
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != via[0].URL.Host {
			req.Header.Del("X-Goog-Api-Key")
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &hc
}
