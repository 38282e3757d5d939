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

// EventScope is who in an organisation may see an event, by its project.
type EventScope uint8

const (
	// ScopeOrg is an event of no project or of an unrestricted one: every
	// member sees it.
	ScopeOrg EventScope = iota
	// ScopeRestricted is an event of a restricted project: owners and the
	// members named on the project see it.
	ScopeRestricted
	// ScopeDeleted is an event of a project since deleted: only owners see
	// it, as nobody else can be told whether it was restricted.
	ScopeDeleted
)

// ScopedEvent is a stored event with its scope: what a process's event
// broker reads once and hands to every feed of the organisation.
type ScopedEvent struct {
	*Event
	Scope EventScope
}

// EventAccess is what one member may see of their organisation's events.
type EventAccess struct {
	Perms Permissions
	// Named holds the restricted projects of the organisation that name the
	// member.
	Named map[string]bool
}

// Sees reports whether the holder of a may see e. It is the rule the
// store's Events query applies in SQL, for a feed handed events that were
// read once for many members: owners see everything; others see events of
// no project, of unrestricted projects and of restricted projects they are
// named on.
func (a *EventAccess) Sees(e ScopedEvent) bool {
	if a == nil {
		return false
	}
	if a.Perms.Has(PermOwner) {
		return true
	}
	switch e.Scope {
	case ScopeOrg:
		return true
	case ScopeRestricted:
		return a.Named[e.ProjectID]
	}
	return false
}

// EventBatch is a run of one organisation's events, oldest first, with
// the access of the members listening to them, read in one snapshot so
// that what each member is shown agrees with what they might read.
type EventBatch struct {
	Events []ScopedEvent
	// Access is keyed by user id. A user who is not a member has none.
	Access map[string]*EventAccess
}
