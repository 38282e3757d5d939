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
// empty), oldest first. Events of a project the member may not see are left
// out here, in the query, so a feed never has to filter what it was handed:
// owners see everything; others see events of no project, of unrestricted
// projects, and of restricted projects they are named on. Events of a
// deleted project stay hidden from all but owners.
func (s *DB) Events(ctx context.Context, orgID, after string, limit int) ([]*slate.Event, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	out := []*slate.Event{}
	err = s.withReadTx(ctx, func(tx *Tx) error {
		u, perms, err := tx.requireOrg(ctx, orgID, slate.PermRead)
		if err != nil {
			return err
		}
		q := `SELECT ` + eventColumns + ` FROM events e WHERE e.org_id = $1 AND e.id > $2`
		args := []any{orgID, after, limit}
		if !perms.Has(slate.PermOwner) {
			q += ` AND (e.project_id IS NULL OR EXISTS (SELECT 1 FROM projects p WHERE p.id = e.project_id
				AND (NOT p.restricted OR EXISTS (SELECT 1 FROM project_members pm
					WHERE pm.project_id = p.id AND pm.user_id = $4))))`
			args = append(args, u.ID)
		}
		events, err := queryAll(ctx, tx, q+` ORDER BY e.id LIMIT $3`, scanEvent, args...)
		out = append(out, events...)
		return err
	})
	return out, err
}
