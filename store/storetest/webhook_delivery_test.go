package storetest_test

import (
	"sync"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// hookKit is an org with an act to lock and unlock, which raises lock
// events on demand, and a webhook receiving them.
type hookKit struct {
	*treeKit
	act slate.ElementRef
	w   *slate.Webhook
}

func newHookKit(t *testing.T, env *storetest.Env, kinds ...string) *hookKit {
	t.Helper()
	k := &hookKit{treeKit: newTreeKit(t, env)}
	a := k.treeKit.act("A1")
	k.act = slate.ElementRef{Kind: slate.KindAct, ID: a.ID}
	// An event from before the webhook is not the webhook's.
	k.toggle()
	env.Clock.Advance(time.Second)
	var err error
	if k.w, err = env.DB.CreateWebhook(k.o.Ctx, k.o.Org.ID, slate.WebhookInput{URL: "http://127.0.0.1:9/hook", Kinds: kinds}); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(time.Second)
	return k
}

// toggle locks the act if it is unlocked and unlocks it otherwise: one
// lock event.
func (k *hookKit) toggle() {
	k.t.Helper()
	_, err := k.env.DB.Lock(k.o.Ctx, k.act, "picture lock")
	if slate.ErrorCode(err) == slate.ECONFLICT {
		err = k.env.DB.Unlock(k.o.Ctx, k.act)
	}
	if err != nil {
		k.t.Fatal(err)
	}
}

func (k *hookKit) enqueue() int {
	k.t.Helper()
	n, err := k.env.DB.EnqueueDeliveries(k.o.Ctx)
	if err != nil {
		k.t.Fatal(err)
	}
	return n
}

func (k *hookKit) claim(limit int, lease time.Duration) []*slate.DeliveryClaim {
	k.t.Helper()
	cs, err := k.env.DB.ClaimDeliveries(k.o.Ctx, limit, lease)
	if err != nil {
		k.t.Fatal(err)
	}
	return cs
}

func (k *hookKit) deliveries() []*slate.WebhookDelivery {
	k.t.Helper()
	p, err := k.env.DB.WebhookDeliveries(k.o.Ctx, k.o.Org.ID, k.w.ID, slate.PageRequest{Limit: 200})
	if err != nil {
		k.t.Fatal(err)
	}
	return p.Items
}

func TestWebhookDeliveryRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newHookKit(t, env, "lock")
		// A webhook for other kinds gets nothing of lock events.
		if _, err := env.DB.CreateWebhook(k.o.Ctx, k.o.Org.ID, slate.WebhookInput{URL: "http://127.0.0.1:9/alerts", Kinds: []string{"alert"}}); err != nil {
			t.Fatal(err)
		}
		k.toggle()
		if n := k.enqueue(); n != 1 {
			t.Fatalf("enqueued %d, want 1", n)
		}
		if n := k.enqueue(); n != 0 {
			t.Fatalf("enqueued %d again, want 0", n)
		}
		cs := k.claim(10, time.Minute)
		if len(cs) != 1 {
			t.Fatalf("claimed %d, want 1", len(cs))
		}
		c := cs[0]
		if c.Token == "" || c.URL != k.w.URL || c.Secret != k.w.Secret || c.Delivery.Attempts != 1 ||
			c.Delivery.WebhookID != k.w.ID || c.Event.Kind != slate.EventLock || c.Event.ProjectID != k.o.Project.ID ||
			c.Event.ID != c.Delivery.EventID || c.Event.Payload["locked"] != false {
			t.Fatalf("claim %+v, delivery %+v, event %+v", c, c.Delivery, c.Event)
		}
		if more := k.claim(10, time.Minute); len(more) != 0 {
			t.Fatalf("a leased delivery was claimed again: %+v", more)
		}
		if _, err := env.DB.RecordDelivery(k.o.Ctx, c.Delivery.ID, "lse_forged", slate.DeliveryResult{StatusCode: 200}); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Fatalf("record with a forged token: %v", err)
		}
		// Free text is not a class: it is how an answer or a dial error
		// would reach members.
		if _, err := env.DB.RecordDelivery(k.o.Ctx, c.Delivery.ID, c.Token,
			slate.DeliveryResult{Class: "dial tcp 10.0.0.1:22: connection refused"}); slate.ErrorCode(err) != slate.EINVALID {
			t.Fatalf("record with a free-text class: %v", err)
		}
		if ds := k.deliveries(); len(ds) != 1 || ds[0].Attempts != 1 || ds[0].LastErrorClass != "" || ds[0].Status != slate.DeliveryPending {
			t.Fatalf("after a refused record: %+v", ds)
		}
		wantWaits := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
			16 * time.Second, 32 * time.Second, time.Minute}
		for attempt := 1; attempt <= slate.WebhookMaxAttempts; attempt++ {
			d, err := env.DB.RecordDelivery(k.o.Ctx, c.Delivery.ID, c.Token,
				slate.DeliveryResult{StatusCode: 503, Class: slate.DeliveryHTTPStatus})
			if err != nil {
				t.Fatal(err)
			}
			if d.Attempts != attempt || d.LastStatusCode != 503 || d.LastErrorClass != slate.DeliveryHTTPStatus {
				t.Fatalf("attempt %d recorded as %+v", attempt, d)
			}
			if attempt == slate.WebhookMaxAttempts {
				if d.Status != slate.DeliveryFailed || d.NextAttemptAt != nil {
					t.Fatalf("after the last attempt: %+v", d)
				}
				break
			}
			wait := wantWaits[attempt-1]
			if d.Status != slate.DeliveryPending || d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(env.Clock.Now().Add(wait)) {
				t.Fatalf("attempt %d: %+v, want pending for %s", attempt, d, wait)
			}
			env.Clock.Advance(wait - time.Millisecond)
			if early := k.claim(10, time.Minute); len(early) != 0 {
				t.Fatalf("claimed %s early", time.Millisecond)
			}
			env.Clock.Advance(time.Millisecond)
			cs := k.claim(10, time.Minute)
			if len(cs) != 1 || cs[0].Delivery.Attempts != attempt+1 {
				t.Fatalf("retry %d: %+v", attempt, cs)
			}
			c = cs[0]
		}
		env.Clock.Advance(24 * time.Hour)
		if left := k.claim(10, time.Minute); len(left) != 0 {
			t.Fatalf("a failed delivery was claimed: %+v", left)
		}
		ds := k.deliveries()
		if len(ds) != 1 || ds[0].Status != slate.DeliveryFailed || ds[0].Attempts != 8 || ds[0].Kind != slate.EventLock {
			t.Fatalf("deliveries %+v", ds)
		}
	})
}

