package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"slate"
)

var _ slate.DeliveryQueue = (*DB)(nil)

// deliveryLookBack is how far before the last event it saw a pass of
// EnqueueDeliveries looks again. Event ids are made when a transaction
// writes the event, and on PostgreSQL several processes' transactions
// commit in any order: an event may become visible after ones with higher
// ids. A transaction that takes longer than this (or clocks further apart)
// could have its event missed by webhooks; the unique (webhook, event) pair
// makes looking again harmless.
const deliveryLookBack = 10 * time.Second

// enqueueBatch bounds the deliveries one pass makes, so a backlog is
// worked through in transactions of a bounded size.
const enqueueBatch = 500

// EnqueueDeliveries makes a pending delivery for each webhook and each
// event of its organisation stored since the webhook was created that it
// has not had yet, due at once. Several processes may run it together.
//
// It looks in a read transaction first, so that an idle server does not
// take SQLite's one write lock every time its deliverer polls.
func (s *DB) EnqueueDeliveries(ctx context.Context) (int, error) {
	var work bool
	err := s.withReadTx(ctx, func(tx *Tx) error {
		cursor, latest, pairs, err := tx.deliveryWork(ctx, 1)
		work = len(pairs) > 0 || cursorBehind(cursor, latest)
		return err
	})
	if err != nil || !work {
		return 0, err
	}
	var n int
	err = s.withTx(ctx, func(tx *Tx) error {
		n = 0
		_, latest, pairs, err := tx.deliveryWork(ctx, enqueueBatch)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			res, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries
				(id, webhook_id, org_id, event_id, kind, status, next_attempt_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (webhook_id, event_id) DO NOTHING`,
				s.newID("dlv"), p.webhook, p.org, p.event, p.kind, string(slate.DeliveryPending), ms(tx.now), ms(tx.now))
			k, err := affected(res, err)
			if err != nil {
				return err
			}
			n += int(k)
		}
		if len(pairs) == enqueueBatch {
			// More may wait: the next pass goes on from here.
			latest = pairs[len(pairs)-1].event
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_cursor SET event_id = $1 WHERE id = 1 AND event_id < $1`, latest)
		return err
	})
	return n, err
}

// deliveryPair is an event a webhook wants and has no delivery of yet.
type deliveryPair struct{ webhook, event, org, kind string }

