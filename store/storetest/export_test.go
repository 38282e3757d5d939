package storetest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/pricing"
	"slate/store"
	"slate/store/storetest"
)

// renderAll renders the named shots of qt to takes with a fake worker.
func (k *queueKit) renderAll(qt *queueTree, names ...string) {
	k.t.Helper()
	k.submit(slate.BatchInput{Selection: &slate.Selection{Shots: qt.ids(names...)}})
	for range names {
		k.finish(k.mustClaim("renderer"))
	}
}

func (k *queueKit) export(in slate.ExportInput) *slate.Export {
	k.t.Helper()
	e, err := k.env.DB.CreateExport(k.o.Ctx, k.o.Project.ID, in)
	if err != nil {
		k.t.Fatalf("export: %v", err)
	}
	return e
}

func (k *queueKit) readExport(id string) *slate.Export {
	k.t.Helper()
	e, err := k.env.DB.Export(k.o.Ctx, id)
	if err != nil {
		k.t.Fatalf("read export %s: %v", id, err)
	}
	return e
}

// An export freezes the cut in tree order with each shot's selected take,
// runs as a free queue job that only export workers claim, and records its
// file when the worker finishes.
func TestExportLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k, qt := newQueueTree(t, env, "business", 2_000)
		ctx := k.o.Ctx
		k.renderAll(qt, "b1", "a2", "a1", "a3", "b2")
		k.renderAll(qt, "a1") // a second take, selected
		before := k.credits()

		e := k.export(slate.ExportInput{Selection: slate.Selection{Acts: []string{qt.acts[1].ID, qt.acts[0].ID}},
			Preset: slate.PresetProRes422HQ})
		if e.State != slate.JobQueued || e.Reframe != slate.ReframeCrop || e.Cost != 0 || e.DurationMS != 10_000 ||
			e.FrameRate != 24 || e.Title != k.o.Project.Title || e.JobID == "" {
			t.Fatalf("export = %+v", e)
		}
		var names []string
		for i, c := range e.Clips {
			sh := k.shot(c.ShotID)
			if c.Position != i+1 || c.TakeID != sh.SelectedTakeID || c.DurationMS != 2_000 || c.ShotName != sh.Name {
				t.Errorf("clip %d = %+v, shot %+v", i, c, sh)
			}
			names = append(names, c.ShotName)
		}
		if got := strings.Join(names, " "); got != "a1 a2 a3 b1 b2" {
			t.Fatalf("cut = %s, want tree order", got)
		}
		j := k.job(e.JobID)
		if j.ExportID != e.ID || j.Engine != slate.ExportEngine || j.Tier != slate.PresetProRes422HQ || j.CostHeld != 0 {
			t.Fatalf("export job = %+v", j)
		}

		// A render worker never takes it; an export worker does.
		if c := k.claimFor("renderer"); c != nil {
			t.Fatalf("a preview-only worker claimed %+v", c.Job)
		}
		c := k.mustClaim("cutter", "preview", slate.ExportEngine)
		if c.Export == nil || c.Export.ExportID != e.ID || c.Export.Preset != e.Preset || c.Export.FrameRate != 24 ||
			len(c.Export.Clips) != 5 {
			t.Fatalf("claim = %+v", c.Export)
		}
		for _, cl := range c.Export.Clips {
			if cl.Take == nil || cl.Take.ID != cl.TakeID || cl.Take.MediaKey == "" {
				t.Fatalf("claimed clip %+v carries take %+v", cl, cl.Take)
			}
		}
		k.beat(c, 40)
		if got := k.readExport(e.ID); got.State != slate.JobRunning || got.Progress != 40 {
			t.Fatalf("running export = %+v", got)
		}
		// Selecting another take later changes no export already asked for.
		if _, err := env.DB.SelectTake(ctx, k.takes(qt.shots["a1"].ID)[1].ID); err != nil {
			t.Fatal(err)
		}
		done, err := env.DB.Finish(context.Background(), c.Job.ID, "cutter", slate.RenderResult{
			MediaKey: "exports/x/" + e.ID + ".mov", MediaType: "video/quicktime", Size: 4096, Width: 854, Height: 480,
			FrameRate: 24, DurationMS: 10_000})
		if err != nil || done.State != slate.JobSucceeded || done.TakeID != "" {
			t.Fatalf("finish = %+v, %v", done, err)
		}
		got := k.readExport(e.ID)
		if got.State != slate.JobSucceeded || got.Progress != 100 || got.FileKey != "exports/x/"+e.ID+".mov" ||
			got.MediaType != "video/quicktime" || got.Size != 4096 || got.Width != 854 || got.FinishedAt == nil ||
			got.Clips[0].TakeID != e.Clips[0].TakeID {
			t.Fatalf("finished export = %+v", got)
		}
		if !strings.HasSuffix(got.FileName, " - prores-422hq.mov") {
			t.Fatalf("file name = %q", got.FileName)
		}
		if len(k.takes(qt.shots["a1"].ID)) != 2 {
			t.Fatal("an export made a take")
		}
		after := k.credits()
		if after.Available != before.Available || after.Held != 0 {
			t.Fatalf("a free export moved credits: %+v → %+v", before, after)
		}
		page, err := env.DB.Exports(ctx, k.o.Project.ID, slate.PageRequest{})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != e.ID {
			t.Fatalf("exports = %+v, %v", page, err)
		}
		k.audit()
	})
}