func TestWebhookDeliveryLeases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newHookKit(t, env)
		k.toggle()
		k.toggle()
		if n := k.enqueue(); n != 2 {
			t.Fatalf("enqueued %d, want 2", n)
		}
		first := k.claim(1, 30*time.Second)
		if len(first) != 1 {
			t.Fatalf("claimed %d", len(first))
		}
		// The deliverer died: the lease lapses and another claims it.
		env.Clock.Advance(30 * time.Second)
		again := k.claim(2, 30*time.Second)
		if len(again) != 2 {
			t.Fatalf("claimed %d after the lapse", len(again))
		}
		// The never-tried delivery was due first.
		again[0], again[1] = again[1], again[0]
		if again[0].Delivery.ID != first[0].Delivery.ID || again[0].Delivery.Attempts != 2 || again[0].Token == first[0].Token ||
			again[1].Delivery.Attempts != 1 {
			t.Fatalf("after the lapse: %+v then %+v", again[0].Delivery, again[1].Delivery)
		}
		if _, err := env.DB.RecordDelivery(k.o.Ctx, first[0].Delivery.ID, first[0].Token, slate.DeliveryResult{StatusCode: 204}); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Fatalf("record under a lapsed lease: %v", err)
		}
		d, err := env.DB.RecordDelivery(k.o.Ctx, again[0].Delivery.ID, again[0].Token, slate.DeliveryResult{StatusCode: 204})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != slate.DeliveryDelivered || d.DeliveredAt == nil || !d.DeliveredAt.Equal(env.Clock.Now()) ||
			d.NextAttemptAt != nil || d.LastStatusCode != 204 || d.LastErrorClass != "" {
			t.Fatalf("delivered %+v", d)
		}
		// Leases that lapse on every attempt use them all up.
		other := again[1]
		for i := other.Delivery.Attempts; i < slate.WebhookMaxAttempts; i++ {
			env.Clock.Advance(30 * time.Second)
			if cs := k.claim(5, 30*time.Second); len(cs) != 1 || cs[0].Delivery.ID != other.Delivery.ID {
				t.Fatalf("claim %d: %+v", i, cs)
			}
		}
		env.Clock.Advance(30 * time.Second)
		if cs := k.claim(5, 30*time.Second); len(cs) != 0 {
			t.Fatalf("claimed past the last attempt: %+v", cs)
		}
		ds := k.deliveries()
		if len(ds) != 2 || ds[0].ID != other.Delivery.ID || ds[0].Status != slate.DeliveryFailed ||
			ds[0].LastErrorClass != slate.DeliveryLeaseLapsed || ds[1].Status != slate.DeliveryDelivered {
			t.Fatalf("deliveries %+v %+v", ds[0], ds[1])
		}
	})
}

