package storetest_test

import (
	"strings"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// lockedTree is A1{S1(x y) S2(z)} A2{S3(w)} in a project of its own.
type lockedTree struct {
	*treeKit
	a1, a2     *slate.Act
	s1, s2, s3 *slate.Scene
	x, y, z, w *slate.Shot
	refs       map[string]slate.ElementRef
	project    slate.ElementRef
	lockedAt   time.Time
}

func newLockedTree(t *testing.T, env *storetest.Env) *lockedTree {
	k := newTreeKit(t, env)
	f := &lockedTree{treeKit: k}
	f.a1, f.a2 = k.act("A1"), k.act("A2")
	f.s1, f.s2, f.s3 = k.scene(f.a1.ID, "S1"), k.scene(f.a1.ID, "S2"), k.scene(f.a2.ID, "S3")
	f.x, f.y, f.z, f.w = k.shot(f.s1.ID, "x"), k.shot(f.s1.ID, "y"), k.shot(f.s2.ID, "z"), k.shot(f.s3.ID, "w")
	f.refs = map[string]slate.ElementRef{}
	for _, a := range []*slate.Act{f.a1, f.a2} {
		f.refs[a.Name] = slate.ElementRef{Kind: slate.KindAct, ID: a.ID, Name: a.Name}
	}
	for _, sc := range []*slate.Scene{f.s1, f.s2, f.s3} {
		f.refs[sc.Name] = slate.ElementRef{Kind: slate.KindScene, ID: sc.ID, Name: sc.Name}
	}
	for _, sh := range []*slate.Shot{f.x, f.y, f.z, f.w} {
		f.refs[sh.Name] = slate.ElementRef{Kind: slate.KindShot, ID: sh.ID, Name: sh.Name}
	}
	f.project = slate.ElementRef{Kind: slate.KindProject, ID: k.o.Project.ID}
	return f
}

// lock locks the named elements an hour after the epoch, then moves the
// clock on, so a lock's time is told apart from the time of the write.
func (f *lockedTree) lock(names ...string) {
	f.t.Helper()
	f.env.Clock.Set(storetest.Epoch.Add(time.Hour))
	f.lockedAt = f.env.Clock.Now()
	for _, n := range names {
		if _, err := f.env.DB.Lock(f.o.Ctx, f.refs[n], "picture lock "+n); err != nil {
			f.t.Fatalf("lock %s: %v", n, err)
		}
	}
	f.env.Clock.Advance(time.Hour)
}

func TestLockedElementsRefuseWrites(t *testing.T) {
	t.Parallel()
	type tree = lockedTree
	for _, tc := range []struct {
		name  string
		locks []string
		want  string // the element whose lock the 423 names
		write func(f *tree) error
	}{
		{"edit locked act", []string{"A1"}, "A1", func(f *tree) error {
			_, err := f.env.DB.UpdateAct(f.o.Ctx, f.a1.ID, slate.ActPatch{Name: ptr("Renamed")})
			return err
		}},
		{"move locked act", []string{"A1"}, "A1", func(f *tree) error {
			_, err := f.env.DB.UpdateAct(f.o.Ctx, f.a1.ID, slate.ActPatch{Position: ptr(2)})
			return err
		}},
		{"delete locked act", []string{"A1"}, "A1", func(f *tree) error { return f.env.DB.DeleteAct(f.o.Ctx, f.a1.ID) }},
		{"edit scene under locked act", []string{"A1"}, "A1", func(f *tree) error {
			_, err := f.env.DB.UpdateScene(f.o.Ctx, f.s1.ID, slate.ScenePatch{Location: ptr("pier")})
			return err
		}},
		{"edit shot under locked act", []string{"A1"}, "A1", func(f *tree) error {
			_, err := f.env.DB.UpdateShot(f.o.Ctx, f.x.ID, slate.ShotPatch{Prompt: ptr("new")})
			return err
		}},
		{"edit locked shot", []string{"x"}, "x", func(f *tree) error {
			_, err := f.env.DB.UpdateShot(f.o.Ctx, f.x.ID, slate.ShotPatch{DurationMS: ptr(int64(2000))})
			return err
		}},
		{"outermost lock is named", []string{"x", "S1", "A1"}, "A1", func(f *tree) error {
			_, err := f.env.DB.UpdateShot(f.o.Ctx, f.x.ID, slate.ShotPatch{Prompt: ptr("new")})
			return err
		}},
		{"move shot within locked scene", []string{"S1"}, "S1", func(f *tree) error {
			_, err := f.env.DB.UpdateShot(f.o.Ctx, f.y.ID, slate.ShotPatch{Position: ptr(1)})
			return err
		}},
		{"move shot out of locked scene", []string{"S1"}, "S1", func(f *tree) error {
			_, err := f.env.DB.UpdateShot(f.o.Ctx, f.x.ID, slate.ShotPatch{SceneID: &f.s2.ID})
			return err
		}},
		{"move shot into locked scene", []string{"S3"}, "S3", func(f *tree) error {
			_, err := f.env.DB.UpdateShot(f.o.Ctx, f.z.ID, slate.ShotPatch{SceneID: &f.s3.ID})
			return err
		}},
		{"move shot into scene of locked act", []string{"A2"}, "A2", func(f *tree) error {
			_, err := f.env.DB.UpdateShot(f.o.Ctx, f.z.ID, slate.ShotPatch{SceneID: &f.s3.ID})
			return err
		}},
		{"move scene holding a locked shot", []string{"y"}, "y", func(f *tree) error {
			_, err := f.env.DB.UpdateScene(f.o.Ctx, f.s1.ID, slate.ScenePatch{ActID: &f.a2.ID})
			return err
		}},
		{"move scene into locked act", []string{"A2"}, "A2", func(f *tree) error {
			_, err := f.env.DB.UpdateScene(f.o.Ctx, f.s2.ID, slate.ScenePatch{ActID: &f.a2.ID})
			return err
		}},
		{"delete act holding a locked shot", []string{"y"}, "y", func(f *tree) error { return f.env.DB.DeleteAct(f.o.Ctx, f.a1.ID) }},
		{"delete act names the outermost lock under it", []string{"y", "S2"}, "S2", func(f *tree) error {
			return f.env.DB.DeleteAct(f.o.Ctx, f.a1.ID)
		}},
		{"delete scene holding a locked shot", []string{"z"}, "z", func(f *tree) error { return f.env.DB.DeleteScene(f.o.Ctx, f.s2.ID) }},
		{"delete scene under locked act", []string{"A1"}, "A1", func(f *tree) error { return f.env.DB.DeleteScene(f.o.Ctx, f.s2.ID) }},
		{"delete locked shot", []string{"z"}, "z", func(f *tree) error { return f.env.DB.DeleteShot(f.o.Ctx, f.z.ID) }},
		{"delete shot under locked scene", []string{"S1"}, "S1", func(f *tree) error { return f.env.DB.DeleteShot(f.o.Ctx, f.x.ID) }},
		{"create scene in locked act", []string{"A1"}, "A1", func(f *tree) error {
			_, err := f.env.DB.CreateScene(f.o.Ctx, f.a1.ID, slate.SceneInput{Name: "new"})
			return err
		}},
		{"create shot in locked scene", []string{"S2"}, "S2", func(f *tree) error {
			_, err := f.env.DB.CreateShot(f.o.Ctx, f.s2.ID, slate.ShotInput{Name: "new", DurationMS: 1000})
			return err
		}},
		{"create shot under locked act", []string{"A1"}, "A1", func(f *tree) error {
			_, err := f.env.DB.CreateShot(f.o.Ctx, f.s2.ID, slate.ShotInput{Name: "new", DurationMS: 1000})
			return err
		}},
		{"reorder scenes of locked act", []string{"A1"}, "A1", func(f *tree) error {
			return f.env.DB.Reorder(f.o.Ctx, f.refs["A1"], []string{f.s2.ID, f.s1.ID})
		}},
		{"reorder shots under locked act", []string{"A1"}, "A1", func(f *tree) error {
			return f.env.DB.Reorder(f.o.Ctx, f.refs["S1"], []string{f.y.ID, f.x.ID})
		}},
		{"reorder that moves a locked shot", []string{"x"}, "x", func(f *tree) error {
			return f.env.DB.Reorder(f.o.Ctx, f.refs["S1"], []string{f.y.ID, f.x.ID})
		}},
		{"reorder that moves a locked act", []string{"A2"}, "A2", func(f *tree) error {
			return f.env.DB.Reorder(f.o.Ctx, f.project, []string{f.a2.ID, f.a1.ID})
		}},
		{"reorder that moves an act holding a locked shot", []string{"y"}, "y", func(f *tree) error {
			return f.env.DB.Reorder(f.o.Ctx, f.project, []string{f.a2.ID, f.a1.ID})
		}},
		{"reorder that moves a scene holding a locked shot", []string{"x"}, "x", func(f *tree) error {
			return f.env.DB.Reorder(f.o.Ctx, f.refs["A1"], []string{f.s2.ID, f.s1.ID})
		}},
		{"move act holding a locked scene", []string{"S2"}, "S2", func(f *tree) error {
			_, err := f.env.DB.UpdateAct(f.o.Ctx, f.a1.ID, slate.ActPatch{Position: ptr(2)})
			return err
		}},
		{"move scene holding a locked shot among its siblings", []string{"y"}, "y", func(f *tree) error {
			_, err := f.env.DB.UpdateScene(f.o.Ctx, f.s1.ID, slate.ScenePatch{Position: ptr(2)})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, env *storetest.Env) {
				f := newLockedTree(t, env)
				f.lock(tc.locks...)
				before := f.snapshot()
				e := wantCode(t, tc.write(f), slate.ELOCKED)
				want := f.refs[tc.want]
				if e.Lock == nil || e.Lock.Element != want {
					t.Fatalf("423 names %+v, want %+v", e.Lock, want)
				}
				if l := e.Lock; l.By != f.o.User.ID || l.ByName != f.o.User.Name || !l.At.Equal(f.lockedAt) ||
					l.Reason != "picture lock "+tc.want {
					t.Errorf("423 lock = %+v, want by %s (%s) at %v", l, f.o.User.ID, f.o.User.Name, f.lockedAt)
				}
				f.unchangedSince(before)
			})
		})
	}
}

