package client_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"slate"
	"slate/api"
	"slate/client"
	"slate/media"
	"slate/store/storetest"
)

// queueServer is the real API with the render queue, takes and a media
// directory on a real store, and an owner's client with a project of two
// shots in one scene.
type queueServer struct {
	c     *client.Client
	env   *storetest.Env
	media *media.Dir
	p     *slate.Project
	shots []*slate.Shot
}

func serveQueue(t *testing.T, env *storetest.Env) *queueServer {
	t.Helper()
	dir, err := media.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dir.Close() })
	f := startAPI(t, env, &api.Server{Queue: env.DB, Takes: env.DB, Media: dir})
	ctx, c, p, sc := context.Background(), f.c, f.project, f.scene
	q := &queueServer{c: c, env: env, media: dir, p: p}
	for _, in := range []slate.ShotInput{{Name: "Wide", DurationMS: 4000}, {Name: "Close", DurationMS: 2500}} {
		q.shots = append(q.shots, must(c.CreateShot(ctx, sc.ID, in))(t))
	}
	return q
}

// render runs the next job the way a worker does: claim it, store data as
// its media and finish it.
func (q *queueServer) render(t *testing.T, data []byte) *slate.Job {
	t.Helper()
	ctx := context.Background()
	cl := must(q.env.DB.Claim(ctx, slate.ClaimRequest{WorkerID: "client-test", Engines: []string{"preview"}}))(t)
	if cl == nil {
		t.Fatal("no job to claim")
	}
	key := must(media.NewKey("takes", ".mp4"))(t)
	file := must(q.media.Path(key))(t)
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return must(q.env.DB.Finish(ctx, cl.Job.ID, "client-test", slate.RenderResult{MediaKey: key, MediaType: "video/mp4",
		Size: int64(len(data)), Width: cl.Spec.Width, Height: cl.Spec.Height, FrameRate: cl.Spec.FrameRate,
		DurationMS: cl.Spec.DurationMS}))(t)
}

// TestQueue: every queue and take method reaches its operation and answers
// the domain type.
func TestQueue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		q := serveQueue(t, env)
		c, ctx, org := q.c, context.Background(), q.p.OrgID

		b := must(c.Submit(ctx, q.p.ID, slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: "draft"}))(t)
		if len(b.Items) != 2 || b.States[slate.JobQueued] != 2 || b.Estimate != 4+3 || b.Held != 7 {
			t.Fatalf("batch = %+v, want two queued jobs held at 4 + 3", b)
		}
		wide, closeUp := b.Items[0], b.Items[1]
		if got := must(c.Batch(ctx, b.ID))(t); got.ID != b.ID || got.Jobs != 2 || got.Estimate != 7 {
			t.Errorf("batch read back = %+v", got)
		}
		if got := must(c.Job(ctx, wide.ID))(t); got.ID != wide.ID || got.ShotName != "Wide" || got.BatchID != b.ID {
			t.Errorf("job read back = %+v", got)
		}

		// Filters and paging.
		page := must(c.Jobs(ctx, org, slate.JobFilter{State: slate.JobQueued, BatchID: b.ID, PageRequest: slate.PageRequest{Limit: 1}}))(t)
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Errorf("first page = %+v, want one job and a cursor", page)
		}
		if jobs := must(c.AllJobs(ctx, org, slate.JobFilter{ProjectID: q.p.ID, PageRequest: slate.PageRequest{Limit: 1}}))(t); len(jobs) != 2 {
			t.Errorf("all jobs = %+v, want both", jobs)
		}
		if page := must(c.Jobs(ctx, org, slate.JobFilter{State: slate.JobSucceeded}))(t); len(page.Items) != 0 {
			t.Errorf("succeeded jobs = %+v, want none yet", page.Items)
		}

		// Priorities: 80, then the other job above it.
		if j := must(c.SetPriority(ctx, wide.ID, 80))(t); j.Priority != 80 {
			t.Errorf("priority = %d, want 80", j.Priority)
		}
		if j := must(c.JobAction(ctx, closeUp.ID, slate.ActionTop))(t); j.Priority <= 80 {
			t.Errorf("moved to the top at %d, want above 80", j.Priority)
		}

		// Pause one job; resuming the batch resumes it and skips the other.
		if j := must(c.JobAction(ctx, wide.ID, slate.ActionPause))(t); j.State != slate.JobPaused {
			t.Errorf("paused job is %s", j.State)
		}
		res := must(c.BatchAction(ctx, b.ID, slate.ActionResume))(t)
		if len(res.Changed) != 1 || res.Changed[0].ID != wide.ID || res.Skipped != 1 {
			t.Errorf("resume batch = %+v, want the paused job changed and the other skipped", res)
		}
		res = must(c.SelectionAction(ctx, q.p.ID, slate.Selection{Shots: []string{q.shots[0].ID}}, slate.ActionCancel))(t)
		if len(res.Changed) != 1 || res.Changed[0].State != slate.JobCanceled {
			t.Errorf("cancel selection = %+v, want the wide shot's job cancelled", res)
		}
		if j := must(c.JobAction(ctx, wide.ID, slate.ActionRetry))(t); j.State != slate.JobQueued || j.CostHeld != 4 {
			t.Errorf("retried job = %+v, want queued and held again", j)
		}

		// The job at the top renders first; its take is the shot's.
		data := bytes.Repeat([]byte("frame"), 300)
		if j := q.render(t, data); j.ID != closeUp.ID || j.State != slate.JobSucceeded {
			t.Fatalf("rendered %+v, want the close shot's job to succeed", j)
		}
		takes := must(c.Takes(ctx, q.shots[1].ID))(t)
		if len(takes) != 1 || !takes[0].Selected || takes[0].JobID != closeUp.ID || takes[0].Width != 854 || takes[0].Size != int64(len(data)) {
			t.Fatalf("takes = %+v, want the one selected 854-wide take", takes)
		}
		if none := must(c.Takes(ctx, q.shots[0].ID))(t); none == nil || len(none) != 0 {
			t.Errorf("takes of an unrendered shot = %#v, want an empty list", none)
		}
		var buf bytes.Buffer
		if n := must(c.TakeMedia(ctx, takes[0].ID, &buf))(t); n != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
			t.Errorf("downloaded %d bytes, want the %d of the file", n, len(data))
		}
		if sh := must(c.SelectTake(ctx, takes[0].ID))(t); sh.SelectedTakeID != takes[0].ID || sh.ReviewStatus != slate.ReviewPending {
			t.Errorf("after select: %+v", sh)
		}
		if got := must(c.Job(ctx, closeUp.ID))(t); got.TakeID != takes[0].ID || got.CostCharged != 3 {
			t.Errorf("finished job = %+v, want its take and 3 charged", got)
		}
	})
}

