package web_test

import (
	"strings"
	"testing"
	"time"

	"slate"
)

// TestWebhookDeliveryShowsClass: the billing page's webhooks show why a
// delivery failed as its class, in words, and nothing of the attempt's
// error text (there is none to show).
func TestWebhookDeliveryShowsClass(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		db := s.env.DB
		owner := s.signup("owner")
		org, err := db.CreateOrg(owner.Ctx, slate.OrgInput{Name: "Harbour Films", Plan: "business"})
		must(t, err)
		pr, err := db.CreateProject(owner.Ctx, org.ID, slate.ProjectInput{Title: "The Lighthouse"})
		must(t, err)
		act, err := db.CreateAct(owner.Ctx, pr.ID, slate.ActInput{Name: "Arrival"})
		must(t, err)
		w, err := db.CreateWebhook(owner.Ctx, org.ID, slate.WebhookInput{URL: "https://rebind.example.test/hook"})
		must(t, err)
		s.env.Clock.Advance(time.Second)
		_, err = db.Lock(owner.Ctx, slate.ElementRef{Kind: slate.KindAct, ID: act.ID}, "picture lock")
		must(t, err)
		_, err = db.EnqueueDeliveries(owner.Ctx)
		must(t, err)
		cs, err := db.ClaimDeliveries(owner.Ctx, 10, time.Minute)
		must(t, err)
		if len(cs) != 1 || cs[0].Delivery.WebhookID != w.ID {
			t.Fatalf("claimed %+v", cs)
		}
		_, err = db.RecordDelivery(owner.Ctx, cs[0].Delivery.ID, cs[0].Token, slate.DeliveryResult{Class: slate.DeliveryBlockedAddress})
		must(t, err)

		r := owner.get("/orgs/" + org.ID + "/settings/billing/webhooks")
		if r.Status != 200 {
			t.Fatalf("webhooks fragment: %d %s", r.Status, r.Body)
		}
		body := string(r.Body)
		for _, want := range []string{w.URL, "pending", `title="blocked_address"`, "address not allowed"} {
			if !strings.Contains(body, want) {
				t.Errorf("webhooks fragment lacks %q:\n%s", want, body)
			}
		}
	})
}
