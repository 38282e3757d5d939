package events_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/events"
	"slate/netguard"
	"slate/store/storetest"
	"slate/waitfor"
)

// fixture is an org with an act to lock and unlock, which raises lock
// events on demand.
type fixture struct {
	t   *testing.T
	env *storetest.Env
	o   *storetest.Owner
	act slate.ElementRef
}

func newFixture(t *testing.T, env *storetest.Env) *fixture {
	t.Helper()
	o := env.NewOwner(t)
	a, err := env.DB.CreateAct(o.Ctx, o.Project.ID, slate.ActInput{Name: "Arrival"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, env: env, o: o, act: slate.ElementRef{Kind: slate.KindAct, ID: a.ID}}
}

// toggle locks the act, or unlocks it when locked: one lock event.
func (f *fixture) toggle() {
	f.t.Helper()
	_, err := f.env.DB.Lock(f.o.Ctx, f.act, "picture lock")
	if slate.ErrorCode(err) == slate.ECONFLICT {
		err = f.env.DB.Unlock(f.o.Ctx, f.act)
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) webhook(url string, kinds ...string) *slate.Webhook {
	f.t.Helper()
	w, err := f.env.DB.CreateWebhook(f.o.Ctx, f.o.Org.ID, slate.WebhookInput{URL: url, Kinds: kinds})
	if err != nil {
		f.t.Fatal(err)
	}
	// Events of the same millisecond as the webhook could be its own.
	f.env.Clock.Advance(time.Second)
	return w
}

func (f *fixture) deliveries(w *slate.Webhook) []*slate.WebhookDelivery {
	f.t.Helper()
	p, err := f.env.DB.WebhookDeliveries(f.o.Ctx, f.o.Org.ID, w.ID, slate.PageRequest{})
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Items
}

// loopback is the policy of tests whose receivers are httptest servers,
// which listen on 127.0.0.1: an operator's allow-list of 127.0.0.0/8.
var loopback = netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}

// quiet drops the logs of deliverers and brokers under test.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a webhook endpoint on loopback that answers with the
// statuses of answer in turn (the last one from then on).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer []int
}

func newReceiver(t *testing.T, answer ...int) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), body})
		status := r.answer[min(len(r.got), len(r.answer))-1]
		r.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, http.StatusText(status))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func work(t *testing.T, d *events.Deliverer) int {
	t.Helper()
	n, err := d.Work(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeliverySigned: a receiver gets the event as JSON with the headers
// and a signature it can check with the webhook's secret.
func TestDeliverySigned(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		rcv := newReceiver(t, http.StatusNoContent)
		w := f.webhook(rcv.URL+"/hooks/slate", "lock")
		f.toggle()
		d := &events.Deliverer{Queue: env.DB, Clock: env.Clock, Addresses: loopback, Logger: quiet}
		if n := work(t, d); n != 1 {
			t.Fatalf("attempted %d, want 1", n)
		}
		reqs := rcv.requests()
		if len(reqs) != 1 {
			t.Fatalf("receiver got %d requests", len(reqs))
		}
		r := reqs[0]
		if err := slate.VerifyWebhook(w.Secret, r.header.Get("Slate-Signature"), r.body, env.Clock.Now(), 5*time.Minute); err != nil {
			t.Errorf("signature: %v (header %q)", err, r.header.Get("Slate-Signature"))
		}
		if err := slate.VerifyWebhook("whsec_other", r.header.Get("Slate-Signature"), r.body, env.Clock.Now(), 0); err == nil {
			t.Error("another secret verifies the signature")
		}
		if err := slate.VerifyWebhook(w.Secret, r.header.Get("Slate-Signature"), append(r.body, ' '), env.Clock.Now(), 0); err == nil {
			t.Error("a changed body verifies")
		}
		var e slate.Event
		if err := json.Unmarshal(r.body, &e); err != nil {
			t.Fatal(err)
		}
		ds := f.deliveries(w)
		if len(ds) != 1 || ds[0].Status != slate.DeliveryDelivered || ds[0].LastStatusCode != 204 || ds[0].Attempts != 1 {
			t.Fatalf("deliveries %+v", ds)
		}
		if e.Kind != "lock" || e.OrgID != f.o.Org.ID || e.ProjectID != f.o.Project.ID || e.ID != ds[0].EventID ||
			r.header.Get("Slate-Event") != "lock" || r.header.Get("Slate-Delivery") != ds[0].ID ||
			r.header.Get("Content-Type") != "application/json" {
			t.Errorf("event %+v with headers %v", e, r.header)
		}
		if n := work(t, d); n != 0 {
			t.Errorf("a delivered event was attempted again (%d)", n)
		}
	})
}

