package storetest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// queueKit is an organisation with a project of shots, and helpers for the
// render queue that fail the test on any unexpected error.
type queueKit struct {
	*creditKit
	shots []*slate.Shot
}

// newQueueKit makes n shots of durationMS each in one scene.
func newQueueKit(t *testing.T, env *storetest.Env, plan string, n int, durationMS int64) *queueKit {
	t.Helper()
	k := &queueKit{creditKit: newCreditKit(t, env, plan)}
	ctx := k.o.Ctx
	act, err := env.DB.CreateAct(ctx, k.o.Project.ID, slate.ActInput{Name: "Act"})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := env.DB.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Scene"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		sh, err := env.DB.CreateShot(ctx, sc.ID, slate.ShotInput{Name: fmt.Sprintf("Shot %d", i+1), DurationMS: durationMS,
			Prompt: "a lighthouse at dusk"})
		if err != nil {
			t.Fatal(err)
		}
		k.shots = append(k.shots, sh)
	}
	return k
}

func (k *queueKit) shotIDs() []string {
	ids := make([]string, len(k.shots))
	for i, s := range k.shots {
		ids[i] = s.ID
	}
	return ids
}

func (k *queueKit) submit(in slate.BatchInput) *slate.Batch {
	k.t.Helper()
	if in.Selection == nil && in.QuoteID == "" {
		in.Selection = &slate.Selection{All: true}
	}
	b, err := k.env.DB.Submit(k.o.Ctx, k.o.Project.ID, in)
	if err != nil {
		k.t.Fatalf("submit: %v", err)
	}
	return b
}

func (k *queueKit) claim(worker string) *slate.Claim {
	k.t.Helper()
	c, err := k.env.DB.Claim(context.Background(), slate.ClaimRequest{WorkerID: worker, Engines: []string{"preview"}, Lease: 30 * time.Second})
	if err != nil {
		k.t.Fatalf("claim: %v", err)
	}
	return c
}

func (k *queueKit) finish(c *slate.Claim) *slate.Job {
	k.t.Helper()
	j, err := k.env.DB.Finish(context.Background(), c.Job.ID, c.Job.WorkerID, slate.RenderResult{
		MediaKey: "takes/" + c.Job.ID + ".mp4", MediaType: "video/mp4", Size: 1000,
		Width: c.Spec.Width, Height: c.Spec.Height, FrameRate: c.Spec.FrameRate, DurationMS: c.Spec.DurationMS})
	if err != nil {
		k.t.Fatalf("finish %s: %v", c.Job.ID, err)
	}
	return j
}

func (k *queueKit) job(id string) *slate.Job {
	k.t.Helper()
	j, err := k.env.DB.Job(k.o.Ctx, id)
	if err != nil {
		k.t.Fatalf("job %s: %v", id, err)
	}
	return j
}
