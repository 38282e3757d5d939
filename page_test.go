package slate_test

import (
	"errors"
	"reflect"
	"strconv"
	"testing"

	"slate"
)

// pager serves items in pages of at most size, its cursor the index of the
// next item; repeat makes every page answer the cursor it was given.
func pager(items []int, size int, repeat bool) (func(slate.PageRequest) (*slate.Page[int], error), *[]slate.PageRequest) {
	var asked []slate.PageRequest
	return func(req slate.PageRequest) (*slate.Page[int], error) {
		asked = append(asked, req)
		from := 0
		if req.Cursor != "" {
			from, _ = strconv.Atoi(req.Cursor)
		}
		to := min(from+size, len(items))
		p := &slate.Page[int]{Items: items[from:to]}
		if to < len(items) {
			p.NextCursor = strconv.Itoa(to)
		}
		if repeat && req.Cursor != "" {
			p.NextCursor = req.Cursor
		}
		return p, nil
	}, &asked
}

func TestCollect(t *testing.T) {
	t.Parallel()
	seven := []int{1, 2, 3, 4, 5, 6, 7}
	tests := []struct {
		name  string
		items []int
		size  int
		pages int
	}{
		{"empty list", nil, 3, 1},
		{"one page", seven, 10, 1},
		{"exact pages", seven[:6], 3, 2},
		{"last page short", seven, 3, 3},
	}
	for _, tt := range tests {
		list, asked := pager(tt.items, tt.size, false)
		got, err := slate.Collect(list)
		want := append([]int{}, tt.items...)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Collect = %v, %v; want %v", tt.name, got, err, want)
		}
		if len(*asked) != tt.pages {
			t.Errorf("%s: %d requests, want %d", tt.name, len(*asked), tt.pages)
		}
		for _, req := range *asked {
			if req.Limit != slate.MaxPageLimit {
				t.Errorf("%s: asked for %d items, want the largest page %d", tt.name, req.Limit, slate.MaxPageLimit)
			}
		}
	}
}

func TestCollectStops(t *testing.T) {
	t.Parallel()
	list, _ := pager([]int{1, 2, 3}, 1, true)
	if _, err := slate.Collect(list); err == nil {
		t.Error("a list that repeats its cursor was followed without end")
	}
	boom := errors.New("boom")
	failing := func(slate.PageRequest) (*slate.Page[int], error) { return nil, boom }
	if _, err := slate.Collect(failing); !errors.Is(err, boom) {
		t.Errorf("error = %v, want the list's", err)
	}
}