// deliveryWork reads the cursor, the newest event id and up to limit
// pairs still to enqueue, looking back from the cursor.
func (tx *Tx) deliveryWork(ctx context.Context, limit int) (cursor, latest string, pairs []deliveryPair, err error) {
	if err = tx.QueryRowContext(ctx, `SELECT event_id FROM webhook_cursor WHERE id = 1`).Scan(&cursor); err != nil {
		return
	}
	// The newest id is read before looking for work, so the cursor never
	// passes an event this pass could not see.
	if err = tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), '') FROM events`).Scan(&latest); err != nil {
		return
	}
	pairs, err = queryAll(ctx, tx, `SELECT w.id, e.id, e.org_id, e.kind
		FROM webhooks w JOIN events e ON e.org_id = w.org_id AND e.id > w.since
		WHERE e.id > $1 AND e.id <= $2 AND (w.kinds = '' OR w.kinds LIKE '%,' || e.kind || ',%')
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.event_id = e.id)
		ORDER BY e.id, w.id LIMIT $3`, func(r scanner) (deliveryPair, error) {
		var p deliveryPair
		return p, r.Scan(&p.webhook, &p.event, &p.org, &p.kind)
	}, lookBack(cursor, deliveryLookBack), latest, limit)
	return
}

// cursorBehind says the cursor is worth moving although there is nothing
// to enqueue: it trails the newest event by more than the look-back, so
// passes would reread more than they need.
func cursorBehind(cursor, latest string) bool {
	if latest <= cursor {
		return false
	}
	c, ok := eventTime(cursor)
	l, _ := eventTime(latest)
	return !ok || l.Sub(c) > deliveryLookBack
}

// ClaimDeliveries leases up to limit due deliveries, oldest due first, and
// counts an attempt for each. While leased a delivery is due again at the
// end of the lease, so one whose deliverer died is retried then. On
// PostgreSQL the due rows are claimed SKIP LOCKED, so processes claiming
// at once take different deliveries.
func (s *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*slate.DeliveryClaim, error) {
	if limit <= 0 || lease <= 0 {
		return nil, slate.Invalidf("limit", "a claim needs a positive limit and lease")
	}
	var due bool
	err := s.withReadTx(ctx, func(tx *Tx) error {
		// Looked for first, as in EnqueueDeliveries.
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM webhook_deliveries WHERE status = $1 AND next_attempt_at <= $2 LIMIT 1`,
			string(slate.DeliveryPending), ms(tx.now)).Scan(&id)
		due = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil || !due {
		return nil, err
	}
	var out []*slate.DeliveryClaim
	err = s.withTx(ctx, func(tx *Tx) error {
		out = nil
		type due struct {
			id       string
			attempts int
		}
		dues, err := queryAll(ctx, tx, `SELECT id, attempts FROM webhook_deliveries
			WHERE status = $1 AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3`+s.dialect.skipLocked(),
			func(r scanner) (due, error) {
				var d due
				return d, r.Scan(&d.id, &d.attempts)
			}, string(slate.DeliveryPending), ms(tx.now), limit)
		if err != nil {
			return err
		}
		token := s.newID("lse")
		for _, d := range dues {
			if d.attempts >= slate.WebhookMaxAttempts {
				// The last attempt's deliverer died with the lease.
				if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $1, lease_token = NULL,
					last_error_class = $2, updated_at = $3 WHERE id = $4`, string(slate.DeliveryFailed),
					string(slate.DeliveryLeaseLapsed), ms(tx.now), d.id); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1,
				next_attempt_at = $1, lease_token = $2, updated_at = $3 WHERE id = $4`,
				ms(tx.now.Add(lease)), token, ms(tx.now), d.id); err != nil {
				return err
			}
			c, err := tx.claim(ctx, d.id)
			if err != nil {
				return err
			}
			c.Token = token
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// claim loads a delivery with its webhook's URL and secret and its event.
func (tx *Tx) claim(ctx context.Context, deliveryID string) (*slate.DeliveryClaim, error) {
	c := &slate.DeliveryClaim{}
	var err error
	c.Delivery, err = scanDelivery(withExtra{tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+`, w.url, w.secret
		FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1`, deliveryID),
		[]any{&c.URL, &c.Secret}})
	if err != nil {
		return nil, errNoRows(err, "delivery", deliveryID)
	}
	c.Event, err = scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.id = $1`, c.Delivery.EventID))
	return c, errNoRows(err, "event", c.Delivery.EventID)
}

// withExtra scans a row whose first columns a scan function reads and
// whose last ones go to extra.
type withExtra struct {
	r     scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.r.Scan(append(dest, w.extra...)...) }

// RecordDelivery stores the result of an attempt whose lease token still
// holds: delivered, or due again after the backoff, or failed for good
// after the last attempt. A lease that lapsed and went to another
// deliverer, or a webhook deleted meanwhile, is a conflict.
func (s *DB) RecordDelivery(ctx context.Context, deliveryID, token string, r slate.DeliveryResult) (*slate.WebhookDelivery, error) {
	// Only the fixed classes are kept: free text here is how a receiver's
	// answer or a dial error would leak to members.
	if c := r.ErrorClass(); c != "" && !slices.Contains(slate.DeliveryErrorClasses, c) {
		return nil, slate.Invalidf("class", "unknown delivery error class %q", c)
	}
	var out *slate.WebhookDelivery
	err := s.withTx(ctx, func(tx *Tx) error {
		var attempts int
		err := tx.QueryRowContext(ctx, `SELECT attempts FROM webhook_deliveries
			WHERE id = $1 AND lease_token = $2 AND status = $3`+s.dialect.forUpdate(),
			deliveryID, token, string(slate.DeliveryPending)).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return slate.Errorf(slate.ECONFLICT, "delivery %s is no longer leased to this deliverer", deliveryID)
		}
		if err != nil {
			return err
		}
		status, next, class := slate.DeliveryPending, tx.now, r.ErrorClass()
		var delivered sql.NullInt64
		switch {
		case r.OK():
			status = slate.DeliveryDelivered
			delivered = sql.NullInt64{Int64: ms(tx.now), Valid: true}
		case attempts >= slate.WebhookMaxAttempts:
			status = slate.DeliveryFailed
		default:
			next = tx.now.Add(slate.WebhookBackoff(attempts))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $1, last_status = $2, last_error_class = $3,
			next_attempt_at = $4, delivered_at = $5, lease_token = NULL, updated_at = $6 WHERE id = $7`,
			string(status), r.StatusCode, string(class), ms(next), delivered, ms(tx.now), deliveryID); err != nil {
			return err
		}
		out, err = scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d WHERE d.id = $1`, deliveryID))
		return err
	})
	return out, err
}
