package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"slate"
)

const eventColumns = `e.id, e.org_id, COALESCE(e.project_id, ''), e.kind, e.payload, e.at`

func scanEvent(r scanner) (*slate.Event, error) {
	e := &slate.Event{}
	var payload string
	var at int64
	if err := r.Scan(&e.ID, &e.OrgID, &e.ProjectID, &e.Kind, &payload, &at); err != nil {
		return nil, err
	}
	e.At = fromMS(at)
	return e, json.Unmarshal([]byte(payload), &e.Payload)
}

// RecentEvents lists the ids and organisations of events of every
// organisation after the event id after, oldest first. It acts for the
// server, not a member: a process's event broker polls it to learn which
// organisations' feeds have news, and reads the events themselves as each
// member.
func (s *DB) RecentEvents(ctx context.Context, after string, limit int) ([]slate.EventRef, error) {
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	var out []slate.EventRef
	err := s.withReadTx(ctx, func(tx *Tx) error {
		var err error
		out, err = queryAll(ctx, tx, `SELECT id, org_id FROM events WHERE id > $1 ORDER BY id LIMIT $2`,
			func(r scanner) (slate.EventRef, error) {
				var e slate.EventRef
				return e, r.Scan(&e.ID, &e.OrgID)
			}, after, limit)
		return err
	})
	return out, err
}

// eventFloor is the lowest event id of the millisecond t: every event
// stored at t or later has an id above it.
func eventFloor(t time.Time) string {
	var id ulid.ULID
	if t.Before(time.UnixMilli(0)) {
		t = time.UnixMilli(0)
	}
	_ = id.SetTime(ulid.Timestamp(t))
	return "evt_" + id.String()
}

// eventTime is the time an event id was made, read from its ULID.
func eventTime(id string) (time.Time, bool) {
	u, err := ulid.ParseStrict(strings.TrimPrefix(id, "evt_"))
	if err != nil || !strings.HasPrefix(id, "evt_") {
		return time.Time{}, false
	}
	return ulid.Time(u.Time()).UTC(), true
}

// lookBack is the floor a pass over events starts from when the last pass
// ended at id: window earlier, since on PostgreSQL an event whose
// transaction began first may commit after ones with higher ids.
func lookBack(id string, window time.Duration) string {
	t, ok := eventTime(id)
	if !ok {
		return id
	}
	return eventFloor(t.Add(-window))
}
