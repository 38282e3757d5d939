package slate

import "context"

// Event kinds: what the live feed and webhooks carry.
const (
	// EventAlert is a budget alert crossing a threshold.
	EventAlert = "alert"
	// EventJob is a render job changing state or reporting progress; the
	// payload is the Job.
	EventJob = "job"
	// EventBalance is a change to the organisation's balance; the payload is
	// the Credits after it.
	EventBalance = "balance"
	// EventLock is an act, scene or shot locked or unlocked; the payload is
	// a LockEvent.
	EventLock = "lock"
)

// EventKinds lists every kind, for validating webhook filters.
var EventKinds = []string{EventAlert, EventBalance, EventJob, EventLock}

// LockEvent is the payload of an EventLock: the element, its lock after the
// change (nil once unlocked) and whether it is now locked.
type LockEvent struct {
	Element ElementRef `json:"element"`
	Lock    *Lock      `json:"lock"`
	Locked  bool       `json:"locked"`
}

// EventService reads an organisation's stored events for a member: oldest
// first, after the event id after ("" for all), leaving out events of
// projects the member may not see. Membership is checked on every call, so
// a feed stops for someone removed from the organisation.
type EventService interface {
	Events(ctx context.Context, orgID, after string, limit int) ([]*Event, error)
}

// EventRef names a stored event of any organisation: what a process needs
// to tell its subscribers that something happened.
type EventRef struct {
	ID    string
	OrgID string
}
