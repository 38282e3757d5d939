package storetest_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"slate"
	"slate/store/storetest"
)

// treeKit builds and reads trees in one project for a test, failing the test
// on any unexpected error.
type treeKit struct {
	t   *testing.T
	env *storetest.Env
	o   *storetest.Owner
}

func newTreeKit(t *testing.T, env *storetest.Env) *treeKit {
	return &treeKit{t: t, env: env, o: env.NewOwner(t)}
}

func (k *treeKit) act(name string) *slate.Act {
	k.t.Helper()
	a, err := k.env.DB.CreateAct(k.o.Ctx, k.o.Project.ID, slate.ActInput{Name: name})
	if err != nil {
		k.t.Fatalf("create act %s: %v", name, err)
	}
	return a
}

func (k *treeKit) scene(actID, name string) *slate.Scene {
	k.t.Helper()
	sc, err := k.env.DB.CreateScene(k.o.Ctx, actID, slate.SceneInput{Name: name})
	if err != nil {
		k.t.Fatalf("create scene %s: %v", name, err)
	}
	return sc
}

func (k *treeKit) shot(sceneID, name string) *slate.Shot {
	k.t.Helper()
	sh, err := k.env.DB.CreateShot(k.o.Ctx, sceneID, slate.ShotInput{Name: name, DurationMS: 4000})
	if err != nil {
		k.t.Fatalf("create shot %s: %v", name, err)
	}
	return sh
}

func (k *treeKit) tree() *slate.Tree {
	k.t.Helper()
	tr, err := k.env.DB.Tree(k.o.Ctx, k.o.Project.ID)
	if err != nil {
		k.t.Fatalf("tree: %v", err)
	}
	return tr
}

// shape renders the tree as "A1{S1(a b) S2()} A2{}" and checks on the way
// that positions are dense and 1-based and parent ids agree.
func (k *treeKit) shape() string {
	k.t.Helper()
	tr := k.tree()
	var acts []string
	for i, a := range tr.Acts {
		k.checkPlace("act "+a.Name, a.Position, i, a.ProjectID, k.o.Project.ID)
		var scenes []string
		for j, sc := range a.Scenes {
			k.checkPlace("scene "+sc.Name, sc.Position, j, sc.ActID, a.ID)
			var shots []string
			for n, sh := range sc.Shots {
				k.checkPlace("shot "+sh.Name, sh.Position, n, sh.SceneID, sc.ID)
				k.checkPlace("shot "+sh.Name+" act", sh.Position, n, sh.ActID, a.ID)
				shots = append(shots, sh.Name)
			}
			scenes = append(scenes, sc.Name+"("+strings.Join(shots, " ")+")")
		}
		acts = append(acts, a.Name+"{"+strings.Join(scenes, " ")+"}")
	}
	return strings.Join(acts, " ")
}

func (k *treeKit) checkPlace(what string, pos, index int, parent, wantParent string) {
	k.t.Helper()
	if pos != index+1 {
		k.t.Errorf("%s at index %d has position %d", what, index, pos)
	}
	if parent != wantParent {
		k.t.Errorf("%s has parent %s, want %s", what, parent, wantParent)
	}
}

// snapshot is the whole tree as JSON: a refused write must leave every byte
// of it, timestamps included, as it was.
func (k *treeKit) snapshot() string {
	k.t.Helper()
	b, err := json.Marshal(k.tree())
	if err != nil {
		k.t.Fatal(err)
	}
	return string(b)
}

func (k *treeKit) unchangedSince(before string) {
	k.t.Helper()
	if after := k.snapshot(); after != before {
		k.t.Errorf("refused write changed the tree:\nbefore %s\nafter  %s", before, after)
	}
}

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code slate.Code) *slate.Error {
	t.Helper()
	if slate.ErrorCode(err) != code {
		t.Fatalf("got error %v, want %s", err, code)
	}
	e, _ := err.(*slate.Error)
	return e
}

func ptr[T any](v T) *T { return &v }

