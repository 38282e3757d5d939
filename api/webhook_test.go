package api_test

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"slate"
	"slate/api"
	"slate/netguard"
	"slate/store/storetest"
)

// webhookSnapshot reads back what making a webhook writes: the webhooks
// and the audit log.
func webhookSnapshot(h *harness, owner *person, orgID string) string {
	h.t.Helper()
	var b strings.Builder
	for _, p := range []string{"/api/v1/orgs/" + orgID + "/webhooks", "/api/v1/orgs/" + orgID + "/audit"} {
		r := h.do(call{method: "GET", path: p, token: owner.Token})
		if r.Status != http.StatusOK {
			h.t.Fatalf("GET %s: %d %s", p, r.Status, r.Body)
		}
		b.Write(r.Body)
	}
	return b.String()
}

// TestWebhookAddressRefused: a webhook whose URL spells a refused address
// — in any form a browser, curl or inet_aton takes as one — or names this
// machine is answered 400 invalid with the reason, and nothing is stored.
// A host name is taken: it is judged when delivering.
func TestWebhookAddressRefused(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner)
		before := webhookSnapshot(h, owner, org.ID)
		for _, tc := range []struct{ url, reason string }{
			{"http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address"},
			{"http://2130706433/", "2130706433 (127.0.0.1) is a loopback address"},
			{"http://0x7f.1/", "0x7f.1 (127.0.0.1) is a loopback address"},
			{"http://0177.0.0.1/", "loopback"},
			{"http://127.1:9000/", "loopback"},
			{"http://127.0.0.1./", "loopback"},
			{"http://[::ffff:127.0.0.1]/", "loopback"},
			{"http://[::1]:8080/", "::1 is a loopback address"},
			{"http://localhost/", "name of this machine"},
			{"http://localhost./", "name of this machine"},
			{"https://LOCALHOST:8443/", "name of this machine"},
			{"http://grafana.localhost/", "name of this machine"},
			{"http://0/", "unspecified"},
			{"http://0.0.0.0:8080/", "unspecified"},
			{"http://169.254.169.254/latest/meta-data/", "link-local"},
			{"http://0xa9fea9fe/", "link-local"},
			{"http://10.0.0.5/", "private address (RFC 1918)"},
			{"http://172.16.9.9/", "private"},
			{"http://192.168.1.1/", "private"},
			{"http://100.64.0.1/", "carrier-grade NAT"},
			{"http://224.0.0.1/", "multicast"},
			{"http://255.255.255.255/", "broadcast"},
			{"http://[fd00::1]/", "unique local"},
			{"http://[fe80::1%25eth0]/", "link-local"},
			{"http://[64:ff9b::7f00:1]/", "NAT64 address of 127.0.0.1"},
			{"http://[2002:a00:1::]/", "6to4 address of 10.0.0.1"},
		} {
			r := h.do(call{method: "POST", path: "/api/v1/orgs/" + org.ID + "/webhooks", token: owner.Token,
				body: slate.WebhookInput{URL: tc.url}})
			p := r.problem(t, http.StatusBadRequest, "invalid")
			if p.Field != "url" || !strings.Contains(p.Detail, tc.reason) || !strings.Contains(p.Detail, "--webhook-allow") {
				t.Errorf("%s: %+v, want the reason %q", tc.url, p, tc.reason)
			}
		}
		if after := webhookSnapshot(h, owner, org.ID); after != before {
			t.Fatalf("refused webhooks wrote something:\nbefore %s\nafter  %s", before, after)
		}
		for _, u := range []string{"https://hooks.example.test/slate", "http://8.8.8.8/", "http://[2606:4700:4700::1111]/"} {
			h.must(call{method: "POST", path: "/api/v1/orgs/" + org.ID + "/webhooks", token: owner.Token,
				body: slate.WebhookInput{URL: u}}, http.StatusCreated, nil)
		}
	})
}

// TestWebhookAllowList: the operator's allow-list lets the addresses it
// covers be used, however spelt, and only those.
func TestWebhookAllowList(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			allow, err := netguard.ParseAllow("127.0.0.0/8,192.168.10.0/24")
			if err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, b, func(s *api.Server) { s.WebhookAddresses = netguard.Policy{Allow: allow} })
			owner := h.signup("owner")
			org := h.createOrg(owner)
			for _, u := range []string{"http://127.0.0.1:8080/hook", "http://2130706433/", "http://0x7f.1/",
				"http://[::ffff:127.0.0.1]/", "http://localhost./", "http://192.168.10.7/"} {
				var w slate.Webhook
				h.must(call{method: "POST", path: "/api/v1/orgs/" + org.ID + "/webhooks", token: owner.Token,
					body: slate.WebhookInput{URL: u}}, http.StatusCreated, &w)
				if w.URL != u {
					t.Errorf("made %q, want %q", w.URL, u)
				}
			}
			for _, u := range []string{"http://192.168.11.7/", "http://[::1]/", "http://169.254.169.254/"} {
				r := h.do(call{method: "POST", path: "/api/v1/orgs/" + org.ID + "/webhooks", token: owner.Token,
					body: slate.WebhookInput{URL: u}})
				r.problem(t, http.StatusBadRequest, "invalid")
			}
			if a := netip.MustParseAddr("192.168.10.7"); !(netguard.Policy{Allow: allow}).Allowed(a) {
				t.Fatal("allow-list does not cover its own address")
			}
		})
	}
}
