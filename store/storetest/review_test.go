package storetest_test

import (
	"testing"

	"slate"
	"slate/store/storetest"
)

func TestSetReview(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		db, ctx := env.DB, k.o.Ctx
		sc := k.scene(k.act("A").ID, "S")
		sh := k.shot(sc.ID, "s")

		before := k.snapshot()
		_, err := db.SetReview(ctx, sh.ID, slate.Review{Status: slate.ReviewApproved})
		if e := wantCode(t, err, slate.ECONFLICT); e.Message != "shot has no take to approve: render it first" {
			t.Errorf("approve without take: %q", e.Message)
		}
		_, err = db.SetReview(ctx, sh.ID, slate.Review{Status: "done"})
		wantCode(t, err, slate.EINVALID)
		_, err = db.SetReview(ctx, "shot_nope", slate.Review{Status: slate.ReviewFlagged})
		wantCode(t, err, slate.ENOTFOUND)
		k.unchangedSince(before)

		env.Clock.Advance(60e9)
		got, err := db.SetReview(ctx, sh.ID, slate.Review{Status: slate.ReviewFlagged, Note: "horizon tilts"})
		if err != nil {
			t.Fatal(err)
		}
		if got.ReviewStatus != slate.ReviewFlagged || got.ReviewNote != "horizon tilts" || !got.UpdatedAt.Equal(env.Clock.Now()) ||
			got.EffectiveEngine == "" {
			t.Errorf("flagged shot = %+v", got)
		}

		// Takes arrive with the render queue; until then one is put in place
		// directly, as a finished render would leave it.
		_, err = rawDB(t, env).Exec(`INSERT INTO takes (id, org_id, project_id, shot_id, engine, tier, width, height,
			duration_ms, media_path, cost, created_at) VALUES ('take_1', $1, $2, $3, 'preview', 'draft', 854, 480, 4000, 'x.mp4', 4, $4)`,
			k.o.Org.ID, k.o.Project.ID, sh.ID, env.Clock.Now().UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.SetReview(ctx, sh.ID, slate.Review{Status: slate.ReviewApproved}); err != nil || got.ReviewStatus != slate.ReviewApproved {
			t.Errorf("approve with take: %+v %v", got, err)
		}
		if read, err := db.GetShot(ctx, sh.ID); err != nil || read.ReviewStatus != slate.ReviewApproved || read.ReviewNote != "" {
			t.Errorf("approved shot read back: %+v %v", read, err)
		}
	})
}
