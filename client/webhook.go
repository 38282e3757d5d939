package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"slate"
)

// CreateWebhook makes a webhook of an organisation; the answer carries the
// signing secret, which no later call shows again.
func (c *Client) CreateWebhook(ctx context.Context, orgID string, in slate.WebhookInput) (*slate.Webhook, error) {
	return send[slate.Webhook](ctx, c, http.MethodPost, pathf("/api/v1/orgs/%s/webhooks", orgID), in)
}

// ListWebhooks lists an organisation's webhooks, without their secrets.
func (c *Client) ListWebhooks(ctx context.Context, orgID string) ([]*slate.Webhook, error) {
	return all[*slate.Webhook](ctx, c, pathf("/api/v1/orgs/%s/webhooks", orgID))
}

// DeleteWebhook stops sending events to a webhook.
func (c *Client) DeleteWebhook(ctx context.Context, orgID, webhookID string) error {
	return c.do(ctx, http.MethodDelete, pathf("/api/v1/orgs/%s/webhooks/%s", orgID, webhookID), nil, nil)
}

// WebhookDeliveries reads one page of a webhook's deliveries, newest first.
func (c *Client) WebhookDeliveries(ctx context.Context, orgID, webhookID string, page slate.PageRequest) (*slate.Page[*slate.WebhookDelivery], error) {
	q := url.Values{"cursor": {page.Cursor}}
	if page.Limit > 0 {
		q.Set("limit", strconv.Itoa(page.Limit))
	}
	return send[slate.Page[*slate.WebhookDelivery]](ctx, c, http.MethodGet,
		withQuery(pathf("/api/v1/orgs/%s/webhooks/%s/deliveries", orgID, webhookID), q), nil)
}
