package storetest_test

import (
	"strings"
	"testing"

	"slate"
	"slate/store/storetest"
)

// A shot may start from a frame of a take in its project: the frame is
// checked when set, handed to the worker with the claim, and an estimate
// refuses an engine that needs one for a shot without, and says when an
// engine will not use one.
func TestShotStartFrame(t *testing.T) {
	t.Parallel()
	imageOnly := slate.EngineOffer{Name: "grok-video", Adapter: "runway", StartImage: slate.StartImageRequired}
	wan := slate.EngineOffer{Name: "wan-2.1", Adapter: "fal"}
	eachWithOffers(t, []slate.EngineOffer{imageOnly, wan}, func(t *testing.T, env *storetest.Env) {
		k := newQueueKit(t, env, "enterprise", 2, 4_000)
		db, ctx := env.DB, k.o.Ctx
		first, second := k.shots[0], k.shots[1]

		// A take to start from: the first shot, rendered.
		k.submit(slate.BatchInput{Engine: "preview", Tier: "draft", Selection: &slate.Selection{Shots: []string{first.ID}}})
		take := k.finish(k.mustClaim("w")).TakeID

		for _, bad := range []struct {
			f     slate.StartFrame
			field string
		}{
			{slate.StartFrame{TakeID: "take_nope"}, "start_frame.take_id"},
			{slate.StartFrame{TakeID: take, AtMS: ptr(int64(4_000))}, "start_frame.at_ms"},
		} {
			before := k.snap()
			_, err := db.UpdateShot(ctx, second.ID, slate.ShotPatch{StartFrame: &bad.f})
			if e := wantCode(t, err, slate.EINVALID); e.Field != bad.field {
				t.Errorf("refusal %q names field %q, want %s", err, e.Field, bad.field)
			}
			k.unchanged("a bad start frame", before)
		}

		// Without a start frame an image-only engine is refused.
		_, err := db.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{Shots: []string{second.ID}}, Engine: "grok-video", Tier: "draft"})
		wantCode(t, err, slate.EINVALID)

		sh, err := db.UpdateShot(ctx, second.ID, slate.ShotPatch{StartFrame: &slate.StartFrame{TakeID: take}})
		if err != nil {
			t.Fatal(err)
		}
		if sh.StartFrame == nil || sh.StartFrame.TakeID != take || sh.StartFrame.AtMS != nil {
			t.Fatalf("start frame %+v; want the take's last frame", sh.StartFrame)
		}
		if got, _ := db.GetShot(ctx, second.ID); got.StartFrame == nil || got.StartFrame.TakeID != take {
			t.Fatalf("read back %+v", got.StartFrame)
		}
		q, err := db.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{Shots: []string{second.ID}}, Engine: "grok-video", Tier: "draft"})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range q.Lines {
			if l.ShotID == second.ID && l.ImageNote != "" {
				t.Errorf("grok-video uses the start frame, but the line says %q", l.ImageNote)
			}
		}
		_, err = db.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{Shots: []string{second.ID}}, Engine: "wan-2.1", Tier: "draft"})
		if err != nil {
			t.Fatal(err)
		}
		q, _ = db.Estimate(ctx, k.o.Project.ID, slate.EstimateInput{Selection: slate.Selection{Shots: []string{second.ID}}, Engine: "wan-2.1", Tier: "draft"})
		if !strings.Contains(q.Lines[0].ImageNote, "not used") {
			t.Errorf("wan-2.1 line %+v; want a note that the start frame is not used", q.Lines[0])
		}

		// The claim hands the worker the frame: the take's file, its end.
		k.submit(slate.BatchInput{Engine: "grok-video", Tier: "draft", Selection: &slate.Selection{Shots: []string{second.ID}}})
		c := k.mustClaim("w", "grok-video")
		if f := c.Spec.StartFrame; f == nil || f.TakeID != take || !f.Last || f.MediaKey == "" {
			t.Fatalf("claimed start frame %+v", c.Spec.StartFrame)
		}

		// A frame at a time; then taken away.
		at := int64(1_500)
		if sh, err = db.UpdateShot(ctx, second.ID, slate.ShotPatch{StartFrame: &slate.StartFrame{TakeID: take, AtMS: &at}}); err != nil || *sh.StartFrame.AtMS != at {
			t.Fatalf("start frame at 1.5 s: %+v, %v", sh, err)
		}
		if sh, err = db.UpdateShot(ctx, second.ID, slate.ShotPatch{StartFrame: &slate.StartFrame{}}); err != nil || sh.StartFrame != nil {
			t.Fatalf("taking the start frame away: %+v, %v", sh, err)
		}
		if got, err := db.GetShot(ctx, second.ID); err != nil || got.StartFrame != nil {
			t.Fatalf("start frame still stored: %+v, %v", got, err)
		}
	})
}
