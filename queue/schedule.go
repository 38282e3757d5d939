package queue

import (
	"cmp"
	"slices"

	"slate"
)

// Lane is one organisation's share of the queue as the claim sees it.
type Lane struct {
	OrgID   string
	Queued  int64
	Running int64
	// Limit is the plan's concurrent-render limit.
	Limit int64
	// ServedAt is when a worker last took one of its jobs (unix ms).
	ServedAt int64
}

// Order returns the lanes a worker should take work from, in the order to
// try them: only lanes with queued work and room under their limit; the
// organisation with the fewest jobs running first, so capacity is shared
// evenly, then the one served longest ago, so equals take turns.
func Order(lanes []Lane) []Lane {
	out := make([]Lane, 0, len(lanes))
	for _, l := range lanes {
		if l.Queued > 0 && l.Running < l.Limit {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b Lane) int {
		return cmp.Or(cmp.Compare(a.Running, b.Running), cmp.Compare(a.ServedAt, b.ServedAt), cmp.Compare(a.OrgID, b.OrgID))
	})
	return out
}

// TopPriority is the priority "move to top" gives a job when the highest
// queued job of its organisation has priority highest: one above it, within
// the allowed range. Among equal priorities the job moved to the top most
// recently runs first, so a job already at the maximum still goes first.
func TopPriority(highest int) int {
	return min(max(highest+1, slate.MinPriority), slate.MaxPriority)
}

// ValidatePriority refuses a priority outside 0–100.
func ValidatePriority(p int) error {
	if p < slate.MinPriority || p > slate.MaxPriority {
		return slate.Invalidf("priority", "priority must be between %d and %d, got %d", slate.MinPriority, slate.MaxPriority, p)
	}
	return nil
}
