// Package engine is the small interface every render engine adapter
// implements, the error an engine fails with, and the registry of engines a
// worker serves.
package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"slate"
)

// Progress is how far a render has come. Percent runs 0..100; an ETA of 0
// means the engine cannot tell yet.
type Progress struct {
	Percent int
	ETA     time.Duration
}

// Engine renders shots. An adapter is safe for concurrent renders.
type Engine interface {
	Name() string
	// Render renders spec into a new file at dst (an MP4 for preview) in an
	// existing directory, calling progress as it goes (progress may be nil;
	// it runs on the rendering goroutine, so it should return quickly). It
	// honours ctx: when ctx is done it stops promptly, removes partial
	// output and returns ctx's error. Any other failure is an *Error.
	Render(ctx context.Context, spec slate.RenderSpec, dst string, progress func(Progress)) error
}

// Error is an engine failure a person can read. Code is one of the
// slate.JobErr* codes; Retryable says whether running the job again, here or
// on another worker, may help.
type Error struct {
	Code      string
	Message   string
	Retryable bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf makes an *Error with a formatted message.
func Errorf(code string, retryable bool, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Retryable: retryable}
}

// AsError reports err as an *Error so a worker always has a code to record.
// A passed deadline is engine_timeout, because a worker bounds a render with
// one; anything else unknown is a non-retryable engine_failed. It returns
// nil for nil. A cancellation is not a failure: callers that cancel check
// their own context first.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: slate.JobErrEngineTimeout, Message: "the engine did not finish in time", Retryable: true}
	}
	return &Error{Code: slate.JobErrEngineFailed, Message: err.Error()}
}

// Registry maps engine names to the engines this process serves. It is
// built once at start and only read after, so it needs no lock.
type Registry struct {
	engines map[string]Engine
}

// NewRegistry registers engines by name; a later engine with the same name
// replaces an earlier one.
func NewRegistry(engines ...Engine) *Registry {
	r := &Registry{engines: make(map[string]Engine, len(engines))}
	for _, e := range engines {
		r.engines[e.Name()] = e
	}
	return r
}

// Get returns the engine called name.
func (r *Registry) Get(name string) (Engine, bool) {
	e, ok := r.engines[name]
	return e, ok
}

// Names returns the names of the registered engines, sorted, as a worker
// announces them when it claims work.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.engines))
	for n := range r.engines {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
