package storetest_test

import (
	"fmt"
	"strings"
	"testing"

	"slate"
	"slate/store/storetest"
)

func TestBulk(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newTaggedTree(t, env)
		db, ctx, pid := env.DB, f.o.Ctx, f.o.Project.ID
		tagsOf := func() string {
			var out []string
			for _, a := range f.tree().Acts {
				for _, sc := range a.Scenes {
					for _, sh := range sc.Shots {
						out = append(out, sh.Name+"["+strings.Join(sh.Tags, ",")+"]")
					}
				}
			}
			return strings.Join(out, " ")
		}
		locksOf := func() string {
			var out []string
			for _, a := range f.tree().Acts {
				for _, sc := range a.Scenes {
					for _, sh := range sc.Shots {
						if sh.Lock != nil {
							out = append(out, sh.Name+":"+sh.Lock.Reason)
						}
					}
				}
			}
			return strings.Join(out, " ")
		}

		for _, st := range []struct {
			in               slate.Bulk
			selected, change int
			check            func() string
			want             string
		}{
			{slate.Bulk{Selection: slate.Selection{All: true}, Action: slate.BulkTag, Tag: " For  Review "}, 4, 4,
				tagsOf, "a[For Review,hero] b[For Review] c[EXTERIOR,For Review] d[For Review,night]"},
			{slate.Bulk{Selection: slate.Selection{Scenes: f.idsOf("S1")}, Action: slate.BulkTag, Tag: "for review"}, 2, 0,
				tagsOf, "a[For Review,hero] b[For Review] c[EXTERIOR,For Review] d[For Review,night]"},
			{slate.Bulk{Selection: slate.Selection{Acts: f.idsOf("A1")}, Action: slate.BulkUntag, Tag: "FOR REVIEW"}, 3, 3,
				tagsOf, "a[hero] b[] c[EXTERIOR] d[For Review,night]"},
			{slate.Bulk{Selection: slate.Selection{Tags: []string{"exterior"}}, Action: slate.BulkLock, Reason: "final"}, 3, 3,
				locksOf, "a:final b:final c:final"},
			{slate.Bulk{Selection: slate.Selection{All: true}, Action: slate.BulkLock, Reason: "wrap"}, 4, 1,
				locksOf, "a:final b:final c:final d:wrap"},
			{slate.Bulk{Selection: slate.Selection{Shots: f.idsOf("a")}, Action: slate.BulkUnlock}, 1, 1,
				locksOf, "b:final c:final d:wrap"},
			{slate.Bulk{Selection: slate.Selection{All: true}, Action: slate.BulkUnlock}, 4, 3,
				locksOf, ""},
		} {
			res, err := db.Bulk(ctx, pid, st.in)
			if err != nil {
				t.Fatalf("bulk %+v: %v", st.in, err)
			}
			if res.Action != st.in.Action || res.Selected != st.selected || res.Changed != st.change || len(res.ShotIDs) != st.selected {
				t.Errorf("bulk %s: %+v, want %d selected, %d changed", st.in.Action, res, st.selected, st.change)
			}
			if got := st.check(); got != st.want {
				t.Errorf("after bulk %s: %s, want %s", st.in.Action, got, st.want)
			}
		}

		page, err := db.Audit(ctx, f.o.Org.ID, pid, slate.PageRequest{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var audit []string
		for _, e := range page.Items {
			if e.Action == "lock" || e.Action == "unlock" {
				audit = append(audit, e.Action+" "+e.Element.Name)
			}
		}
		want := "unlock d,unlock c,unlock b,unlock a,lock d,lock c,lock b,lock a"
		if strings.Join(audit, ",") != want {
			t.Errorf("audit = %v, want %s", audit, want)
		}

		// All or nothing: one shot that cannot take the tag stops them all.
		full := make([]string, slate.MaxTagsPer)
		for i := range full {
			full[i] = fmt.Sprintf("t%d", i)
		}
		f.tag(slate.KindShot, "d", full...)
		before := f.snapshot()
		for _, tc := range []struct {
			name string
			in   slate.Bulk
			code slate.Code
		}{
			{"a shot with too many tags", slate.Bulk{Selection: slate.Selection{All: true}, Action: slate.BulkTag, Tag: "new"}, slate.EINVALID},
			{"an id of another project", slate.Bulk{Selection: slate.Selection{Shots: []string{f.ids["a"], "shot_elsewhere"}}, Action: slate.BulkLock}, slate.ENOTFOUND},
			{"no tag", slate.Bulk{Selection: slate.Selection{All: true}, Action: slate.BulkTag}, slate.EINVALID},
			{"unknown action", slate.Bulk{Selection: slate.Selection{All: true}, Action: "render"}, slate.EINVALID},
			{"empty selection", slate.Bulk{Action: slate.BulkUnlock}, slate.EINVALID},
		} {
			_, err := db.Bulk(ctx, pid, tc.in)
			if slate.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		f.unchangedSince(before)
	})
}