func TestLocksLeaveTheRestWritable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newLockedTree(t, env)
		db, ctx := env.DB, f.o.Ctx
		f.lock("S1", "w")
		// Tags and review stay writable on and under a lock.
		if _, err := db.SetTags(ctx, f.refs["S1"], []string{"final"}); err != nil {
			t.Errorf("tag locked scene: %v", err)
		}
		if _, err := db.SetTags(ctx, f.refs["x"], []string{"hero"}); err != nil {
			t.Errorf("tag shot in locked scene: %v", err)
		}
		if _, err := db.SetReview(ctx, f.w.ID, slate.Review{Status: slate.ReviewFlagged, Note: "too dark"}); err != nil {
			t.Errorf("review locked shot: %v", err)
		}
		_, err := db.SetReview(ctx, f.x.ID, slate.Review{Status: slate.ReviewApproved})
		wantCode(t, err, slate.ECONFLICT) // refused for want of a take, not by the lock
		// Siblings and other branches stay writable, and locked siblings
		// keep their order as neighbours come and go.
		if _, err := db.UpdateScene(ctx, f.s2.ID, slate.ScenePatch{Position: ptr(1)}); err != nil {
			t.Errorf("move scene past a locked sibling: %v", err)
		}
		if _, err := db.CreateShot(ctx, f.s3.ID, slate.ShotInput{Name: "v", DurationMS: 1000, Position: 1}); err != nil {
			t.Errorf("insert before a locked shot: %v", err)
		}
		a0, err := db.CreateAct(ctx, f.o.Project.ID, slate.ActInput{Name: "A0", Position: 1})
		if err != nil {
			t.Fatalf("insert act before acts holding locks: %v", err)
		}
		a3 := f.act("A3")
		if err := db.Reorder(ctx, f.project, []string{a3.ID, f.a1.ID, f.a2.ID, a0.ID}); err != nil {
			t.Errorf("reorder around acts holding locks: %v", err)
		}
		if got, want := f.shape(), "A3{} A1{S2(z) S1(x y)} A2{S3(v w)} A0{}"; got != want {
			t.Errorf("tree = %s, want %s", got, want)
		}
		tr := f.tree()
		if l := tr.Acts[1].Scenes[1].Lock; l == nil || l.Element.ID != f.s1.ID {
			t.Errorf("scene S1 lock = %+v", l)
		}
		if tags := tr.Acts[1].Scenes[1].Tags; len(tags) != 1 || tags[0] != "final" {
			t.Errorf("locked scene's tags = %v", tags)
		}
		if sh := tr.Acts[2].Scenes[0].Shots[1]; sh.Lock == nil || sh.ReviewStatus != slate.ReviewFlagged || sh.ReviewNote != "too dark" {
			t.Errorf("locked shot w = %+v", sh)
		}
	})
}

