package runway

import (
	"context"

	"slate"
	"slate/engine"
)

// SubmitFrom creates the task from a start image, the seam a render spec
// with a start frame will use.
func (e *Engine) SubmitFrom(ctx context.Context, spec slate.RenderSpec, startImage string) (engine.Ticket, error) {
	return e.submit(ctx, spec, startImage)
}
