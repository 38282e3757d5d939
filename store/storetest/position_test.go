package storetest_test

import (
	"fmt"
	"sync"
	"testing"

	"slate"
	"slate/store/storetest"
)

func TestTreeCreateInsertsAtPosition(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		db, ctx := env.DB, k.o.Ctx
		a2 := k.act("A2")
		a1, err := db.CreateAct(ctx, k.o.Project.ID, slate.ActInput{Name: "A1", Position: 1})
		if err != nil || a1.Position != 1 {
			t.Fatalf("insert act at 1: %+v %v", a1, err)
		}
		k.act("A4")
		if _, err := db.CreateAct(ctx, k.o.Project.ID, slate.ActInput{Name: "A3", Position: 3}); err != nil {
			t.Fatal(err)
		}
		s1 := k.scene(a1.ID, "S1")
		k.scene(a1.ID, "S3")
		if _, err := db.CreateScene(ctx, a1.ID, slate.SceneInput{Name: "S2", Position: 2}); err != nil {
			t.Fatal(err)
		}
		k.shot(s1.ID, "b")
		if _, err := db.CreateShot(ctx, s1.ID, slate.ShotInput{Name: "a", DurationMS: 1000, Position: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateShot(ctx, s1.ID, slate.ShotInput{Name: "c", DurationMS: 1000, Position: 3}); err != nil {
			t.Fatal(err)
		}
		want := "A1{S1(a b c) S2() S3()} A2{} A3{} A4{}"
		if got := k.shape(); got != want {
			t.Fatalf("tree = %s, want %s", got, want)
		}

		before := k.snapshot()
		for _, pos := range []int{-1, 6} {
			_, err := db.CreateAct(ctx, k.o.Project.ID, slate.ActInput{Name: "X", Position: pos})
			if e := wantCode(t, err, slate.EINVALID); e.Field != "position" {
				t.Errorf("act position %d: field %q, want position", pos, e.Field)
			}
		}
		_, err = db.CreateScene(ctx, a2.ID, slate.SceneInput{Name: "X", Position: 2})
		wantCode(t, err, slate.EINVALID)
		_, err = db.CreateShot(ctx, s1.ID, slate.ShotInput{Name: "x", DurationMS: 1000, Position: 5})
		wantCode(t, err, slate.EINVALID)
		k.unchangedSince(before)
	})
}