func (k *queueKit) takes(shotID string) []*slate.Take {
	k.t.Helper()
	return shotTakes(k.t, k.env, k.o.Ctx, shotID)
}

// A shot without a take refuses the whole export, naming every such shot,
// and writes nothing; bad input is refused before anything is read.
func TestExportRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k, qt := newQueueTree(t, env, "business", 1_000)
		ctx := k.o.Ctx
		k.renderAll(qt, "a1", "b1")
		jobsBefore := rowCount(t, env, "jobs", k.o.Org.ID)

		_, err := env.DB.CreateExport(ctx, k.o.Project.ID, slate.ExportInput{Selection: slate.Selection{All: true},
			Preset: slate.PresetMP4H264})
		var refs []string
		for _, m := range wantCode(t, err, slate.ECONFLICT).MissingTakes {
			refs = append(refs, m.Name)
		}
		if got := strings.Join(refs, " "); got != "a2 a3 b2" {
			t.Fatalf("missing takes = %q, want every shot without one in tree order", got)
		}
		if !strings.Contains(slate.ErrorMessage(err), `"a2"`) {
			t.Fatalf("message = %q", slate.ErrorMessage(err))
		}

		_, readerCtx := k.member("reader")
		cases := []struct {
			name string
			ctx  context.Context
			in   slate.ExportInput
			code slate.Code
		}{
			{"unknown preset", ctx, slate.ExportInput{Selection: slate.Selection{All: true}, Preset: "avi"}, slate.EINVALID},
			{"no preset", ctx, slate.ExportInput{Selection: slate.Selection{All: true}}, slate.EINVALID},
			{"bad reframe", ctx, slate.ExportInput{Selection: slate.Selection{All: true}, Preset: "webm", Reframe: "stretch"}, slate.EINVALID},
			{"empty selection", ctx, slate.ExportInput{Preset: "webm"}, slate.EINVALID},
			{"unknown shot", ctx, slate.ExportInput{Selection: slate.Selection{Shots: []string{"shot_nope"}}, Preset: "webm"}, slate.ENOTFOUND},
			{"bad priority", ctx, slate.ExportInput{Selection: slate.Selection{All: true}, Preset: "webm", Priority: new(101)}, slate.EINVALID},
			{"read only", readerCtx, slate.ExportInput{Selection: slate.Selection{Shots: qt.ids("a1")}, Preset: "webm"}, slate.EFORBIDDEN},
		}
		for _, tc := range cases {
			_, err := env.DB.CreateExport(tc.ctx, k.o.Project.ID, tc.in)
			if slate.ErrorCode(err) != tc.code {
				t.Errorf("%s: err = %v, want %s", tc.name, err, tc.code)
			}
		}
		if n := rowCount(t, env, "jobs", k.o.Org.ID); n != jobsBefore {
			t.Fatalf("refused exports wrote %d jobs", n-jobsBefore)
		}
		if n := rowCount(t, env, "exports", k.o.Org.ID); n != 0 {
			t.Fatalf("refused exports wrote %d exports", n)
		}

		// A member may read exports of projects they see, not of others.
		e := k.export(slate.ExportInput{Selection: slate.Selection{Shots: qt.ids("b1", "a1")}, Preset: slate.PresetWebM,
			Reframe: slate.ReframePad})
		if got, err := env.DB.Export(readerCtx, e.ID); err != nil || got.Reframe != slate.ReframePad || got.Clips[0].ShotName != "a1" {
			t.Fatalf("reader's export = %+v, %v", got, err)
		}
		if _, err := env.DB.SetProjectAccess(ctx, k.o.Project.ID, slate.ProjectAccess{Restricted: true}); err != nil {
			t.Fatal(err)
		}
		_, err = env.DB.Export(readerCtx, e.ID)
		wantCode(t, err, slate.ENOTFOUND)
		k.audit()
	})
}

