package events_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/events"
	"slate/netguard"
	"slate/store/storetest"
)

// names is a resolver that knows the names a test gives it.
type names map[string][]netip.Addr

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if as, ok := n[host]; ok {
		return as, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// countingListener counts the connections accepted through it.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// countedReceiver is a receiver on 127.0.0.1 that counts the connections
// it accepts and the requests it answers.
type countedReceiver struct {
	*httptest.Server
	ln       *countingListener
	requests atomic.Int64
	probes   int64
}

func newCountedReceiver(t *testing.T) *countedReceiver {
	t.Helper()
	r := &countedReceiver{}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("X-Probe") == "" {
			r.requests.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	r.ln = &countingListener{Listener: r.Server.Listener}
	r.Server.Listener = r.ln
	r.Start()
	t.Cleanup(r.Close)
	return r
}

// accepts is how many connections came from anyone but the test, once
// every connection made so far is accepted: a probe made now is accepted
// after them all.
func (r *countedReceiver) accepts(t *testing.T) int64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.URL, nil)
	req.Header.Set("X-Probe", "1")
	req.Close = true
	res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	r.probes++
	return r.ln.accepted.Load() - r.probes
}

// TestDeliveryBlockedAddressNeverDialled: webhooks whose host is, or
// resolves to, loopback — spelt as a browser or inet_aton would take it,
// or a name that a resolver answers with 127.0.0.1 — fail as
// blocked_address and the receiver on 127.0.0.1 accepts no connection.
// With 127.0.0.0/8 allowed, the same deliveries arrive.
func TestDeliveryBlockedAddressNeverDialled(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		rcv := newCountedReceiver(t)
		port := netip.MustParseAddrPort(rcv.Listener.Addr().String()).Port()
		res := names{"rebind.example.test": {netip.MustParseAddr("127.0.0.1")},
			"localhost.": {netip.MustParseAddr("127.0.0.1")}}
		var hooks []*slate.Webhook
		for _, host := range []string{"127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]",
			"localhost.", "rebind.example.test"} {
			// Made in the store directly, as a webhook made before the
			// policy, or through a name, would be.
			hooks = append(hooks, f.webhook(fmt.Sprintf("http://%s:%d/hook", host, port)))
		}
		f.toggle()
		d := &events.Deliverer{Queue: env.DB, Clock: env.Clock, Resolver: res, Logger: quiet}
		if n := work(t, d); n != len(hooks) {
			t.Fatalf("attempted %d, want %d", n, len(hooks))
		}
		for _, w := range hooks {
			ds := f.deliveries(w)
			if len(ds) != 1 || ds[0].Status != slate.DeliveryPending || ds[0].LastErrorClass != slate.DeliveryBlockedAddress ||
				ds[0].LastStatusCode != 0 {
				t.Errorf("delivery to %s: %+v", w.URL, ds)
			}
		}
		if n := rcv.accepts(t); n != 0 {
			t.Fatalf("the receiver on loopback accepted %d connections", n)
		}
		if n := rcv.requests.Load(); n != 0 {
			t.Fatalf("the receiver got %d deliveries", n)
		}

		env.Clock.Advance(time.Second)
		allowed := &events.Deliverer{Queue: env.DB, Clock: env.Clock, Resolver: res, Addresses: loopback, Logger: quiet}
		if n := work(t, allowed); n != len(hooks) {
			t.Fatalf("attempted %d with loopback allowed, want %d", n, len(hooks))
		}
		for _, w := range hooks {
			if ds := f.deliveries(w); ds[0].Status != slate.DeliveryDelivered || ds[0].LastErrorClass != "" {
				t.Errorf("delivery to %s with loopback allowed: %+v", w.URL, ds[0])
			}
		}
		if n := rcv.requests.Load(); n != int64(len(hooks)) {
			t.Errorf("the receiver got %d deliveries, want %d", n, len(hooks))
		}
	})
}

