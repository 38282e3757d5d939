package engine_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"slate"
	"slate/engine"
)

type named string

func (n named) Name() string { return string(n) }
func (n named) Render(context.Context, slate.RenderSpec, string, func(engine.Progress)) error {
	return nil
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		engines []engine.Engine
		want    []string
	}{
		{"empty", nil, []string{}},
		{"sorted", []engine.Engine{named("preview"), named("comfyui"), named("wan-2.1")}, []string{"comfyui", "preview", "wan-2.1"}},
		{"duplicate names collapse", []engine.Engine{named("preview"), named("preview")}, []string{"preview"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := engine.NewRegistry(tc.engines...)
			if got := r.Names(); !slices.Equal(got, tc.want) {
				t.Fatalf("Names() = %q, want %q", got, tc.want)
			}
			for _, n := range tc.want {
				if e, ok := r.Get(n); !ok || e.Name() != n {
					t.Fatalf("Get(%q) = %v, %v", n, e, ok)
				}
			}
			if _, ok := r.Get("nope"); ok {
				t.Fatal(`Get("nope") found an engine`)
			}
		})
	}
}

func TestAsError(t *testing.T) {
	t.Parallel()
	rejected := engine.Errorf(slate.JobErrPromptRejected, false, "node %d: %s", 3, "bad value")
	for _, tc := range []struct {
		name      string
		err       error
		code      string
		retryable bool
		message   string
	}{
		{"engine error", rejected, slate.JobErrPromptRejected, false, "node 3: bad value"},
		{"wrapped engine error", fmt.Errorf("render: %w", rejected), slate.JobErrPromptRejected, false, "node 3: bad value"},
		{"deadline", fmt.Errorf("wait: %w", context.DeadlineExceeded), slate.JobErrEngineTimeout, true, "the engine did not finish in time"},
		{"other", errors.New("disk full"), slate.JobErrEngineFailed, false, "disk full"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := engine.AsError(tc.err)
			if got.Code != tc.code || got.Retryable != tc.retryable || got.Message != tc.message {
				t.Fatalf("AsError(%v) = %+v, want code %q retryable %v message %q", tc.err, got, tc.code, tc.retryable, tc.message)
			}
		})
	}
	if engine.AsError(nil) != nil {
		t.Fatal("AsError(nil) != nil")
	}
	if got, want := rejected.Error(), "prompt_rejected: node 3: bad value"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
