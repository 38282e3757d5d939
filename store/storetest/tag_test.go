package storetest_test

import (
	"fmt"
	"strings"
	"testing"

	"slate"
	"slate/store/storetest"
)

func TestSetTags(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newTreeKit(t, env)
		db, ctx := env.DB, k.o.Ctx
		sc := k.scene(k.act("A").ID, "S")
		sh := k.shot(sc.ID, "s")
		scene := slate.ElementRef{Kind: slate.KindScene, ID: sc.ID}
		shot := slate.ElementRef{Kind: slate.KindShot, ID: sh.ID}

		got, err := db.SetTags(ctx, shot, []string{"  For   Review ", "Exterior", "for review", "night"})
		if err != nil {
			t.Fatal(err)
		}
		if want := "Exterior|For Review|night"; strings.Join(got, "|") != want {
			t.Errorf("set tags = %q, want %q", got, want)
		}
		if _, err := db.SetTags(ctx, scene, []string{"Final Approved"}); err != nil {
			t.Fatal(err)
		}
		read, err := db.GetShot(ctx, sh.ID)
		if err != nil || strings.Join(read.Tags, "|") != "Exterior|For Review|night" {
			t.Errorf("shot tags read back = %q, %v", read.Tags, err)
		}
		if tags := k.tree().Acts[0].Scenes[0].Tags; strings.Join(tags, "|") != "Final Approved" {
			t.Errorf("scene tags in tree = %q", tags)
		}
		// Replacing drops what is not listed; a new spelling replaces the old.
		if got, err := db.SetTags(ctx, shot, []string{"NIGHT"}); err != nil || strings.Join(got, "|") != "NIGHT" {
			t.Errorf("replace tags = %q, %v", got, err)
		}
		if got, err := db.SetTags(ctx, scene, nil); err != nil || len(got) != 0 || got == nil {
			t.Errorf("clear tags = %#v, %v", got, err)
		}

		before := k.snapshot()
		many := make([]string, slate.MaxTagsPer+1)
		for i := range many {
			many[i] = fmt.Sprintf("tag %d", i)
		}
		for _, tc := range []struct {
			name string
			el   slate.ElementRef
			tags []string
			code slate.Code
		}{
			{"empty tag", shot, []string{"ok", "  "}, slate.EINVALID},
			{"too long", shot, []string{strings.Repeat("x", slate.MaxTagLen+1)}, slate.EINVALID},
			{"too many", shot, many, slate.EINVALID},
			{"acts carry no tags", slate.ElementRef{Kind: slate.KindAct, ID: k.tree().Acts[0].ID}, []string{"x"}, slate.EINVALID},
			{"unknown shot", slate.ElementRef{Kind: slate.KindShot, ID: "shot_nope"}, []string{"x"}, slate.ENOTFOUND},
		} {
			_, err := db.SetTags(ctx, tc.el, tc.tags)
			if slate.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		k.unchangedSince(before)
	})
}
