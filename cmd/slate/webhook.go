package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// webhookCommands manage the organisation's webhooks and show their
// deliveries; `slate events` follows the live feed.
func (a *app) webhookCommands() []*cobra.Command {
	var kinds []string
	add := a.leaf("add URL", "Send the organisation's events to URL (needs billing)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			w, err := c.CreateWebhook(ctx, org, slate.WebhookInput{URL: args[0], Kinds: trimAll(kinds)})
			if err != nil {
				return err
			}
			return a.emit(w, func(t table) {
				webhookRows(t, w)
				t.row("SECRET", w.Secret)
				t.row("", "shown only now: verify each delivery's Slate-Signature with it")
			})
		})
	add.Flags().StringSliceVar(&kinds, "kinds", nil, "only these event kinds: alert, balance, job, lock (default: all)")

	list := a.leaf("list", "List the organisation's webhooks (needs billing)", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			ws, err := c.ListWebhooks(ctx, org)
			if err != nil {
				return err
			}
			return a.emit(ws, func(t table) {
				t.row("ID", "URL", "KINDS", "CREATED")
				for _, w := range ws {
					t.row(w.ID, w.URL, kindList(w.Kinds), when(w.CreatedAt))
				}
			})
		})

	rm := a.leaf("rm ID", "Delete a webhook and its pending deliveries (needs billing)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			if err := c.DeleteWebhook(ctx, org, args[0]); err != nil {
				return err
			}
			return a.done("webhook %s deleted", args[0])
		})

	var pages pageFlags
	deliveries := a.leaf("deliveries ID", "Show a webhook's deliveries, newest first (needs billing)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			page, err := readPages(&pages, func(p slate.PageRequest) (*slate.Page[*slate.WebhookDelivery], error) {
				return c.WebhookDeliveries(ctx, org, args[0], p)
			})
			if err != nil {
				return err
			}
			return a.emit(page, func(t table) {
				t.row("ID", "EVENT", "KIND", "STATUS", "ATTEMPTS", "LAST CODE", "WHEN", "LAST ERROR")
				for _, d := range page.Items {
					t.row(d.ID, d.EventID, d.Kind, d.Status, d.Attempts, or(codeText(d.LastStatusCode), "-"),
						deliveryWhen(d), or(string(d.LastErrorClass), "-"))
				}
				if page.NextCursor != "" {
					t.row(more("slate webhooks deliveries "+args[0], page.NextCursor))
				}
			})
		})
	pages.register(deliveries.Flags(), "deliveries")

	webhooks := group("webhooks", "Send the organisation's events to other systems", add, list, rm, deliveries)
	webhooks.Aliases = []string{"webhook"}
	return []*cobra.Command{webhooks, a.eventsCommand()}
}

func webhookRows(t table, w *slate.Webhook) {
	t.row("ID", w.ID)
	t.row("URL", w.URL)
	t.row("KINDS", kindList(w.Kinds))
}

func kindList(kinds []string) string {
	if len(kinds) == 0 {
		return "all"
	}
	return strings.Join(kinds, ",")
}

func codeText(code int) string {
	if code == 0 {
		return ""
	}
	return fmt.Sprint(code)
}

// deliveryWhen is the time that matters for a delivery's status: when it
// was delivered, when it is tried next, or when it last changed.
func deliveryWhen(d *slate.WebhookDelivery) string {
	switch {
	case d.DeliveredAt != nil:
		return when(*d.DeliveredAt)
	case d.NextAttemptAt != nil:
		return "next " + when(*d.NextAttemptAt)
	}
	return when(d.UpdatedAt)
}

func oneLine(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return string(r)
}

func trimAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