func TestWebhookDeliveriesPageAndGoWithTheWebhook(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newHookKit(t, env)
		for range 3 {
			k.toggle()
		}
		if n := k.enqueue(); n != 3 {
			t.Fatalf("enqueued %d", n)
		}
		p1, err := env.DB.WebhookDeliveries(k.o.Ctx, k.o.Org.ID, k.w.ID, slate.PageRequest{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		p2, err := env.DB.WebhookDeliveries(k.o.Ctx, k.o.Org.ID, k.w.ID, slate.PageRequest{Limit: 2, Cursor: p1.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		if len(p1.Items) != 2 || p1.NextCursor == "" || len(p2.Items) != 1 || p2.NextCursor != "" ||
			p1.Items[0].EventID < p1.Items[1].EventID || p1.Items[1].EventID < p2.Items[0].EventID {
			t.Fatalf("pages %+v / %+v", p1, p2)
		}
		if p1.Items[0].Status != slate.DeliveryPending || p1.Items[0].NextAttemptAt == nil {
			t.Fatalf("new delivery %+v", p1.Items[0])
		}
		if _, err := env.DB.WebhookDeliveries(k.o.Ctx, k.o.Org.ID, k.w.ID, slate.PageRequest{Cursor: "bogus"}); slate.ErrorCode(err) != slate.EINVALID {
			t.Fatalf("bad cursor: %v", err)
		}
		claimed := k.claim(1, time.Minute)
		if err := env.DB.DeleteWebhook(k.o.Ctx, k.o.Org.ID, k.w.ID); err != nil {
			t.Fatal(err)
		}
		if cs := k.claim(10, time.Minute); len(cs) != 0 {
			t.Fatalf("claimed a deleted webhook's deliveries: %+v", cs)
		}
		if _, err := env.DB.RecordDelivery(k.o.Ctx, claimed[0].Delivery.ID, claimed[0].Token, slate.DeliveryResult{StatusCode: 200}); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Fatalf("record for a deleted webhook: %v", err)
		}
		k.toggle()
		if n := k.enqueue(); n != 0 {
			t.Fatalf("enqueued %d for a deleted webhook", n)
		}
	})
}

// TestWebhookClaimsAreExclusive: deliverers claiming at once never get the
// same delivery (on PostgreSQL, SKIP LOCKED at work).
func TestWebhookClaimsAreExclusive(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		k := newHookKit(t, env)
		const events = 40
		for range events {
			k.toggle()
		}
		if n := k.enqueue(); n != events {
			t.Fatalf("enqueued %d", n)
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					cs, err := env.DB.ClaimDeliveries(k.o.Ctx, 3, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(cs) == 0 {
						return
					}
					mu.Lock()
					for _, c := range cs {
						seen[c.Delivery.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != events {
			t.Errorf("claimed %d deliveries, want %d", len(seen), events)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s claimed %d times", id, n)
			}
		}
	})
}
