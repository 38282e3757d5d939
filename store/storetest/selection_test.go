package storetest_test

import (
	"strings"
	"testing"

	"slate"
	"slate/store/storetest"
)

// taggedTree is A1{S1[Exterior](a[hero] b) S2(c[EXTERIOR]) S3()} A2{S4(d[night])} A3{}.
type taggedTree struct {
	*treeKit
	ids map[string]string
}

func newTaggedTree(t *testing.T, env *storetest.Env) *taggedTree {
	k := newTreeKit(t, env)
	f := &taggedTree{treeKit: k, ids: map[string]string{}}
	a1, a2, a3 := k.act("A1"), k.act("A2"), k.act("A3")
	s1, s2, s3, s4 := k.scene(a1.ID, "S1"), k.scene(a1.ID, "S2"), k.scene(a1.ID, "S3"), k.scene(a2.ID, "S4")
	a, b, c, d := k.shot(s1.ID, "a"), k.shot(s1.ID, "b"), k.shot(s2.ID, "c"), k.shot(s4.ID, "d")
	for name, id := range map[string]string{"A1": a1.ID, "A2": a2.ID, "A3": a3.ID, "S1": s1.ID, "S2": s2.ID,
		"S3": s3.ID, "S4": s4.ID, "a": a.ID, "b": b.ID, "c": c.ID, "d": d.ID} {
		f.ids[name] = id
	}
	f.tag(slate.KindScene, "S1", "Exterior")
	f.tag(slate.KindShot, "a", "hero")
	f.tag(slate.KindShot, "c", "EXTERIOR")
	f.tag(slate.KindShot, "d", "night")
	return f
}

func (f *taggedTree) tag(kind slate.ElementKind, name string, tags ...string) {
	f.t.Helper()
	if _, err := f.env.DB.SetTags(f.o.Ctx, slate.ElementRef{Kind: kind, ID: f.ids[name]}, tags); err != nil {
		f.t.Fatalf("tag %s: %v", name, err)
	}
}

func (f *taggedTree) idsOf(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, f.ids[n])
	}
	return out
}

func shotNames(shots []*slate.Shot) string {
	var names []string
	for _, sh := range shots {
		names = append(names, sh.Name)
	}
	return strings.Join(names, " ")
}

func TestResolveSelection(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newTaggedTree(t, env)
		other := newTaggedTree(t, env) // another org's project
		if _, err := env.DB.Lock(f.o.Ctx, slate.ElementRef{Kind: slate.KindShot, ID: f.ids["b"]}, "done"); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			sel  slate.Selection
			want string
			code slate.Code
		}{
			{"shots in tree order", slate.Selection{Shots: f.idsOf("d", "a")}, "a d", ""},
			{"scenes", slate.Selection{Scenes: f.idsOf("S2", "S1")}, "a b c", ""},
			{"act", slate.Selection{Acts: f.idsOf("A2")}, "d", ""},
			{"tag on scene and shot, any case", slate.Selection{Tags: []string{"exterior"}}, "a b c", ""},
			{"several tags", slate.Selection{Tags: []string{"HERO", " Night "}}, "a d", ""},
			{"union without duplicates", slate.Selection{Shots: f.idsOf("c", "a"), Scenes: f.idsOf("S1"), Tags: []string{"hero"}}, "a b c", ""},
			{"all", slate.Selection{All: true}, "a b c d", ""},
			{"all with more", slate.Selection{All: true, Acts: f.idsOf("A1")}, "a b c d", ""},
			{"empty scene", slate.Selection{Scenes: f.idsOf("S3")}, "", ""},
			{"empty act", slate.Selection{Acts: f.idsOf("A3")}, "", ""},
			{"unused tag", slate.Selection{Tags: []string{"day"}}, "", ""},
			{"shot of another project", slate.Selection{Shots: []string{f.ids["a"], other.ids["a"]}}, "", slate.ENOTFOUND},
			{"scene of another project", slate.Selection{Scenes: other.idsOf("S1")}, "", slate.ENOTFOUND},
			{"act of another project", slate.Selection{Acts: other.idsOf("A1")}, "", slate.ENOTFOUND},
			{"scene id as a shot", slate.Selection{Shots: f.idsOf("S1")}, "", slate.ENOTFOUND},
			{"nothing", slate.Selection{}, "", slate.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := env.DB.ResolveSelection(f.o.Ctx, f.o.Project.ID, tc.sel)
				if tc.code != "" {
					wantCode(t, err, tc.code)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got == nil || shotNames(got) != tc.want {
					t.Errorf("selected %q, want %q", shotNames(got), tc.want)
				}
			})
		}

		got, err := env.DB.ResolveSelection(f.o.Ctx, f.o.Project.ID, slate.Selection{Tags: []string{"EXTERIOR"}})
		if err != nil {
			t.Fatal(err)
		}
		a, b, c := got[0], got[1], got[2]
		if strings.Join(a.Tags, ",") != "hero" || len(b.Tags) != 0 || strings.Join(c.Tags, ",") != "EXTERIOR" {
			t.Errorf("selected shots' tags: %q %q %q", a.Tags, b.Tags, c.Tags)
		}
		if a.Lock != nil || b.Lock == nil || b.Lock.ByName != f.o.User.Name || b.Lock.Reason != "done" {
			t.Errorf("selected shots' locks: %+v %+v", a.Lock, b.Lock)
		}
		if a.EffectiveEngine != f.o.Project.DefaultEngine || a.EffectiveTier != f.o.Project.DefaultTier || a.ProjectID != f.o.Project.ID {
			t.Errorf("selected shot a = %+v", a)
		}
		_, err = env.DB.ResolveSelection(other.o.Ctx, f.o.Project.ID, slate.Selection{All: true})
		wantCode(t, err, slate.ENOTFOUND)
	})
}