// TestDeliveryRetries: a failing receiver is tried again after 1 s, 2 s,
// 4 s of the clock, and the delivery shows each failure until one
// succeeds; a receiver that is not there fails with no status code.
func TestDeliveryRetries(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		rcv := newReceiver(t, 500, 503, http.StatusFound, 200)
		w := f.webhook(rcv.URL)
		f.toggle()
		d := &events.Deliverer{Queue: env.DB, Clock: env.Clock, Addresses: loopback, Logger: quiet}
		start := env.Clock.Now()
		for i, tc := range []struct {
			wait   time.Duration
			code   int
			status slate.DeliveryStatus
			class  slate.DeliveryErrorClass
		}{
			{0, 500, slate.DeliveryPending, slate.DeliveryHTTPStatus},
			{time.Second, 503, slate.DeliveryPending, slate.DeliveryHTTPStatus},
			// A redirect is not followed, and not an acceptance.
			{2 * time.Second, 302, slate.DeliveryPending, slate.DeliveryHTTPStatus},
			{4 * time.Second, 200, slate.DeliveryDelivered, ""},
		} {
			if tc.wait > 0 {
				env.Clock.Advance(tc.wait - time.Millisecond)
				if n := work(t, d); n != 0 {
					t.Fatalf("attempt %d ran %s early", i+1, time.Millisecond)
				}
				env.Clock.Advance(time.Millisecond)
			}
			if n := work(t, d); n != 1 {
				t.Fatalf("attempt %d: %d attempts", i+1, n)
			}
			dl := f.deliveries(w)[0]
			if dl.Attempts != i+1 || dl.LastStatusCode != tc.code || dl.Status != tc.status || dl.LastErrorClass != tc.class {
				t.Fatalf("after attempt %d: %+v", i+1, dl)
			}
		}
		// The signature carries the deliverer's clock: the attempts were
		// made 0, 1, 3 and 7 seconds in.
		var at []string
		for _, r := range rcv.requests() {
			at = append(at, strings.Split(r.header.Get("Slate-Signature"), ",")[0])
		}
		want := []string{}
		for _, s := range []time.Duration{0, 1, 3, 7} {
			want = append(want, "t="+strconv.FormatInt(start.Add(s*time.Second).Unix(), 10))
		}
		if strings.Join(at, " ") != strings.Join(want, " ") {
			t.Errorf("attempts at %v, want %v", at, want)
		}

		// Nobody listening: no status code, and the class only.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		gone := "http://" + l.Addr().String() + "/hook"
		l.Close()
		if err := env.DB.DeleteWebhook(f.o.Ctx, f.o.Org.ID, w.ID); err != nil {
			t.Fatal(err)
		}
		w2 := f.webhook(gone)
		f.toggle()
		if n := work(t, d); n != 1 {
			t.Fatalf("attempts to a closed port: %d", n)
		}
		dl := f.deliveries(w2)[0]
		if dl.Status != slate.DeliveryPending || dl.LastStatusCode != 0 || dl.LastErrorClass != slate.DeliveryConnect {
			t.Errorf("delivery to a closed port: %+v", dl)
		}
	})
}

// TestDelivererRun: the loop delivers on its own and stops with its
// context.
func TestDelivererRun(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		rcv := newReceiver(t, 200)
		w := f.webhook(rcv.URL)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			(&events.Deliverer{Queue: env.DB, Clock: env.Clock, Addresses: loopback, Poll: 10 * time.Millisecond, Logger: quiet}).Run(ctx)
		}()
		f.toggle()
		f.toggle()
		waitfor.Until(t, func() error {
			if n := len(rcv.requests()); n < 2 {
				return fmt.Errorf("%d of 2 deliveries received", n)
			}
			return nil
		})
		cancel()
		waitfor.Recv(t, "Run's return after its context ended", done)
		ds := f.deliveries(w)
		if len(ds) != 2 || ds[0].Status != slate.DeliveryDelivered || ds[1].Status != slate.DeliveryDelivered {
			t.Fatalf("deliveries %+v", ds)
		}
	})
}
