package comfyui_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/comfyui"
	"slate/engine/enginetest"
	"slate/media"
)

// A socket that drops mid-render loses only progress: the render ends by
// polling /history, which ComfyUI fills whether or not anyone listens.
func TestRenderSocketDrops(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(f *fake) { f.dropAfter, f.heard = 2, make(chan struct{}) })
	e := newEngine(t, f.srv.URL, comfyui.Config{})
	dst := filepath.Join(t.TempDir(), "take.mp4")
	var rec enginetest.Recorder
	report := func(p engine.Progress) {
		rec.Add(p)
		if p.Percent == 60 { // the last step before the drop
			f.release()
		}
	}
	if err := e.Render(context.Background(), testSpec(), dst, report); err != nil {
		t.Fatal(err)
	}
	// No `executing` with a null node ever came: the history ended it.
	f.equalVideo(t, dst)
	if info, err := media.Probe(context.Background(), "", dst); err != nil || info.Width != 160 || info.DurationMS <= 0 {
		t.Fatalf("Probe = %+v, %v", info, err)
	}
	// The decode's 10 % after the sampler's 50 % is not a step back; and
	// nothing comes between the drop and the file: the bar holds at 60.
	wantPercents(t, &rec, 25, 50, 60, 100)
}

// Messages about another client's prompt, before ours starts and between
// each of our steps (its progress at 95 %, its end, its failure, its
// interruption), move nothing and end nothing of ours.
func TestRenderIgnoresOtherPrompts(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(f *fake) { f.others, f.heard = true, make(chan struct{}) })
	e := newEngine(t, f.srv.URL, comfyui.Config{})
	dst := filepath.Join(t.TempDir(), "take.mp4")
	var rec enginetest.Recorder
	report := func(p engine.Progress) {
		rec.Add(p)
		if p.Percent == 99 {
			f.release()
		}
	}
	if err := e.Render(context.Background(), testSpec(), dst, report); err != nil {
		t.Fatalf("Render = %v; another prompt's failure is not ours", err)
	}
	f.equalVideo(t, dst)
	// Each of our steps was reported after the other prompt's messages
	// that preceded it: had one ended the render, a later step would be
	// missing; had its progress counted, 95 would be there.
	wantPercents(t, &rec, 25, 50, 75, 99, 100)
}

// An execution_error on the socket fails the render at once with the
// node's message, without waiting for the history to record it.
func TestRenderFailsOnSocket(t *testing.T) {
	t.Parallel()
	// heard holds the history entry back until the test has its answer:
	// an engine that waited for the history would wait out the fake's
	// guard, which fails the test.
	f := newFake(t, func(f *fake) { f.fail, f.others, f.heard = true, true, make(chan struct{}) })
	e := newEngine(t, f.srv.URL, comfyui.Config{})
	out := t.TempDir()
	var rec enginetest.Recorder
	err := e.Render(context.Background(), testSpec(), filepath.Join(out, "take.mp4"), rec.Add)
	f.mu.Lock()
	recorded := len(f.history)
	f.mu.Unlock()
	f.release()

	var ee *engine.Error
	if !errors.As(err, &ee) {
		t.Fatalf("Render = %v, want an *engine.Error", err)
	}
	const want = "ComfyUI failed in KSampler (node 3s): CUDA out of memory. Tried to allocate 2.00 GiB"
	if ee.Code != slate.JobErrEngineFailed || ee.Retryable || ee.Message != want {
		t.Errorf("Render = %+v, want engine_failed, not retryable, %q", ee, want)
	}
	if recorded != 0 {
		t.Errorf("the history had %d entries when Render returned; the failure should come from the socket", recorded)
	}
	wantPercents(t, &rec, 25)
	assertEmpty(t, out)
}
