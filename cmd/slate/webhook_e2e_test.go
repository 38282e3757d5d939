package main_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/waitfor"
)

// TestCLIWebhooksAndEvents: a webhook added from the command line receives
// a signed delivery from `slate serve`'s deliverer, its deliveries show it,
// and `slate events` prints the feed.
func TestCLIWebhooksAndEvents(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()

	dir := t.TempDir()
	// The receiver is an httptest server on 127.0.0.1, which the address
	// policy refuses unless the operator allows it.
	srv := startServer(t, dir, "--webhook-allow", "127.0.0.0/8")
	ada := newCLI(t, "ada")
	ada.ok("signup", "--server", srv.URL, "--email", "ada@example.test", "--password", "correct horse battery", "--name", "Ada")
	ada.id("org", "create", "Harbour Films", "--plan", "standard")
	ada.id("project", "create", "The Lighthouse")
	act := ada.id("act", "add", "Arrival")

	var w slate.Webhook
	ada.json(&w, "webhooks", "add", rcv.URL+"/slate", "--kinds", "lock")
	if w.Secret == "" || strings.Join(w.Kinds, ",") != "lock" {
		t.Fatalf("webhooks add answered %+v", w)
	}
	mustContain(t, "webhooks list", ada.ok("webhooks", "list"), w.ID, rcv.URL+"/slate", "lock")
	if r := ada.run("webhooks", "add", "ftp://example.test/in"); r.code != 1 || !strings.Contains(r.stderr, "field: url") {
		t.Errorf("an ftp webhook: exit %d, stderr %q", r.code, r.stderr)
	}
	// The allow-list opens loopback only: cloud metadata stays shut.
	if r := ada.run("webhooks", "add", "http://0xa9fea9fe/latest/meta-data/"); r.code != 1 ||
		!strings.Contains(r.stderr, "link-local") || !strings.Contains(r.stderr, "--webhook-allow") {
		t.Errorf("a webhook to 169.254.169.254: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := ada.run("serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--webhook-allow", "10.0.0.0/33"); r.code != 1 ||
		!strings.Contains(r.stderr, "--webhook-allow") {
		t.Errorf("serve with a bad allow-list: exit %d, stderr %q", r.code, r.stderr)
	}

	ada.ok("lock", "act", act, "--reason", "picture lock")
	waitfor.Until(t, func() error {
		mu.Lock()
		defer mu.Unlock()
		if len(got) == 0 {
			return errors.New("no delivery")
		}
		return nil
	})
	mu.Lock()
	r, body := got[0], bodies[0]
	mu.Unlock()
	if err := slate.VerifyWebhook(w.Secret, r.Header.Get("Slate-Signature"), body, time.Now(), time.Minute); err != nil {
		t.Errorf("signature: %v", err)
	}
	var e slate.Event
	if err := json.Unmarshal(body, &e); err != nil || e.Kind != "lock" || r.Header.Get("Slate-Event") != "lock" {
		t.Errorf("delivered %s (%v) with headers %v", body, err, r.Header)
	}
	waitfor.Until(t, func() error {
		out := ada.ok("webhooks", "deliveries", w.ID)
		if !strings.Contains(out, "delivered") {
			return fmt.Errorf("delivery not shown as delivered:\n%s", out)
		}
		mustContain(t, "deliveries", out, e.ID, "lock", "204")
		return nil
	})

	mustContain(t, "events", ada.ok("events", "--no-follow", "--kinds", "lock"), "lock", "act "+act+` "Arrival" locked by Ada: picture lock`)
	ada.ok("unlock", "act", act)
	unlocked := 0
	for _, l := range strings.Split(strings.TrimSpace(ada.ok("events", "--no-follow", "--after", e.ID, "--json")), "\n") {
		var ev slate.Event
		if err := json.Unmarshal([]byte(l), &ev); err != nil || ev.ID <= e.ID {
			t.Errorf("events --after %s --json line %q (%v)", e.ID, l, err)
		}
		if ev.Kind == "lock" && ev.Payload["locked"] == false {
			unlocked++
		}
	}
	if unlocked != 1 {
		t.Errorf("events after the lock show %d unlocks, want 1", unlocked)
	}

	ada.ok("webhooks", "rm", w.ID)
	if out := ada.ok("webhooks", "list"); strings.Contains(out, w.ID) {
		t.Errorf("webhook still listed after rm:\n%s", out)
	}

	// An open event stream does not hold up a graceful stop.
	var cfg struct{ Token, Org string }
	raw, err := os.ReadFile(ada.config)
	if err != nil || json.Unmarshal(raw, &cfg) != nil {
		t.Fatalf("config: %v %s", err, raw)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/orgs/"+cfg.Org+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+cfg.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("open stream: %v %v", err, res)
	}
	defer res.Body.Close()
	// Held up, the server would give up on its shutdown and exit with an
	// error, which stop reports.
	srv.stop(t)
}
