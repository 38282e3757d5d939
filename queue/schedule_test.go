package queue_test

import (
	"slices"
	"testing"

	"slate"
	"slate/queue"
)

func TestOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		lanes []queue.Lane
		want  []string
	}{
		{"empty", nil, []string{}},
		{"no queued work is skipped", []queue.Lane{{OrgID: "a", Queued: 0, Limit: 2}, {OrgID: "b", Queued: 1, Limit: 2}}, []string{"b"}},
		{"full lanes are skipped", []queue.Lane{{OrgID: "a", Queued: 5, Running: 2, Limit: 2}, {OrgID: "b", Queued: 1, Running: 3, Limit: 4}}, []string{"b"}},
		{"fewest running first", []queue.Lane{
			{OrgID: "a", Queued: 9, Running: 3, Limit: 10},
			{OrgID: "b", Queued: 1, Running: 0, Limit: 1},
			{OrgID: "c", Queued: 1, Running: 1, Limit: 10},
		}, []string{"b", "c", "a"}},
		{"then longest unserved", []queue.Lane{
			{OrgID: "a", Queued: 1, Running: 1, Limit: 4, ServedAt: 300},
			{OrgID: "b", Queued: 1, Running: 1, Limit: 4, ServedAt: 100},
			{OrgID: "c", Queued: 1, Running: 1, Limit: 4, ServedAt: 200},
		}, []string{"b", "c", "a"}},
		{"then org id, so the order is total", []queue.Lane{
			{OrgID: "z", Queued: 1, Limit: 1}, {OrgID: "m", Queued: 1, Limit: 1},
		}, []string{"m", "z"}},
		{"zero limit never runs", []queue.Lane{{OrgID: "a", Queued: 1, Limit: 0}}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := []string{}
			for _, l := range queue.Order(tc.lanes) {
				got = append(got, l.OrgID)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Order = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTopPriority(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ highest, want int }{{50, 51}, {0, 1}, {99, 100}, {100, 100}, {-1, 0}} {
		if got := queue.TopPriority(tc.highest); got != tc.want {
			t.Errorf("TopPriority(%d) = %d, want %d", tc.highest, got, tc.want)
		}
	}
}

func TestValidatePriority(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p  int
		ok bool
	}{{0, true}, {50, true}, {100, true}, {-1, false}, {101, false}} {
		err := queue.ValidatePriority(tc.p)
		if (err == nil) != tc.ok || (!tc.ok && slate.ErrorCode(err) != slate.EINVALID) {
			t.Errorf("ValidatePriority(%d) = %v", tc.p, err)
		}
	}
}
