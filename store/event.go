package store

import (
	"context"
	"encoding/json"

	"slate"
)

// Event kinds of the live feed.
const (
	eventAlert   = "alert"
	eventJob     = "job"
	eventBalance = "balance"
	eventLock    = "lock"
)

// event stores an event for the organisation's live feed and webhooks, in
// the transaction of the change it reports, so the feed never tells of a
// change that did not commit. projectID, when set, hides the event from
// members who may not see that project. An event with a dedupe key is
// stored once, however often it is raised.
func (tx *Tx) event(ctx context.Context, orgID, projectID, kind, dedupeKey string, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO events (id, org_id, project_id, kind, dedupe_key, payload, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING`,
		tx.db.newID("evt"), orgID, null(projectID), kind, null(dedupeKey), string(body), ms(tx.now))
	return err
}

// Events lists an organisation's events after the event id after (all when
// empty), oldest first.
func (s *DB) Events(ctx context.Context, orgID, after string, limit int) ([]*slate.Event, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	out := []*slate.Event{}
	err = s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermRead); err != nil {
			return err
		}
		events, err := queryAll(ctx, tx, `SELECT id, org_id, kind, payload, at FROM events
			WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3`, func(r scanner) (*slate.Event, error) {
			e := &slate.Event{}
			var payload string
			var at int64
			if err := r.Scan(&e.ID, &e.OrgID, &e.Kind, &payload, &at); err != nil {
				return nil, err
			}
			e.At = fromMS(at)
			return e, json.Unmarshal([]byte(payload), &e.Payload)
		}, orgID, after, limit)
		out = append(out, events...)
		return err
	})
	return out, err
}