// TestDeliveryErrorClasses: each way a real receiver can fail is kept as
// its class, with no text of the receiver's or the network's.
func TestDeliveryErrorClasses(t *testing.T) {
	t.Parallel()
	// A TLS receiver whose certificate nobody signed.
	tlsRcv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	tlsRcv.Config.ErrorLog = log.New(io.Discard, "", 0) // its side of the refused handshakes
	tlsRcv.StartTLS()
	t.Cleanup(tlsRcv.Close)
	// Something that is not HTTP.
	ssh := serveRaw(t, func(c net.Conn) { io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n") })
	// Something that answers nothing until the test ends.
	hold := make(chan struct{})
	silent := serveRaw(t, func(c net.Conn) { <-hold })
	t.Cleanup(func() { close(hold) })
	// Nobody at all.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		cases := []struct {
			url  string
			want slate.DeliveryErrorClass
		}{
			{"http://nowhere.example.test/hook", slate.DeliveryDNS},
			{"http://" + closed + "/hook", slate.DeliveryConnect},
			{tlsRcv.URL + "/hook", slate.DeliveryTLS},
			{"http://" + ssh + "/hook", slate.DeliveryInvalidResponse},
			{"http://metadata.example.test/latest", slate.DeliveryBlockedAddress},
		}
		hooks := make([]*slate.Webhook, len(cases))
		for i, c := range cases {
			hooks[i] = f.webhook(c.url)
		}
		f.toggle()
		d := &events.Deliverer{Queue: env.DB, Clock: env.Clock, Addresses: loopback,
			Resolver: names{"metadata.example.test": {netip.MustParseAddr("169.254.169.254")}}, Logger: quiet}
		if n := work(t, d); n != len(cases) {
			t.Fatalf("attempted %d, want %d", n, len(cases))
		}
		for i, c := range cases {
			ds := f.deliveries(hooks[i])
			if len(ds) != 1 || ds[0].LastErrorClass != c.want || ds[0].LastStatusCode != 0 || ds[0].Status != slate.DeliveryPending {
				t.Errorf("%s: %+v, want class %s", c.url, *ds[0], c.want)
			}
			if err := env.DB.DeleteWebhook(f.o.Ctx, f.o.Org.ID, hooks[i].ID); err != nil {
				t.Fatal(err)
			}
		}

		// A receiver that never answers: the attempt ends at the timeout,
		// however long reaching it took.
		w := f.webhook("http://" + silent + "/hook")
		f.toggle()
		short := &events.Deliverer{Queue: env.DB, Clock: env.Clock, Addresses: loopback, Timeout: 100 * time.Millisecond, Logger: quiet}
		if n := work(t, short); n != 1 {
			t.Fatalf("attempted %d, want 1", n)
		}
		if ds := f.deliveries(w); len(ds) != 1 || ds[0].LastErrorClass != slate.DeliveryTimeout || ds[0].LastStatusCode != 0 {
			t.Errorf("delivery to a silent receiver: %+v", *ds[0])
		}
	})
}

// serveRaw listens on 127.0.0.1 and runs serve for each connection,
// closing it afterwards; it answers the address.
func serveRaw(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() { l.Close(); wg.Wait() })
	return l.Addr().String()
}

// TestErrorClass: errors as the HTTP client wraps them map to their class.
func TestErrorClass(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return &url.Error{Op: "Post", URL: "http://h.test/", Err: err} }
	dial := func(err error) error { return wrap(&net.OpError{Op: "dial", Net: "tcp", Err: err}) }
	for _, tc := range []struct {
		err  error
		want slate.DeliveryErrorClass
	}{
		{nil, ""},
		{wrap(&netguard.BlockedError{Addr: netip.MustParseAddr("127.0.0.1"), Reason: "a loopback address"}), slate.DeliveryBlockedAddress},
		{dial(&netguard.BlockedError{Addr: netip.MustParseAddr("10.0.0.1"), Reason: "private"}), slate.DeliveryBlockedAddress},
		{dial(&net.DNSError{Err: "no such host", Name: "h.test", IsNotFound: true}), slate.DeliveryDNS},
		{dial(&net.DNSError{Err: "i/o timeout", Name: "h.test", IsTimeout: true}), slate.DeliveryDNS},
		{wrap(context.DeadlineExceeded), slate.DeliveryTimeout},
		{dial(errors.New("connection refused")), slate.DeliveryConnect},
		{wrap(&net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}), slate.DeliveryConnect},
		{wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), slate.DeliveryTLS},
		{wrap(x509.HostnameError{Host: "h.test", Certificate: &x509.Certificate{}}), slate.DeliveryTLS},
		{wrap(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), slate.DeliveryTLS},
		{wrap(&net.OpError{Op: "remote error", Err: errors.New("tls: handshake failure")}), slate.DeliveryTLS},
		{wrap(errors.New("http: server gave HTTP response to HTTPS client")), slate.DeliveryTLS},
		{wrap(io.EOF), slate.DeliveryInvalidResponse},
		{wrap(errors.New(`net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0"`)), slate.DeliveryInvalidResponse},
	} {
		if got := events.ErrorClass(tc.err); got != tc.want {
			t.Errorf("ErrorClass(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