func TestLockAndUnlock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newLockedTree(t, env)
		db, ctx := env.DB, f.o.Ctx
		l, err := db.Lock(ctx, f.refs["S1"], "approved by the director")
		if err != nil {
			t.Fatal(err)
		}
		if l.Element != f.refs["S1"] || l.By != f.o.User.ID || l.ByName != f.o.User.Name || !l.At.Equal(storetest.Epoch) ||
			l.Reason != "approved by the director" {
			t.Errorf("lock = %+v", l)
		}
		_, err = db.Lock(ctx, f.refs["S1"], "again")
		wantCode(t, err, slate.ECONFLICT)
		// A lock inside or around a lock is not an edit.
		if _, err := db.Lock(ctx, f.refs["x"], ""); err != nil {
			t.Errorf("lock shot in locked scene: %v", err)
		}
		if _, err := db.Lock(ctx, f.refs["A1"], ""); err != nil {
			t.Errorf("lock act around locked scene: %v", err)
		}
		tr := f.tree()
		if tr.Acts[0].Lock == nil || tr.Acts[0].Scenes[0].Lock == nil || tr.Acts[0].Scenes[0].Shots[0].Lock == nil ||
			tr.Acts[0].Scenes[1].Lock != nil || tr.Acts[0].Scenes[0].Shots[1].Lock != nil || tr.Acts[1].Lock != nil {
			t.Errorf("tree locks wrong: %s", f.snapshot())
		}
		got, err := db.GetShot(ctx, f.x.ID)
		if err != nil || got.Lock == nil || got.Lock.ByName != f.o.User.Name {
			t.Errorf("get locked shot: %+v %v", got, err)
		}
		for _, n := range []string{"A1", "S1", "x"} {
			if err := db.Unlock(ctx, f.refs[n]); err != nil {
				t.Fatalf("unlock %s: %v", n, err)
			}
		}
		wantCode(t, db.Unlock(ctx, f.refs["S1"]), slate.ECONFLICT)
		wantCode(t, db.Unlock(ctx, f.refs["y"]), slate.ECONFLICT)
		if _, err := db.UpdateShot(ctx, f.x.ID, slate.ShotPatch{Prompt: ptr("editable again")}); err != nil {
			t.Errorf("edit after unlock: %v", err)
		}

		before := f.snapshot()
		_, err = db.Lock(ctx, f.refs["S2"], strings.Repeat("r", slate.MaxLockReasonLen+1))
		wantCode(t, err, slate.EINVALID)
		_, err = db.Lock(ctx, f.project, "")
		wantCode(t, err, slate.EINVALID)
		_, err = db.Lock(ctx, slate.ElementRef{Kind: slate.KindShot, ID: "shot_nope"}, "")
		wantCode(t, err, slate.ENOTFOUND)
		_, strangerCtx := env.NewUser(t, "stranger")
		_, err = db.Lock(strangerCtx, f.refs["S2"], "")
		wantCode(t, err, slate.ENOTFOUND)
		wantCode(t, db.Unlock(ctx, slate.ElementRef{Kind: "take", ID: f.x.ID}), slate.EINVALID)
		f.unchangedSince(before)

		page, err := db.Audit(ctx, f.o.Org.ID, f.o.Project.ID, slate.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var got6 []string
		for _, e := range page.Items {
			if e.Action != "lock" && e.Action != "unlock" {
				continue
			}
			if e.Element == nil || e.ActorID != f.o.User.ID || e.ProjectID != f.o.Project.ID {
				t.Errorf("audit entry %+v", e)
				continue
			}
			got6 = append(got6, e.Action+" "+string(e.Element.Kind)+" "+e.Element.Name)
		}
		want := "unlock shot x,unlock scene S1,unlock act A1,lock act A1,lock shot x,lock scene S1"
		if strings.Join(got6, ",") != want {
			t.Errorf("audit = %v, want %s", got6, want)
		}
	})
}
