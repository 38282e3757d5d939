// Package enginetest holds what tests of engine adapters share.
package enginetest

import (
	"sync"

	"slate/engine"
)

// Recorder collects the progress an engine reports: a render calls Add
// from its own goroutine while the test reads from another.
type Recorder struct {
	mu      sync.Mutex
	reports []engine.Progress
}

// Add records one report; pass it as Render's progress callback.
func (r *Recorder) Add(p engine.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reports = append(r.reports, p)
}

// All returns the reports so far.
func (r *Recorder) All() []engine.Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]engine.Progress(nil), r.reports...)
}

// Percents returns the reports' percentages so far.
func (r *Recorder) Percents() []int {
	var out []int
	for _, p := range r.All() {
		out = append(out, p.Percent)
	}
	return out
}
