package worker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"slate"
	"slate/engine"
	"slate/media"
	"slate/queue"
)

// A hosted render is paid for once its provider accepts it. So the worker
// saves the provider's receipt on the job (Queue.Submitted) before it
// waits for the result, and a worker that claims a job with a receipt
// resumes that request instead of submitting again. Between the provider's
// acceptance and the receipt's commit there is a window of one database
// write; a worker that dies inside it leaves a request nobody follows.

// errLeaseLost is a render abandoned because the job is no longer ours.
var errLeaseLost = errors.New("worker: the job is no longer this worker's")

// cancelTimeout bounds the call that cancels a request at its provider.
const cancelTimeout = 30 * time.Second

// requestBox holds a hosted render's receipt once it has one; the render's
// goroutine writes it and the slot reads it after.
type requestBox struct {
	mu sync.Mutex
	h  engine.Hosted
	t  *engine.Ticket
}

func (b *requestBox) set(t engine.Ticket) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.t = &t
}

func (b *requestBox) get() *engine.Ticket {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.t
}

// hostedWork submits the job's render, or resumes the request an earlier
// worker had accepted, and waits for its result.
func (c *Config) hostedWork(cl *slate.Claim, h engine.Hosted, key string) *work {
	box := &requestBox{h: h}
	if cl.Request != nil {
		box.set(*cl.Request)
	}
	j := cl.Job
	return &work{key: key, mediaType: "video/mp4", request: box,
		make: func(ctx context.Context, dst string, progress func(engine.Progress)) (engine.Output, error) {
			if queue.WorkOf(box.get() != nil) == queue.SubmitWork {
				spec, done, err := c.withStartImage(ctx, h, cl.Spec)
				if err != nil {
					return engine.Output{}, err
				}
				t, err := h.Submit(ctx, spec)
				done()
				if err != nil {
					return engine.Output{}, err
				}
				box.set(t)
				// The receipt is saved even if the render's context ended
				// meanwhile: the provider has the request either way.
				if err := c.Queue.Submitted(context.WithoutCancel(ctx), j.ID, c.ID, t); err != nil {
					if slate.ErrorCode(err) == slate.ECONFLICT {
						return engine.Output{}, errLeaseLost
					}
					return engine.Output{}, engine.Errorf(slate.JobErrEngineUnavailable, true,
						"the provider accepted the request but the queue could not record it: %v", err)
				}
				c.Logger.Info("worker: provider accepted the request", "worker", c.ID, "job", j.ID, "request", t.ID)
			} else {
				c.Logger.Info("worker: resuming the provider's request", "worker", c.ID, "job", j.ID, "request", box.get().ID)
			}
			return h.Await(ctx, cl.Spec, *box.get(), dst, progress)
		}}
}

// cancelAtProvider stops a hosted request that nobody will follow any more
// (a member cancelled the job, the render timed out or failed before its
// receipt was saved, or the job was taken away before it was), so the
// provider does not go on working, and billing, for nobody. A worker
// shutting down leaves the request alone: the next worker resumes it. So
// does one whose lease lapsed after the receipt was saved.
func (c *Config) cancelAtProvider(log *slog.Logger, w *work, ended outcome, shuttingDown bool, err error) {
	t := w.request.get()
	if t == nil {
		return
	}
	switch {
	case ended == cancelRequested:
	case errors.Is(err, errLeaseLost):
	case shuttingDown || ended == leaseLost || err == nil:
		return
	case errors.Is(err, context.DeadlineExceeded):
	default:
		return // the provider ended the request itself
	}
	ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
	defer cancel()
	if err := w.request.h.Cancel(ctx, *t); err != nil {
		log.Warn("worker: cancel at the provider", "request", t.ID, "err", err)
		return
	}
	log.Info("worker: cancelled at the provider", "request", t.ID)
}

// provider is what the take keeps of its source's bill.
func (c *Config) provider(j *slate.Job, out engine.Output) slate.TakeProvider {
	if c.Roster == nil {
		return slate.TakeProvider{Model: out.Model, Seed: out.Seed, BilledMS: out.Usage.VideoMS, ComputeMS: out.Usage.ComputeMS}
	}
	return c.Roster.Cost(j.Engine, j.Tier, out)
}

// withStartImage takes the spec's start frame out of its take into a PNG
// in the worker's scratch area, for an engine whose model renders from
// one; done removes it once the request is sent.
func (c *Config) withStartImage(ctx context.Context, h engine.Hosted, spec slate.RenderSpec) (slate.RenderSpec, func(), error) {
	nothing := func() {}
	o, ok := h.(engine.Offerer)
	if spec.StartFrame == nil || !ok || o.Offer().StartImage == "" {
		return spec, nothing, nil
	}
	src, err := c.Media.Path(spec.StartFrame.MediaKey)
	if err != nil {
		return spec, nothing, engine.Errorf(slate.JobErrInvalidRequest, false, "the start frame's take has no usable file: %v", err)
	}
	tmp, err := c.scratch.TempPath("frames/start.png")
	if err != nil {
		return spec, nothing, engine.AsError(err)
	}
	done := func() {
		if err := c.Media.Discard(tmp); err != nil {
			c.Logger.Error("worker: discard start frame", "err", err)
		}
	}
	f := spec.StartFrame
	if err := media.Frame(ctx, c.FFmpeg, src, tmp, f.AtMS, f.Last); err != nil {
		done()
		if ctx.Err() != nil {
			return spec, nothing, ctx.Err()
		}
		return spec, nothing, engine.Errorf(slate.JobErrInvalidRequest, false, "could not take the start frame from take %s: %v", f.TakeID, err)
	}
	spec.StartImage = tmp
	return spec, done, nil
}
