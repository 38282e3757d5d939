package api

import (
	"context"
	"net/http"
	"net/url"

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
			"(at most 1 minute apart), 8 attempts in all. The secret is in this answer only. " +
			"A URL whose host is a loopback, private, link-local or other non-public address (in any spelling, " +
			"or localhost) is refused with 400 invalid unless the server's operator allows it (--webhook-allow); " +
			"a host name is judged when each delivery connects, and one resolving to such an address fails as " +
			"blocked_address without being dialled.",
		DefaultStatus: http.StatusCreated,
	}, errsWrite, func(ctx context.Context, in *struct {
		OrgPath
		Body slate.WebhookInput
	}) (*out[*slate.Webhook], error) {
		if err := s.checkWebhookURL(in.Body); err != nil {
			return nil, err
		}
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
			"last status code, why the last attempt failed as a fixed class (blocked_address, dns, connect, timeout, " +
			"tls, http_status, invalid_response, lease_lapsed, internal; never the receiver's answer or a network " +
			"error's text), and when a pending one is tried next.",
	}, errsRead, func(ctx context.Context, in *deliveriesIn) (*out[*slate.Page[*slate.WebhookDelivery]], error) {
		return replyOr(s.Webhooks.WebhookDeliveries(ctx, in.Org, in.Webhook, in.Page()))
	})
}

// checkWebhookURL refuses a webhook whose URL spells an address the
// outbound policy refuses, or names this machine, so the member hears of
// it now rather than from failed deliveries. Host names are left to the
// deliverer, which judges the addresses they resolve to when it connects.
// The policy is the server process's configuration, not a rule of the
// domain, which is why this check is here and not in the service.
func (s *Server) checkWebhookURL(in slate.WebhookInput) error {
	in, err := in.Validate()
	if err != nil {
		return err
	}
	u, err := url.Parse(in.URL)
	if err != nil {
		return slate.Invalidf("url", "url does not parse: %v", err)
	}
	if err := s.WebhookAddresses.CheckHost(u.Hostname()); err != nil {
		return slate.Invalidf("url", "url host %v (slate serve --webhook-allow)", err)
	}
	return nil
}