// TestQueueErrors: the queue's refusals reach the caller as problems with
// their extras.
func TestQueueErrors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		q := serveQueue(t, env)
		c, ctx := q.c, context.Background()
		small := must(c.CreateOrg(ctx, slate.OrgInput{Name: "Small", Plan: "free"}))(t)
		sp := must(c.CreateProject(ctx, small.ID, slate.ProjectInput{Title: "Epic"}))(t)
		sa := must(c.CreateAct(ctx, sp.ID, slate.ActInput{Name: "One"}))(t)
		ss := must(c.CreateScene(ctx, sa.ID, slate.SceneInput{Name: "Sea"}))(t)
		must(c.CreateShot(ctx, ss.ID, slate.ShotInput{Name: "Storm", DurationMS: 60_000}))(t)
		must(c.Lock(ctx, slate.ElementRef{Kind: slate.KindShot, ID: q.shots[1].ID}, "final"))(t)
		b := must(c.Submit(ctx, q.p.ID, slate.BatchInput{Selection: &slate.Selection{Shots: []string{q.shots[0].ID}}}))(t)

		for _, tc := range []struct {
			name   string
			call   func() error
			status int
			code   slate.Code
			check  func(t *testing.T, e *client.Error)
		}{
			{"short of credits", func() error {
				_, err := c.Submit(ctx, sp.ID, slate.BatchInput{Selection: &slate.Selection{All: true}, Engine: "veo-3.1", Tier: "high"})
				return err
			}, 402, slate.ECREDITS, func(t *testing.T, e *client.Error) {
				if e.Shortfall != 8*4*60-800 || len(e.Remedies) == 0 {
					t.Errorf("shortfall %d, remedies %+v", e.Shortfall, e.Remedies)
				}
			}},
			{"locked shot", func() error {
				_, err := c.Submit(ctx, q.p.ID, slate.BatchInput{Selection: &slate.Selection{All: true}})
				return err
			}, 423, slate.ELOCKED, func(t *testing.T, e *client.Error) {
				if e.Lock == nil || e.Lock.Reason != "final" {
					t.Errorf("lock = %+v", e.Lock)
				}
			}},
			{"unknown action", func() error { _, err := c.JobAction(ctx, b.Items[0].ID, "explode"); return err }, 400, slate.EINVALID, nil},
			{"bad priority", func() error { _, err := c.SetPriority(ctx, b.Items[0].ID, 101); return err }, 400, slate.EINVALID, nil},
			{"action out of turn", func() error { _, err := c.JobAction(ctx, b.Items[0].ID, slate.ActionResume); return err }, 409, slate.ECONFLICT, nil},
			{"unknown job", func() error { _, err := c.Job(ctx, "job_nope"); return err }, 404, slate.ENOTFOUND, nil},
			{"unknown take", func() error {
				var buf bytes.Buffer
				_, err := c.TakeMedia(ctx, "take_nope", &buf)
				if buf.Len() != 0 {
					t.Errorf("a refused download wrote %q", buf.String())
				}
				return err
			}, 404, slate.ENOTFOUND, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				var ce *client.Error
				if !errors.As(err, &ce) || ce.Status != tc.status || ce.Code != tc.code {
					t.Fatalf("err = %v, want a %d %s problem", err, tc.status, tc.code)
				}
				if slate.ErrorCode(err) != tc.code {
					t.Errorf("domain code %s, want %s", slate.ErrorCode(err), tc.code)
				}
				if tc.check != nil {
					tc.check(t, ce)
				}
			})
		}
	})
}
