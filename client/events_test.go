package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/api"
	"slate/client"
	"slate/events"
	"slate/store/storetest"
	"slate/waitfor"
)

// feedServer is the API with a running event broker, and an owner's client
// with an org and a tree to lock.
type feedServer struct {
	srv    *httptest.Server
	broker *events.Broker
	c      *client.Client
	org    string
	act    slate.ElementRef
	scene  slate.ElementRef
}

func serveFeed(t *testing.T, env *storetest.Env) *feedServer {
	t.Helper()
	b := events.Start(env.DB, events.Options{Clock: env.Clock, Poll: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	f := startAPI(t, env, &api.Server{Webhooks: env.DB, Events: b,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(b.Stop) // first: it ends the streams the server's Close waits for
	return &feedServer{srv: f.srv, broker: b, c: f.c, org: f.org,
		act: slate.ElementRef{Kind: slate.KindAct, ID: f.act.ID}, scene: slate.ElementRef{Kind: slate.KindScene, ID: f.scene.ID}}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitfor.Until(t, func() error {
		if !ok() {
			return fmt.Errorf("waiting for %s", what)
		}
		return nil
	})
}

// TestEventsReconnect: a dropped feed comes back with Last-Event-ID and
// neither loses nor repeats an event.
func TestEventsReconnect(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		fs := serveFeed(t, env)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Changes go on connections of their own, which the cut below
		// cannot leave dead in a pool.
		writer := *fs.c
		writer.HTTP = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		got := make(chan slate.Event, 10)
		done := make(chan error, 1)
		go func() {
			done <- fs.c.Events(ctx, fs.org, "", func(e slate.Event) error {
				if e.Kind == slate.EventLock {
					got <- e
				}
				return nil
			})
		}()
		next := func() slate.Event {
			t.Helper()
			e, _ := waitfor.Recv(t, "event", got)
			return e
		}
		waitFor(t, "the feed", func() bool { return fs.broker.Subscribers() == 1 })
		if _, err := writer.Lock(ctx, fs.act, "picture lock"); err != nil {
			t.Fatal(err)
		}
		first := next()
		fs.srv.CloseClientConnections()
		waitFor(t, "the feed to drop", func() bool { return fs.broker.Subscribers() == 0 })
		// While it is away, a change: the reconnected feed sends it.
		if _, err := writer.Lock(ctx, fs.scene, ""); err != nil {
			t.Fatal(err)
		}
		second := next()
		if err := writer.Unlock(ctx, fs.act); err != nil {
			t.Fatal(err)
		}
		third := next()
		if !(first.ID < second.ID && second.ID < third.ID) || second.Payload["locked"] != true || third.Payload["locked"] != false {
			t.Fatalf("events %s %s %s", first.ID, second.ID, third.ID)
		}
		// No event came twice: the next one is the next change.
		if err := writer.Unlock(ctx, fs.scene); err != nil {
			t.Fatal(err)
		}
		fourth := next()
		if fourth.ID <= third.ID || fourth.Payload["locked"] != false {
			t.Fatalf("after %s the feed sent %s (%v), want the scene's unlock", third.ID, fourth.ID, fourth.Payload)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Events after cancel: %v", err)
		}

		stored, err := fs.c.StoredEvents(context.Background(), fs.org, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range stored {
			if e.Kind == slate.EventLock {
				ids = append(ids, e.ID)
			}
		}
		if len(ids) != 3 || ids[0] != second.ID || ids[1] != third.ID || ids[2] != fourth.ID {
			t.Errorf("stored after %s: %v", first.ID, ids)
		}
	})
}

func TestEventsRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		fs := serveFeed(t, env)
		ctx := waitfor.Context(t)
		for _, tc := range []struct {
			name  string
			c     *client.Client
			after string
			code  slate.Code
		}{
			{"no token", client.New(fs.srv.URL, ""), "", slate.EUNAUTHENTICATED},
			{"unknown org", fs.c, "", slate.ENOTFOUND},
			{"bad id", fs.c, "evt_nope", slate.EINVALID},
		} {
			org := fs.org
			if tc.code == slate.ENOTFOUND {
				org = "org_nope"
			}
			err := tc.c.Events(ctx, org, tc.after, func(slate.Event) error { return nil })
			if slate.ErrorCode(err) != tc.code {
				t.Errorf("%s: %v, want %s at once", tc.name, err, tc.code)
			}
		}
		// fn's error ends the feed.
		stop := errors.New("enough")
		go func() {
			for fs.broker.Subscribers() == 0 && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond) // polling, not timing: any pause will do
			}
			fs.c.Lock(ctx, fs.act, "")
		}()
		if err := fs.c.Events(ctx, fs.org, "", func(slate.Event) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("Events with a failing fn: %v", err)
		}
	})
}

func TestWebhooks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		fs := serveFeed(t, env)
		ctx := context.Background()
		w, err := fs.c.CreateWebhook(ctx, fs.org, slate.WebhookInput{URL: "https://hooks.example.test/hook", Kinds: []string{"lock"}})
		if err != nil {
			t.Fatal(err)
		}
		if w.Secret == "" || w.URL != "https://hooks.example.test/hook" {
			t.Fatalf("created %+v", w)
		}
		_, err = fs.c.CreateWebhook(ctx, fs.org, slate.WebhookInput{URL: "ftp://example.test/"})
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Status != 400 || ce.Field != "url" {
			t.Fatalf("ftp url: %v", err)
		}
		// The server's address policy refuses loopback, however spelt.
		_, err = fs.c.CreateWebhook(ctx, fs.org, slate.WebhookInput{URL: "http://0x7f.1:9/hook"})
		if !errors.As(err, &ce) || ce.Status != 400 || ce.Field != "url" || !strings.Contains(err.Error(), "loopback") {
			t.Fatalf("loopback url: %v", err)
		}
		ws, err := fs.c.ListWebhooks(ctx, fs.org)
		if err != nil || len(ws) != 1 || ws[0].ID != w.ID || ws[0].Secret != "" {
			t.Fatalf("list %+v, %v", ws, err)
		}
		env.Clock.Advance(time.Second)
		if _, err := fs.c.Lock(ctx, fs.act, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.EnqueueDeliveries(ctx); err != nil {
			t.Fatal(err)
		}
		p, err := fs.c.WebhookDeliveries(ctx, fs.org, w.ID, slate.PageRequest{Limit: 10})
		if err != nil || len(p.Items) != 1 || p.Items[0].Status != slate.DeliveryPending || p.Items[0].Kind != "lock" {
			t.Fatalf("deliveries %+v, %v", p, err)
		}
		if err := fs.c.DeleteWebhook(ctx, fs.org, w.ID); err != nil {
			t.Fatal(err)
		}
		if err := fs.c.DeleteWebhook(ctx, fs.org, w.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
	})
}
