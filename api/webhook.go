package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// WebhookPath names a webhook of an organisation.
type WebhookPath struct {
	OrgPath
	Webhook string `path:"webhook" maxLength:"100" doc:"Webhook id"`
}

type deliveriesIn struct {
	WebhookPath
	PageQuery
}

func (s *Server) registerWebhooks() {
	tags := []string{"webhooks"}
	register(s, huma.Operation{
		OperationID: "createWebhook", Method: http.MethodPost, Path: "/api/v1/orgs/{org}/webhooks", Tags: tags,
		Summary: "Send the organisation's events to a URL",
		Description: "Needs billing. Every event from now on (or of the kinds named) is POSTed as JSON with the headers " +
			"Slate-Event (the kind), Slate-Delivery (the delivery id) and Slate-Signature: t=<unix>,v1=<hex HMAC-SHA256 " +
			"of \"<t>.<body>\" under the secret>. A non-2xx answer or no answer is retried after 1 s, 2 s, 4 s … " +
			"(at most 1 minute apart), 8 attempts in all. The secret is in this answer only.",
		DefaultStatus: http.StatusCreated,
	}, errsWrite, func(ctx context.Context, in *struct {
		OrgPath
		Body slate.WebhookInput
	}) (*out[*slate.Webhook], error) {
		return replyOr(s.Webhooks.CreateWebhook(ctx, in.Org, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "listWebhooks", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/webhooks", Tags: tags,
		Summary: "The organisation's webhooks, without their secrets", Description: "Needs billing.",
	}, errsRead, func(ctx context.Context, in *struct {
		OrgPath
		PageQuery
	}) (*out[*slate.Page[*slate.Webhook]], error) {
		return replyOr(s.Webhooks.Webhooks(ctx, in.Org, in.Page()))
	})
	register(s, huma.Operation{
		OperationID: "deleteWebhook", Method: http.MethodDelete, Path: "/api/v1/orgs/{org}/webhooks/{webhook}", Tags: tags,
		Summary: "Stop sending events to a webhook", Description: "Needs billing. Its pending deliveries are dropped.",
	}, errsWrite, func(ctx context.Context, in *WebhookPath) (*noContent, error) {
		return nil, s.Webhooks.DeleteWebhook(ctx, in.Org, in.Webhook)
	})
	register(s, huma.Operation{
		OperationID: "listWebhookDeliveries", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/webhooks/{webhook}/deliveries",
		Tags: tags, Summary: "A webhook's deliveries, newest first",
		Description: "Needs billing. Each shows its status (pending, delivered, failed), attempts, the receiver's " +
			"last status code and error, and when a pending one is tried next.",
	}, errsRead, func(ctx context.Context, in *deliveriesIn) (*out[*slate.Page[*slate.WebhookDelivery]], error) {
		return replyOr(s.Webhooks.WebhookDeliveries(ctx, in.Org, in.Webhook, in.Page()))
	})
}
