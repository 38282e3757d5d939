package engine

import (
	"context"

	"slate"
)

// Ticket is a provider's receipt for a request it accepted: enough for any
// worker to find the request again. The worker saves it on the job before
// it waits for the result, so a render is submitted once and only resumed
// after that, however many workers die on the way. ID is the provider's
// request id, which members see on the job and the take; Data is whatever
// else the adapter needs (a status URL), opaque to everyone else and at
// most MaxTicketData bytes.
type Ticket = slate.ProviderRequest

// MaxTicketData bounds Ticket.Data, which is stored on the job.
const MaxTicketData = 4096

// Usage is what a provider bills a render for, as far as the adapter can
// tell. The engines file's cost rates turn it into the provider's price.
type Usage struct {
	// VideoMS is the length of video billed, which may differ from the
	// shot's when the model accepts only some durations.
	VideoMS int64
	// ComputeMS is the machine time billed, for providers that bill by it
	// (Replicate's predict_time, a self-hosted GPU's time held).
	ComputeMS int64
	// Amount is an exact price the provider reported, in millionths of
	// Unit; zero when it reports none and the rates decide.
	Amount int64
	Unit   string
}

// Output is what a finished hosted render says of itself, kept on the take.
type Output struct {
	// Model is the model that rendered, as the provider names it.
	Model string
	// Seed is the seed the provider used, when it says.
	Seed  *int64
	Usage Usage
}

// Hosted is an engine whose renders run at a provider, split at the point
// where the provider has accepted the request and is paid for it.
// Render, for callers that keep no ticket, is Submit then Await.
type Hosted interface {
	Engine
	// Submit sends spec to the provider and returns the ticket once the
	// provider has accepted it. It must not retry a request the provider
	// may have accepted; a failure here is an *Error.
	Submit(ctx context.Context, spec slate.RenderSpec) (Ticket, error)
	// Await follows the ticket's request until it ends, downloads its
	// result to dst (whole or absent) and reports what was billed. Waiting
	// states, throttling and passing failures of the provider back off and
	// never end the wait early; ctx bounds it. When ctx ends it returns
	// ctx's error without cancelling the request: the worker decides.
	Await(ctx context.Context, spec slate.RenderSpec, t Ticket, dst string, progress func(Progress)) (Output, error)
	// Cancel asks the provider to stop the request, where it can; a
	// provider with no cancel returns nil.
	Cancel(ctx context.Context, t Ticket) error
}

// Offerer is an engine that renders only some tiers or durations. Engines
// that are not Offerers render every tier at the shot's own duration.
type Offerer interface {
	Offer() slate.EngineOffer
}

// RenderHosted renders with h as a plain Engine does: submit, then await.
// Adapters use it for their Render method.
func RenderHosted(ctx context.Context, h Hosted, spec slate.RenderSpec, dst string, progress func(Progress)) error {
	t, err := h.Submit(ctx, spec)
	if err != nil {
		return err
	}
	_, err = h.Await(ctx, spec, t, dst, progress)
	return err
}