// Exports are steered like renders: cancelled while waiting or while a
// worker cuts; deleting the project cancels them; history pruning keeps
// them.
func TestExportCancelAndKeep(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k, qt := newQueueTree(t, env, "business", 1_000)
		ctx := k.o.Ctx
		k.renderAll(qt, "a1")
		sel := slate.Selection{Shots: qt.ids("a1")}
		waiting := k.export(slate.ExportInput{Selection: sel, Preset: slate.PresetTikTok})
		if j, err := env.DB.JobAction(ctx, waiting.JobID, slate.ActionCancel); err != nil || j.State != slate.JobCanceled {
			t.Fatalf("cancel waiting = %+v, %v", j, err)
		}
		running := k.export(slate.ExportInput{Selection: sel, Preset: slate.PresetYouTube})
		c := k.mustClaim("cutter", slate.ExportEngine)
		if j, err := env.DB.JobAction(ctx, running.JobID, slate.ActionCancel); err != nil || j.State != slate.JobCancelRequested {
			t.Fatalf("cancel running = %+v, %v", j, err)
		}
		if st := k.beat(c, 10); st != slate.JobCancelRequested {
			t.Fatalf("heartbeat says %s", st)
		}
		if _, err := env.DB.Stopped(context.Background(), c.Job.ID, "cutter"); err != nil {
			t.Fatal(err)
		}
		if got := k.readExport(running.ID); got.State != slate.JobCanceled || got.FileKey != "" {
			t.Fatalf("stopped export = %+v", got)
		}
		// A cancelled export is retried like a render.
		if j, err := env.DB.JobAction(ctx, running.JobID, slate.ActionRetry); err != nil || j.State != slate.JobQueued {
			t.Fatalf("retry = %+v, %v", j, err)
		}
		c = k.mustClaim("cutter", slate.ExportEngine)
		if _, err := env.DB.Finish(context.Background(), c.Job.ID, "cutter", slate.RenderResult{MediaKey: "exports/y.mp4",
			MediaType: "video/mp4"}); err != nil {
			t.Fatal(err)
		}

		env.Clock.Advance(40 * 24 * time.Hour)
		if _, _, err := env.DB.PruneHistory(context.Background(), env.Clock.Now().Add(-store.DefaultHistory)); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{waiting.ID, running.ID} {
			if got := k.readExport(id); got.JobID == "" {
				t.Fatalf("export %s lost its job to pruning", id)
			}
		}
		if got := k.readExport(running.ID); got.State != slate.JobSucceeded {
			t.Fatalf("pruned export = %+v", got)
		}

		queued := k.export(slate.ExportInput{Selection: sel, Preset: slate.PresetWebM})
		if err := env.DB.DeleteProject(ctx, k.o.Project.ID); err != nil {
			t.Fatal(err)
		}
		raw := queueDB(t, env)
		var state, code string
		if err := raw.QueryRow(`SELECT state, error_code FROM jobs WHERE id = $1`, queued.JobID).Scan(&state, &code); err != nil ||
			state != string(slate.JobCanceled) || code != slate.JobErrDeleted {
			t.Fatalf("export of a deleted project is %s (%s), %v", state, code, err)
		}
	})
}

// When the price book prices exports, an export is held for and charged
// like a render; a member who may not spend credits waits for approval.
func TestExportPriced(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k, qt := newQueueTree(t, env, "business", 1_500)
		k.renderAll(qt, "a1", "a2")
		cat := pricing.Default()
		cat.PriceBook.Actions.ExportPerSecond = 2
		db, err := store.Open(context.Background(), env.DSN, store.Options{Clock: env.Clock, Catalog: cat,
			PasswordParams: storetest.FastPasswords, Engines: slate.Engines})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		before := k.credits()
		sel := slate.Selection{Shots: qt.ids("a1", "a2")}
		e, err := db.CreateExport(k.o.Ctx, k.o.Project.ID, slate.ExportInput{Selection: sel, Preset: slate.PresetMP4H265})
		if err != nil || e.Cost != 6 || e.State != slate.JobQueued {
			t.Fatalf("priced export = %+v, %v", e, err)
		}
		if c := k.credits(); c.Held != 6 {
			t.Fatalf("held = %d, want 6", c.Held)
		}
		c, err := db.Claim(context.Background(), slate.ClaimRequest{WorkerID: "cutter", Engines: []string{slate.ExportEngine}})
		if err != nil || c == nil {
			t.Fatalf("claim = %+v, %v", c, err)
		}
		if j, err := db.Finish(context.Background(), c.Job.ID, "cutter", slate.RenderResult{MediaKey: "exports/z.mp4"}); err != nil || j.CostCharged != 6 {
			t.Fatalf("finish = %+v, %v", j, err)
		}
		if c := k.credits(); c.Held != 0 || c.Available != before.Available-6 {
			t.Fatalf("after the export: %+v, before %+v", c, before)
		}

		_, artistCtx := k.member("artist", slate.PermRunAI)
		w, err := db.CreateExport(artistCtx, k.o.Project.ID, slate.ExportInput{Selection: sel, Preset: slate.PresetWebM})
		if err != nil || w.State != slate.JobAwaitingApproval {
			t.Fatalf("artist's export = %+v, %v", w, err)
		}
		if j, err := db.JobAction(k.o.Ctx, w.JobID, slate.ActionApprove); err != nil || j.State != slate.JobQueued || j.CostHeld != 6 {
			t.Fatalf("approve = %+v, %v", j, err)
		}
		k.audit()
	})
}

// shotTakes reads every take of a shot as the user of ctx, newest first.
func shotTakes(t testing.TB, env *storetest.Env, ctx context.Context, shotID string) []*slate.Take {
	t.Helper()
	ts, err := slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Take], error) {
		return env.DB.Takes(ctx, shotID, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}