func TestTreeMoves(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		db, ctx := env.DB, k.o.Ctx
		a1, a2 := k.act("A1"), k.act("A2")
		s1, s2 := k.scene(a1.ID, "S1"), k.scene(a1.ID, "S2")
		s3 := k.scene(a2.ID, "S3")
		a, b, c := k.shot(s1.ID, "a"), k.shot(s1.ID, "b"), k.shot(s1.ID, "c")
		d := k.shot(s2.ID, "d")
		k.shot(s3.ID, "e")

		steps := []struct {
			name string
			do   func() error
			want string
		}{
			{"shot down within scene", func() error { _, err := db.UpdateShot(ctx, a.ID, slate.ShotPatch{Position: ptr(3)}); return err },
				"A1{S1(b c a) S2(d)} A2{S3(e)}"},
			{"shot up within scene", func() error { _, err := db.UpdateShot(ctx, a.ID, slate.ShotPatch{Position: ptr(1)}); return err },
				"A1{S1(a b c) S2(d)} A2{S3(e)}"},
			{"shot to other scene, end", func() error { _, err := db.UpdateShot(ctx, b.ID, slate.ShotPatch{SceneID: &s2.ID}); return err },
				"A1{S1(a c) S2(d b)} A2{S3(e)}"},
			{"shot to other act's scene at 1", func() error {
				_, err := db.UpdateShot(ctx, c.ID, slate.ShotPatch{SceneID: &s3.ID, Position: ptr(1)})
				return err
			}, "A1{S1(a) S2(d b)} A2{S3(c e)}"},
			{"scene to other act at 1", func() error {
				_, err := db.UpdateScene(ctx, s2.ID, slate.ScenePatch{ActID: &a2.ID, Position: ptr(1)})
				return err
			}, "A1{S1(a)} A2{S2(d b) S3(c e)}"},
			{"scene to other act, end", func() error { _, err := db.UpdateScene(ctx, s3.ID, slate.ScenePatch{ActID: &a1.ID}); return err },
				"A1{S1(a) S3(c e)} A2{S2(d b)}"},
			{"act down", func() error { _, err := db.UpdateAct(ctx, a1.ID, slate.ActPatch{Position: ptr(2)}); return err },
				"A2{S2(d b)} A1{S1(a) S3(c e)}"},
			{"same scene, same place", func() error {
				_, err := db.UpdateShot(ctx, d.ID, slate.ShotPatch{SceneID: &s2.ID, Position: ptr(1)})
				return err
			}, "A2{S2(d b)} A1{S1(a) S3(c e)}"},
		}
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got := k.shape(); got != st.want {
				t.Fatalf("%s: tree = %s, want %s", st.name, got, st.want)
			}
		}

		before := k.snapshot()
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"position past the end", func() error { _, err := db.UpdateShot(ctx, d.ID, slate.ShotPatch{Position: ptr(3)}); return err }()},
			{"position 0", func() error { _, err := db.UpdateAct(ctx, a1.ID, slate.ActPatch{Position: ptr(0)}); return err }()},
			{"past the end of new parent", func() error {
				_, err := db.UpdateShot(ctx, d.ID, slate.ShotPatch{SceneID: &s1.ID, Position: ptr(3)})
				return err
			}()},
		} {
			if e := wantCode(t, tc.err, slate.EINVALID); e.Field != "position" {
				t.Errorf("%s: field %q", tc.name, e.Field)
			}
		}
		_, err := db.UpdateShot(ctx, d.ID, slate.ShotPatch{SceneID: ptr("scn_nope")})
		wantCode(t, err, slate.ENOTFOUND)
		_, err = db.UpdateScene(ctx, s1.ID, slate.ScenePatch{ActID: ptr("act_nope")})
		wantCode(t, err, slate.ENOTFOUND)
		k.unchangedSince(before)
	})
}

func TestTreeDeleteClosesGapsAndCascades(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		db, ctx := env.DB, k.o.Ctx
		a1, a2, a3 := k.act("A1"), k.act("A2"), k.act("A3")
		s1, s2 := k.scene(a1.ID, "S1"), k.scene(a1.ID, "S2")
		k.scene(a1.ID, "S3")
		k.shot(s1.ID, "a")
		b := k.shot(s1.ID, "b")
		k.shot(s1.ID, "c")
		inA2 := k.shot(k.scene(a2.ID, "S4").ID, "d")
		inS2 := k.shot(s2.ID, "e")
		k.scene(a3.ID, "S5")

		if err := db.DeleteShot(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteScene(ctx, s2.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteAct(ctx, a2.ID); err != nil {
			t.Fatal(err)
		}
		if got, want := k.shape(), "A1{S1(a c) S3()} A3{S5()}"; got != want {
			t.Errorf("tree = %s, want %s", got, want)
		}
		for _, id := range []string{b.ID, inA2.ID, inS2.ID} {
			if _, err := db.GetShot(ctx, id); slate.ErrorCode(err) != slate.ENOTFOUND {
				t.Errorf("deleted shot %s: %v", id, err)
			}
		}
		wantCode(t, db.DeleteScene(ctx, s2.ID), slate.ENOTFOUND)
		wantCode(t, db.DeleteAct(ctx, "act_nope"), slate.ENOTFOUND)
	})
}

