package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"slate"
	"slate/netguard"
)

// Deliverer posts webhook deliveries. Each pass turns new events into
// deliveries, then claims the due ones under a lease and sends them, a
// bounded number at a time. Several processes may run one against one
// database: a claimed delivery is leased to one of them, so it is never
// sent twice at once; a deliverer that dies leaves its deliveries to be
// claimed again when their leases lapse.
//
// Retrying is the store's: a failed attempt is due again after
// slate.WebhookBackoff, and fails for good after slate.WebhookMaxAttempts.
type Deliverer struct {
	Queue slate.DeliveryQueue
	// Clock stamps signatures; the store's clock decides what is due.
	Clock slate.Clock
	// Addresses is the outbound address policy every delivery connects
	// under; the zero policy reaches public addresses only. A host whose
	// addresses it refuses is never dialled: the attempt fails as
	// blocked_address.
	Addresses netguard.Policy
	// Resolver looks receivers' names up; nil means the system's.
	Resolver netguard.Resolver
	// Timeout bounds an attempt, from connecting to the answer's headers
	// and the drained body; default 10 s.
	Timeout time.Duration
	Logger  *slog.Logger
	// Poll is how often Run looks for work; default 1 s.
	Poll time.Duration
	// Lease is how long a claimed delivery is this deliverer's; default 1
	// minute. It must outlast an attempt.
	Lease time.Duration
	// Concurrency bounds the deliveries in flight; default 16.
	Concurrency int

	http *http.Client
	once sync.Once
	sem  chan struct{}
	wg   sync.WaitGroup
}

func (d *Deliverer) init() {
	d.once.Do(func() {
		if d.Clock == nil {
			d.Clock = systemClock{}
		}
		if d.Timeout <= 0 {
			d.Timeout = 10 * time.Second
		}
		// Redirects are not followed: a redirect is not an acceptance, and
		// following one would go where the policy did not look first.
		d.http = &http.Client{Timeout: d.Timeout,
			Transport:     (&netguard.Dialer{Policy: d.Addresses, Resolver: d.Resolver}).Transport(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if d.Logger == nil {
			d.Logger = slog.Default()
		}
		if d.Poll <= 0 {
			d.Poll = time.Second
		}
		if d.Lease <= 0 {
			d.Lease = time.Minute
		}
		if d.Concurrency <= 0 {
			d.Concurrency = 16
		}
		d.sem = make(chan struct{}, d.Concurrency)
	})
}

// Run delivers until ctx ends, then waits for the attempts in flight,
// which finish on their own timeout, so their results are recorded.
func (d *Deliverer) Run(ctx context.Context) {
	d.init()
	defer d.wg.Wait()
	t := time.NewTicker(d.Poll)
	defer t.Stop()
	for {
		if _, err := d.pass(ctx); err != nil && ctx.Err() == nil {
			d.Logger.Error("webhooks: deliver", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Work runs one pass and waits for its attempts: it answers how many
// deliveries it attempted. Tests drive the deliverer with it.
func (d *Deliverer) Work(ctx context.Context) (int, error) {
	d.init()
	n, err := d.pass(ctx)
	d.wg.Wait()
	return n, err
}

// pass enqueues the new events' deliveries and starts an attempt for each
// due delivery while there is room.
func (d *Deliverer) pass(ctx context.Context) (int, error) {
	for i := 0; i < 10; i++ {
		n, err := d.Queue.EnqueueDeliveries(ctx)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			break
		}
	}
	started := 0
	for ctx.Err() == nil {
		free := cap(d.sem) - len(d.sem)
		if free == 0 {
			break
		}
		claims, err := d.Queue.ClaimDeliveries(ctx, free, d.Lease)
		if err != nil {
			return started, err
		}
		for _, c := range claims {
			d.sem <- struct{}{}
			d.wg.Add(1)
			go func() {
				defer d.wg.Done()
				defer func() { <-d.sem }()
				// An attempt under way finishes even when the deliverer is
				// stopping, so its result is not lost with the lease.
				d.attempt(context.WithoutCancel(ctx), c)
			}()
		}
		started += len(claims)
		if len(claims) < free {
			break
		}
	}
	return started, nil
}

// attempt sends one delivery and records what came of it. What went
// wrong is logged in full for the operator; the delivery keeps its class.
func (d *Deliverer) attempt(ctx context.Context, c *slate.DeliveryClaim) {
	res, cause := d.send(ctx, c)
	dl, err := d.Queue.RecordDelivery(ctx, c.Delivery.ID, c.Token, res)
	log := d.Logger.With("delivery", c.Delivery.ID, "webhook", c.Delivery.WebhookID, "event", c.Event.ID)
	switch {
	case slate.ErrorCode(err) == slate.ECONFLICT:
		// The webhook was deleted, or the lease lapsed and passed on.
		log.Info("webhooks: attempt not recorded", "err", err)
	case err != nil:
		log.Error("webhooks: record attempt", "err", err)
	case dl.Status == slate.DeliveryFailed:
		log.Warn("webhooks: delivery failed", "attempts", dl.Attempts, "status", res.StatusCode, "class", res.Class, "err", cause)
	case dl.Status == slate.DeliveryPending:
		log.Info("webhooks: attempt failed", "attempts", dl.Attempts, "status", res.StatusCode, "class", res.Class, "err", cause)
	}
}

// send POSTs the event, signed, and answers the receiver's status, or the
// class of what went wrong with the error itself. The answer's body is
// never read into anything: it is drained, so the connection can serve
// the next delivery, and dropped.
func (d *Deliverer) send(ctx context.Context, c *slate.DeliveryClaim) (slate.DeliveryResult, error) {
	body, err := json.Marshal(c.Event)
	if err != nil {
		return slate.DeliveryResult{Class: slate.DeliveryInternal}, fmt.Errorf("encode event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return slate.DeliveryResult{Class: slate.DeliveryInternal}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Slate-Webhooks/1")
	req.Header.Set(slate.HeaderWebhookEvent, c.Event.Kind)
	req.Header.Set(slate.HeaderWebhookDelivery, c.Delivery.ID)
	req.Header.Set(slate.HeaderWebhookSignature, slate.SignWebhook(c.Secret, d.Clock.Now(), body))
	resp, err := d.http.Do(req)
	if err != nil {
		return slate.DeliveryResult{Class: ErrorClass(err)}, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return slate.DeliveryResult{StatusCode: resp.StatusCode, Class: slate.DeliveryHTTPStatus},
			fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return slate.DeliveryResult{StatusCode: resp.StatusCode}, nil
}
