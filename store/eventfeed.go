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

// EventBatch reads, for a process's event broker rather than a member, the
// events of orgID with ids above after and up to through, oldest first, at
// most limit, each with the scope its project gives it; and, from the same
// snapshot, the access of each of users to the organisation's events. The
// broker reads an organisation's news once with it and decides in memory
// what each listening member may see, as Events would decide in SQL.
func (s *DB) EventBatch(ctx context.Context, orgID, after, through string, limit int, users []string) (*slate.EventBatch, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	out := &slate.EventBatch{Access: map[string]*slate.EventAccess{}}
	err = s.withReadTx(ctx, func(tx *Tx) error {
		// A deleted project leaves its events with no project row; the
		// scope keeps them from all but owners, as Events does.
		out.Events, err = queryAll(ctx, tx, `SELECT `+eventColumns+`,
				CASE WHEN e.project_id IS NULL THEN 0 WHEN p.id IS NULL THEN 2 WHEN p.restricted THEN 1 ELSE 0 END
			FROM events e LEFT JOIN projects p ON p.id = e.project_id
			WHERE e.org_id = $1 AND e.id > $2 AND e.id <= $3 ORDER BY e.id LIMIT $4`,
			func(r scanner) (slate.ScopedEvent, error) {
				e := slate.ScopedEvent{Event: &slate.Event{}}
				var payload string
				var at int64
				if err := r.Scan(&e.ID, &e.OrgID, &e.ProjectID, &e.Kind, &payload, &at, &e.Scope); err != nil {
					return e, err
				}
				e.At = fromMS(at)
				return e, json.Unmarshal([]byte(payload), &e.Payload)
			}, orgID, after, through, limit)
		if err != nil {
			return err
		}
		return tx.eventAccess(ctx, orgID, users, out.Access)
	})
	return out, err
}

// eventAccessChunk bounds the users of one access query. Lists are padded
// to a power of two below it, so a handful of statement shapes serve every
// number of listeners and the statement cache is not filled with them.
const eventAccessChunk = 256

// eventAccess adds to access the permissions of each of users who is a
// member of orgID and the restricted projects naming them.
func (tx *Tx) eventAccess(ctx context.Context, orgID string, users []string, access map[string]*slate.EventAccess) error {
	for len(users) > 0 {
		n := min(len(users), eventAccessChunk)
		chunk := users[:n]
		users = users[n:]
		size := 1
		for size < len(chunk) {
			size *= 2
		}
		args := []any{orgID}
		for i := range size {
			args = append(args, chunk[min(i, len(chunk)-1)])
		}
		in := placeholders(2, size)
		members, err := queryAll(ctx, tx, `SELECT user_id, permissions FROM members
			WHERE org_id = $1 AND user_id IN (`+in+`)`, scanPair[int64], args...)
		if err != nil {
			return err
		}
		for _, m := range members {
			access[m.a] = &slate.EventAccess{Perms: slate.Permissions(m.b), Named: map[string]bool{}}
		}
		named, err := queryAll(ctx, tx, `SELECT pm.user_id, pm.project_id FROM project_members pm
			JOIN projects p ON p.id = pm.project_id
			WHERE p.org_id = $1 AND p.restricted AND pm.user_id IN (`+in+`)`, scanPair[string], args...)
		if err != nil {
			return err
		}
		for _, n := range named {
			if a := access[n.a]; a != nil {
				a.Named[n.b] = true
			}
		}
	}
	return nil
}

// pair is a row of an id and one more column.
type pair[T any] struct {
	a string
	b T
}

func scanPair[T any](r scanner) (pair[T], error) {
	var p pair[T]
	return p, r.Scan(&p.a, &p.b)
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