func TestTreeReorder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		db, ctx := env.DB, k.o.Ctx
		a1, a2 := k.act("A1"), k.act("A2")
		s1, s2 := k.scene(a1.ID, "S1"), k.scene(a1.ID, "S2")
		x, y, z := k.shot(s1.ID, "x"), k.shot(s1.ID, "y"), k.shot(s1.ID, "z")
		elsewhere := k.shot(s2.ID, "w")
		project := slate.ElementRef{Kind: slate.KindProject, ID: k.o.Project.ID}
		act := slate.ElementRef{Kind: slate.KindAct, ID: a1.ID}
		scene := slate.ElementRef{Kind: slate.KindScene, ID: s1.ID}

		for _, st := range []struct {
			parent slate.ElementRef
			ids    []string
			want   string
		}{
			{scene, []string{z.ID, x.ID, y.ID}, "A1{S1(z x y) S2(w)} A2{}"},
			{act, []string{s2.ID, s1.ID}, "A1{S2(w) S1(z x y)} A2{}"},
			{project, []string{a2.ID, a1.ID}, "A2{} A1{S2(w) S1(z x y)}"},
		} {
			if err := db.Reorder(ctx, st.parent, st.ids); err != nil {
				t.Fatalf("reorder %s: %v", st.parent.Kind, err)
			}
			if got := k.shape(); got != st.want {
				t.Fatalf("after reorder of %s: %s, want %s", st.parent.Kind, got, st.want)
			}
		}

		before := k.snapshot()
		for _, tc := range []struct {
			name   string
			parent slate.ElementRef
			ids    []string
			code   slate.Code
		}{
			{"duplicate", scene, []string{x.ID, x.ID, y.ID}, slate.EINVALID},
			{"missing", scene, []string{x.ID, y.ID}, slate.EINVALID},
			{"extra", scene, []string{x.ID, y.ID, z.ID, elsewhere.ID}, slate.EINVALID},
			{"foreign id", scene, []string{x.ID, y.ID, elsewhere.ID}, slate.EINVALID},
			{"empty", act, nil, slate.EINVALID},
			{"shot is no parent", slate.ElementRef{Kind: slate.KindShot, ID: x.ID}, nil, slate.EINVALID},
			{"unknown parent", slate.ElementRef{Kind: slate.KindScene, ID: "scn_nope"}, nil, slate.ENOTFOUND},
			{"unknown project", slate.ElementRef{Kind: slate.KindProject, ID: "prj_nope"}, nil, slate.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantCode(t, db.Reorder(ctx, tc.parent, tc.ids), tc.code)
			})
		}
		k.unchangedSince(before)
	})
}

// Concurrent inserts into one parent must still leave positions dense: on
// PostgreSQL the parent's row serializes them.
func TestTreeConcurrentInsertsStayDense(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		sc := k.scene(k.act("A").ID, "S")
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Go(func() {
				_, err := env.DB.CreateShot(k.o.Ctx, sc.ID, slate.ShotInput{Name: fmt.Sprintf("s%d", i), DurationMS: 1000, Position: i % 2})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		k.shape() // checks positions are 1..20
		if n := len(k.tree().Acts[0].Scenes[0].Shots); n != 20 {
			t.Errorf("scene holds %d shots, want 20", n)
		}
	})
}

// Moves in opposite directions between two scenes lock the scenes in
// opposite orders; on PostgreSQL that can deadlock, and the store must retry
// the loser rather than fail the request.
func TestTreeConcurrentOppositeMoves(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		act := k.act("A")
		a, b := k.scene(act.ID, "A"), k.scene(act.ID, "B")
		var shots []string
		for i := range 8 {
			sc := a
			if i%2 == 1 {
				sc = b
			}
			sh, err := env.DB.CreateShot(k.o.Ctx, sc.ID, slate.ShotInput{Name: fmt.Sprintf("s%d", i), DurationMS: 1000})
			if err != nil {
				t.Fatal(err)
			}
			shots = append(shots, sh.ID)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8*10)
		for i, id := range shots {
			wg.Go(func() {
				// Even shots start in A, odd in B; each hops across ten times.
				for hop := range 10 {
					dest := b.ID
					if (i+hop)%2 == 1 {
						dest = a.ID
					}
					_, err := env.DB.UpdateShot(k.o.Ctx, id, slate.ShotPatch{SceneID: &dest, Position: ptr(1)})
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent move: %v", err)
			}
		}
		k.shape()
		sc := k.tree().Acts[0].Scenes
		if n := len(sc[0].Shots) + len(sc[1].Shots); n != 8 {
			t.Errorf("scenes hold %d shots, want 8", n)
		}
	})
}
