package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"strings"

	"slate"
)

var _ slate.WebhookService = (*DB)(nil)

// maxWebhooks bounds an organisation's webhooks: each one multiplies every
// event into a delivery.
const maxWebhooks = 25

// CreateWebhook adds a webhook receiving the organisation's events from now
// on. It needs billing.
func (s *DB) CreateWebhook(ctx context.Context, orgID string, in slate.WebhookInput) (*slate.Webhook, error) {
	in, err := in.Validate()
	if err != nil {
		return nil, err
	}
	secret, err := newWebhookSecret()
	if err != nil {
		return nil, err
	}
	var out *slate.Webhook
	err = s.withTx(ctx, func(tx *Tx) error {
		u, _, err := tx.requireOrg(ctx, orgID, slate.PermBilling)
		if err != nil {
			return err
		}
		// since is an event id made now: events of this process made
		// before it sort below it, even within one millisecond.
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks WHERE org_id = $1`, orgID).Scan(&n); err != nil {
			return err
		}
		if n >= maxWebhooks {
			return slate.Errorf(slate.ECONFLICT, "an organisation has at most %d webhooks; delete one first", maxWebhooks)
		}
		w := &slate.Webhook{ID: s.newID("whk"), OrgID: orgID, URL: in.URL, Kinds: in.Kinds,
			CreatedBy: u.ID, CreatedAt: tx.now, Secret: secret}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhooks (id, org_id, url, kinds, secret, since, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			w.ID, orgID, w.URL, joinKinds(w.Kinds), secret, s.newID("evt"), u.ID, ms(tx.now)); err != nil {
			return err
		}
		out = w
		// The URL may carry a receiver's token, and every member reads the
		// audit log: the entry names the webhook only.
		return tx.audit(ctx, orgID, "", u.ID, "webhook.create", nil, w.ID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Webhooks pages an organisation's webhooks, oldest first, without their
// secrets. It needs billing. An organisation has at most maxWebhooks, but
// the list pages like every other, so no client depends on that bound.
func (s *DB) Webhooks(ctx context.Context, orgID string, page slate.PageRequest) (*slate.Page[*slate.Webhook], error) {
	limit, err := pageLimit(page.Limit)
	if err != nil {
		return nil, err
	}
	after, err := decodeIDCursor(page.Cursor, "whk")
	if err != nil {
		return nil, err
	}
	var items []*slate.Webhook
	err = s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermBilling); err != nil {
			return err
		}
		q := `SELECT ` + webhookColumns + ` FROM webhooks WHERE org_id = $1`
		args := []any{orgID, limit + 1}
		if after != "" {
			q += ` AND id > $3`
			args = append(args, after)
		}
		items, err = queryAll(ctx, tx, q+` ORDER BY id LIMIT $2`, scanWebhook, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(w *slate.Webhook) string { return encodeIDCursor(w.ID) }), nil
}

// DeleteWebhook removes a webhook and its deliveries; one in flight is sent
// but its result is not recorded. It needs billing.
func (s *DB) DeleteWebhook(ctx context.Context, orgID, webhookID string) error {
	return s.withTx(ctx, func(tx *Tx) error {
		u, _, err := tx.requireOrg(ctx, orgID, slate.PermBilling)
		if err != nil {
			return err
		}
		if _, err := tx.webhook(ctx, orgID, webhookID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = $1`, webhookID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = $1`, webhookID); err != nil {
			return err
		}
		return tx.audit(ctx, orgID, "", u.ID, "webhook.delete", nil, webhookID)
	})
}

// WebhookDeliveries lists a webhook's deliveries, newest first. It needs
// billing.
func (s *DB) WebhookDeliveries(ctx context.Context, orgID, webhookID string, page slate.PageRequest) (*slate.Page[*slate.WebhookDelivery], error) {
	limit, err := pageLimit(page.Limit)
	if err != nil {
		return nil, err
	}
	before, err := decodeIDCursor(page.Cursor, "dlv")
	if err != nil {
		return nil, err
	}
	var items []*slate.WebhookDelivery
	err = s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermBilling); err != nil {
			return err
		}
		if _, err := tx.webhook(ctx, orgID, webhookID); err != nil {
			return err
		}
		q := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries d WHERE d.webhook_id = $1`
		args := []any{webhookID, limit + 1}
		if before != "" {
			q += ` AND d.id < $3`
			args = append(args, before)
		}
		items, err = queryAll(ctx, tx, q+` ORDER BY d.id DESC LIMIT $2`, scanDelivery, args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pageOf(items, limit, func(d *slate.WebhookDelivery) string { return encodeIDCursor(d.ID) }), nil
}

// webhook loads a webhook of org; one of another org is not found.
func (tx *Tx) webhook(ctx context.Context, orgID, webhookID string) (*slate.Webhook, error) {
	w, err := scanWebhook(tx.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE id = $1 AND org_id = $2`, webhookID, orgID))
	return w, errNoRows(err, "webhook", webhookID)
}

const webhookColumns = `id, org_id, url, kinds, created_by, created_at`

func scanWebhook(r scanner) (*slate.Webhook, error) {
	w := &slate.Webhook{}
	var kinds string
	var created int64
	if err := r.Scan(&w.ID, &w.OrgID, &w.URL, &kinds, &w.CreatedBy, &created); err != nil {
		return nil, err
	}
	w.Kinds, w.CreatedAt = splitKinds(kinds), fromMS(created)
	return w, nil
}

const deliveryColumns = `d.id, d.webhook_id, d.event_id, d.kind, d.status, d.attempts, d.last_status, d.last_error_class,
	d.next_attempt_at, d.delivered_at, d.created_at, d.updated_at`

func scanDelivery(r scanner) (*slate.WebhookDelivery, error) {
	d := &slate.WebhookDelivery{}
	var next, created, updated int64
	var delivered sql.NullInt64
	if err := r.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.Kind, &d.Status, &d.Attempts, &d.LastStatusCode,
		&d.LastErrorClass, &next, &delivered, &created, &updated); err != nil {
		return nil, err
	}
	if d.Status == slate.DeliveryPending {
		t := fromMS(next)
		d.NextAttemptAt = &t
	}
	d.DeliveredAt, d.CreatedAt, d.UpdatedAt = fromNullMS(delivered), fromMS(created), fromMS(updated)
	return d, nil
}

// joinKinds stores a kind filter as ",job,lock," so that one LIKE finds a
// kind in SQL; no kinds (every kind) is "".
func joinKinds(kinds []string) string {
	if len(kinds) == 0 {
		return ""
	}
	return "," + strings.Join(kinds, ",") + ","
}

func splitKinds(s string) []string {
	if s = strings.Trim(s, ","); s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// newWebhookSecret is 256 random bits. It is stored as is: signing needs
// the secret itself, unlike tokens, which are only ever compared.
func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}