func TestTreeUpdateAndGetShot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		db, ctx := env.DB, k.o.Ctx
		a := k.act("A")
		sc := k.scene(a.ID, "S")
		sh := k.shot(sc.ID, "s")
		if sh.EffectiveEngine != slate.DefaultEngine || sh.EffectiveTier != slate.DefaultTier {
			t.Errorf("new shot resolves to %s/%s", sh.EffectiveEngine, sh.EffectiveTier)
		}
		if _, err := db.UpdateAct(ctx, a.ID, slate.ActPatch{Name: ptr("Act One"), Description: ptr("the setup")}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateScene(ctx, sc.ID, slate.ScenePatch{Location: ptr("pier"), TimeOfDay: ptr("dusk")}); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(60e9)
		cam := slate.Camera{ShotType: "wide", Lens: "35mm"}
		got, err := db.UpdateShot(ctx, sh.ID, slate.ShotPatch{
			Prompt: ptr("waves at dusk"), DurationMS: ptr(int64(6000)), Seed: ptr(int64(7)),
			Camera: &cam, Engine: ptr("veo-3.1"),
		})
		if err != nil {
			t.Fatal(err)
		}
		read, err := db.GetShot(ctx, sh.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []*slate.Shot{got, read} {
			if s.Prompt != "waves at dusk" || s.DurationMS != 6000 || s.Seed == nil || *s.Seed != 7 || s.Camera != cam ||
				s.EffectiveEngine != "veo-3.1" || s.EffectiveTier != slate.DefaultTier || s.Name != "s" ||
				!s.UpdatedAt.Equal(storetest.Epoch.Add(60e9)) || !s.CreatedAt.Equal(storetest.Epoch) {
				t.Errorf("shot after update = %+v", s)
			}
		}
		tr := k.tree()
		if ta := tr.Acts[0]; ta.Name != "Act One" || ta.Description != "the setup" || ta.Scenes[0].Location != "pier" {
			t.Errorf("tree after updates: %+v %+v", ta.Act, ta.Scenes[0].Scene)
		}
		if _, err := db.GetShot(ctx, "shot_nope"); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("unknown shot: %v", err)
		}
		_, strangerCtx := env.NewUser(t, "stranger")
		if _, err := db.GetShot(strangerCtx, sh.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("shot of another org: %v, want not found", err)
		}
		if _, err := db.Tree(strangerCtx, k.o.Project.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("tree of another org: %v, want not found", err)
		}
	})
}

func TestShotValidationWritesNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		sc := k.scene(k.act("A").ID, "S")
		sh := k.shot(sc.ID, "s")
		long := strings.Repeat("é", slate.MaxTextLen+1)
		for _, tc := range []struct {
			name, field string
			in          slate.ShotInput
			pt          slate.ShotPatch
		}{
			{"too short", "duration_ms", slate.ShotInput{Name: "x", DurationMS: 999}, slate.ShotPatch{DurationMS: ptr(int64(999))}},
			{"too long", "duration_ms", slate.ShotInput{Name: "x", DurationMS: 60_001}, slate.ShotPatch{DurationMS: ptr(int64(60_001))}},
			{"prompt 4001 runes", "prompt", slate.ShotInput{Name: "x", DurationMS: 1000, Prompt: long}, slate.ShotPatch{Prompt: &long}},
			{"unknown engine", "engine", slate.ShotInput{Name: "x", DurationMS: 1000, Engine: "sora"}, slate.ShotPatch{Engine: ptr("sora")}},
			{"unknown tier", "tier", slate.ShotInput{Name: "x", DurationMS: 1000, Tier: "8k"}, slate.ShotPatch{Tier: ptr("8k")}},
			{"empty name", "name", slate.ShotInput{DurationMS: 1000}, slate.ShotPatch{Name: ptr("")}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := k.snapshot()
				_, err := env.DB.CreateShot(k.o.Ctx, sc.ID, tc.in)
				if e := wantCode(t, err, slate.EINVALID); e.Field != tc.field {
					t.Errorf("create: field %q, want %q", e.Field, tc.field)
				}
				_, err = env.DB.UpdateShot(k.o.Ctx, sh.ID, tc.pt)
				if e := wantCode(t, err, slate.EINVALID); e.Field != tc.field {
					t.Errorf("update: field %q, want %q", e.Field, tc.field)
				}
				k.unchangedSince(before)
			})
		}
	})
}

func TestTreeRefusesMovesIntoAnotherProject(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		a := k.act("A")
		sc := k.scene(a.ID, "S")
		sh := k.shot(sc.ID, "s")

		// Another project of the same org, and a project of another org.
		other := newTreeKit(t, env)
		other.o = &storetest.Owner{User: k.o.User, Ctx: k.o.Ctx, Org: k.o.Org, Project: env.NewProject(t, k.o.Ctx, k.o.Org.ID)}
		oa := other.act("OA")
		osc := other.scene(oa.ID, "OS")
		foreign := newTreeKit(t, env)
		fa := foreign.act("FA")
		fsc := foreign.scene(fa.ID, "FS")

		before, otherBefore := k.snapshot(), other.snapshot()
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"shot to other project's scene", func() error {
				_, err := env.DB.UpdateShot(k.o.Ctx, sh.ID, slate.ShotPatch{SceneID: &osc.ID})
				return err
			}()},
			{"shot to other org's scene", func() error {
				_, err := env.DB.UpdateShot(k.o.Ctx, sh.ID, slate.ShotPatch{SceneID: &fsc.ID})
				return err
			}()},
			{"scene to other project's act", func() error {
				_, err := env.DB.UpdateScene(k.o.Ctx, sc.ID, slate.ScenePatch{ActID: &oa.ID})
				return err
			}()},
			{"scene to other org's act", func() error {
				_, err := env.DB.UpdateScene(k.o.Ctx, sc.ID, slate.ScenePatch{ActID: &fa.ID})
				return err
			}()},
		} {
			e := wantCode(t, tc.err, slate.EINVALID)
			if !strings.Contains(e.Message, "cannot move into another project") {
				t.Errorf("%s: message %q", tc.name, e.Message)
			}
		}
		k.unchangedSince(before)
		other.unchangedSince(otherBefore)
	})
}

func TestTreeReadsNestedInOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		for i := range 3 {
			a := k.act(fmt.Sprintf("A%d", i+1))
			for j := range 3 {
				sc := k.scene(a.ID, fmt.Sprintf("S%d%d", i+1, j+1))
				for n := range 2 {
					k.shot(sc.ID, fmt.Sprintf("s%d%d%d", i+1, j+1, n+1))
				}
			}
		}
		tr := k.tree()
		if len(tr.Acts) != 3 || len(tr.Acts[2].Scenes) != 3 || tr.Acts[2].Scenes[2].Shots[1].Name != "s332" {
			t.Errorf("tree = %s", k.shape())
		}
		if tr.Project.ID != k.o.Project.ID || tr.Acts[0].Scenes[0].Tags == nil || tr.Acts[0].Scenes[0].Shots[0].Tags == nil {
			t.Errorf("tree project or tags missing: %+v", tr.Project)
		}
	})
}

func TestTreeWritesNeedModify(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newLockedTree(t, env)
		f.lock("y")
		_, ctx := inviteAndJoin(t, env, f.o, "reader")
		db, pid := env.DB, f.o.Project.ID
		if _, err := db.Tree(ctx, pid); err != nil {
			t.Fatalf("reader reads the tree: %v", err)
		}
		if _, err := db.GetShot(ctx, f.x.ID); err != nil {
			t.Fatalf("reader reads a shot: %v", err)
		}
		if _, err := db.ResolveSelection(ctx, pid, slate.Selection{All: true}); err != nil {
			t.Fatalf("reader resolves a selection: %v", err)
		}
		before := f.snapshot()
		for name, write := range map[string]func() error{
			"create act":   func() error { _, err := db.CreateAct(ctx, pid, slate.ActInput{Name: "n"}); return err },
			"update act":   func() error { _, err := db.UpdateAct(ctx, f.a1.ID, slate.ActPatch{Name: ptr("n")}); return err },
			"delete act":   func() error { return db.DeleteAct(ctx, f.a2.ID) },
			"create scene": func() error { _, err := db.CreateScene(ctx, f.a1.ID, slate.SceneInput{Name: "n"}); return err },
			"update scene": func() error { _, err := db.UpdateScene(ctx, f.s1.ID, slate.ScenePatch{Name: ptr("n")}); return err },
			"delete scene": func() error { return db.DeleteScene(ctx, f.s3.ID) },
			"create shot": func() error {
				_, err := db.CreateShot(ctx, f.s1.ID, slate.ShotInput{Name: "n", DurationMS: 1000})
				return err
			},
			"update shot":   func() error { _, err := db.UpdateShot(ctx, f.x.ID, slate.ShotPatch{Name: ptr("n")}); return err },
			"delete shot":   func() error { return db.DeleteShot(ctx, f.w.ID) },
			"reorder acts":  func() error { return db.Reorder(ctx, f.project, []string{f.a2.ID, f.a1.ID}) },
			"reorder shots": func() error { return db.Reorder(ctx, f.refs["S1"], []string{f.y.ID, f.x.ID}) },
			"set tags":      func() error { _, err := db.SetTags(ctx, f.refs["x"], []string{"t"}); return err },
			"lock":          func() error { _, err := db.Lock(ctx, f.refs["A1"], ""); return err },
			"unlock":        func() error { return db.Unlock(ctx, f.refs["y"]) },
			"review": func() error {
				_, err := db.SetReview(ctx, f.x.ID, slate.Review{Status: slate.ReviewFlagged})
				return err
			},
			"bulk tag": func() error {
				_, err := db.Bulk(ctx, pid, slate.Bulk{Selection: slate.Selection{All: true}, Action: slate.BulkTag, Tag: "t"})
				return err
			},
			"bulk unlock all": func() error {
				_, err := db.Bulk(ctx, pid, slate.Bulk{Selection: slate.Selection{All: true}, Action: slate.BulkUnlock})
				return err
			},
		} {
			e := wantCode(t, write(), slate.EFORBIDDEN)
			if e.MissingPermission != slate.PermModify {
				t.Errorf("%s: missing %q, want modify", name, e.MissingPermission)
			}
		}
		f.unchangedSince(before)
	})
}
