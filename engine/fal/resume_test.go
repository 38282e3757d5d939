package fal_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/fal/faltest"
	"slate/media"
	"slate/waitfor"
)

// A worker that dies after fal accepted the request leaves only the
// ticket; another worker, with an engine of its own, finishes the same
// request from it and fal sees one submission.
func TestResumeFromTicket(t *testing.T) {
	t.Parallel()
	// A host that must never see the key: a ticket naming it is not
	// followed there.
	var leaked atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(elsewhere.Close)

	for _, tc := range []struct {
		name string
		data func(orig string) string
	}{
		{"the ticket as saved", func(orig string) string { return orig }},
		{"a ticket with the id only", func(string) string { return "" }},
		{"a ticket whose URLs point elsewhere", func(string) string {
			b, _ := json.Marshal(map[string]any{"status_url": elsewhere.URL + "/status", "response_url": elsewhere.URL,
				"cancel_url": elsewhere.URL + "/cancel", "num_frames": 81, "frames_per_second": 16})
			return string(b)
		}},
		{"an unreadable ticket", func(string) string { return "{not json" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := waitfor.Context(t)
			f := newFake(t, faltest.Config{})
			first := newEngine(t, config(f, &sleeps{}))
			ticket, err := first.Submit(ctx, testSpec())
			if err != nil {
				t.Fatal(err)
			}
			// The first worker is gone; the job's row holds the ticket.
			saved := engine.Ticket{ID: ticket.ID, Data: tc.data(ticket.Data)}
			second := newEngine(t, config(f, &sleeps{}))
			dst := filepath.Join(t.TempDir(), "take.mp4")
			out, err := second.Await(ctx, testSpec(), saved, dst, nil)
			if err != nil {
				t.Fatal(err)
			}
			if st := f.Stats(); st.Submissions != 1 || st.Posts != 1 {
				t.Errorf("fake saw %+v, want exactly one submission", st)
			}
			if out.Usage.VideoMS != 5063 {
				t.Errorf("billed %d ms, want 5063 (81 frames at 16 fps)", out.Usage.VideoMS)
			}
			if _, err := media.Probe(ctx, "", dst); err != nil {
				t.Error(err)
			}
			if leaked.Load() != 0 {
				t.Errorf("the key was sent to a host the ticket named")
			}
		})
	}
}

// A video URL that expired before the download is asked for again, once.
func TestExpiredResult(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		expire  int
		ok      bool
		results int
	}{
		{"fresh URL on the second ask", 1, true, 2},
		{"expired twice", 2, false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := waitfor.Context(t)
			f := newFake(t, faltest.Config{})
			e := newEngine(t, config(f, &sleeps{}))
			ticket, err := e.Submit(ctx, testSpec())
			if err != nil {
				t.Fatal(err)
			}
			f.ExpireFiles(tc.expire)
			dir := t.TempDir()
			_, err = e.Await(ctx, testSpec(), ticket, filepath.Join(dir, "take.mp4"), nil)
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok {
				wantCode(t, err, slate.JobErrEngineFailed)
				assertEmpty(t, dir)
			}
			if st := f.Stats(); st.Results != tc.results || st.Submissions != 1 {
				t.Errorf("fake saw %+v, want %d result calls and one submission", st, tc.results)
			}
		})
	}
}

// A download cut halfway resumes where it stopped.
func TestCutDownloadResumes(t *testing.T) {
	t.Parallel()
	ctx := waitfor.Context(t)
	f := newFake(t, faltest.Config{})
	e := newEngine(t, config(f, &sleeps{}))
	f.CutDownloads(1)
	dst := filepath.Join(t.TempDir(), "take.mp4")
	if err := e.Render(ctx, testSpec(), dst, nil); err != nil {
		t.Fatal(err)
	}
	info, err := media.Probe(ctx, "", dst)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 160 || info.DurationMS < 5000 {
		t.Errorf("take = %+v, want the whole 160x90 clip", info)
	}
}
