package storetest_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// listFunc reads one page of a list under test.
type listFunc[T any] func(slate.PageRequest) (*slate.Page[T], error)

// walk reads every page of list, size items at a time, and returns the ids
// of what it read in order. grow, when not nil, runs after each page:
// adding rows between pages must neither repeat an item nor skip one.
func walk[T any](t *testing.T, size int, list listFunc[T], id func(T) string, grow func()) []string {
	t.Helper()
	var ids []string
	req := slate.PageRequest{Limit: size}
	for pages := 1; ; pages++ {
		p, err := list(req)
		if err != nil {
			t.Fatalf("page %d (cursor %q): %v", pages, req.Cursor, err)
		}
		if len(p.Items) > size {
			t.Fatalf("page %d has %d items, asked for %d", pages, len(p.Items), size)
		}
		if p.NextCursor != "" && len(p.Items) != size {
			t.Fatalf("page %d has %d items and a next page; a page is full unless it is the last", pages, len(p.Items))
		}
		for _, it := range p.Items {
			ids = append(ids, id(it))
		}
		if p.NextCursor == "" {
			return ids
		}
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		if grow != nil {
			grow()
		}
		req.Cursor = p.NextCursor
	}
}

// checkWalk holds a walk's ids to want (every row there before the walk,
// in list order): each exactly once and in order. Rows added during the
// walk may show up too, once each, but only where extra allows.
func checkWalk(t *testing.T, what string, got, want []string, extra func(id string) bool) {
	t.Helper()
	seen := map[string]bool{}
	var kept []string
	for _, id := range got {
		if seen[id] {
			t.Errorf("%s: %s listed twice in %v", what, id, got)
		}
		seen[id] = true
		if slices.Contains(want, id) {
			kept = append(kept, id)
		} else if extra == nil || !extra(id) {
			t.Errorf("%s: %s listed but should not be", what, id)
		}
	}
	if !slices.Equal(kept, want) {
		t.Errorf("%s: listed\n%v\nwant, in this order,\n%v", what, kept, want)
	}
}

// checkBadPages: cursors this list did not give out and negative limits are
// refused as invalid; limits past the maximum are cut to it.
func checkBadPages[T any](t *testing.T, list listFunc[T], foreign string) {
	t.Helper()
	for _, tc := range []struct {
		name string
		req  slate.PageRequest
	}{
		{"garbage cursor", slate.PageRequest{Cursor: "bogus!"}},
		{"empty key", slate.PageRequest{Cursor: "dDo"}},
		{"another list's cursor", slate.PageRequest{Cursor: foreign}},
		{"negative limit", slate.PageRequest{Limit: -1}},
	} {
		_, err := list(tc.req)
		if slate.ErrorCode(err) != slate.EINVALID {
			t.Errorf("%s: got %v, want invalid", tc.name, err)
		}
	}
	if _, err := list(slate.PageRequest{Limit: 10_000}); err != nil {
		t.Errorf("a limit past the maximum: %v, want it cut to %d", err, slate.MaxPageLimit)
	}
}

// byCreation sorts ids of rows made at the given times as a creation-ordered
// list does: by time, then id.
func byCreation(at map[string]time.Time) []string {
	ids := make([]string, 0, len(at))
	for id := range at {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := at[a].Compare(at[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return ids
}

// membersCursor is a cursor another list (the members) gave out.
func membersCursor(t *testing.T, env *storetest.Env, o *storetest.Owner) string {
	t.Helper()
	inviteAndJoin(t, env, o, "other")
	p, err := env.DB.ListMembers(o.Ctx, o.Org.ID, slate.PageRequest{Limit: 1})
	if err != nil || p.NextCursor == "" {
		t.Fatalf("no members cursor to misuse: %v", err)
	}
	return p.NextCursor
}
