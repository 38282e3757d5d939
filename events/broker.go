// Package events carries what happens in an organisation to whoever
// listens: a Broker fans the stored events out to members' live feeds
// (server-sent events), and a Deliverer posts them to webhooks.
//
// Both read the events table, where every change writes its event in its
// own transaction, so nothing is told of a change that did not commit, and
// any number of server processes sharing one database each tell their own
// listeners.
package events

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"slate"
)

// Store is what the broker reads: which organisations have new events,
// the news of one organisation with the access of its listening members,
// and, for a feed that resumes or falls behind, the events of one
// organisation as a member may see them.
type Store interface {
	slate.EventService
	RecentEvents(ctx context.Context, after string, limit int) ([]slate.EventRef, error)
	EventBatch(ctx context.Context, orgID, after, through string, limit int, users []string) (*slate.EventBatch, error)
}

// Options tune a Broker; zero values take the defaults.
type Options struct {
	// Clock places the start of a process's first look at the events.
	Clock slate.Clock
	// Poll is how often the broker looks for new events when nothing nudges
	// it; default 500 ms.
	Poll time.Duration
	// Settle is how long a look waits after it is called for; default
	// 100 ms. The changes of that moment, and the requests making them,
	// finish first, and each feed is sent them in one batch: with many
	// feeds open, writing to every one on every change would take the
	// processor from the requests making the changes.
	Settle time.Duration
	// LookBack is how far behind the newest event each look starts again;
	// default 10 s. See Broker.
	LookBack time.Duration
	// Heartbeat is how long Next waits before answering nothing, so the
	// feed can send a comment that keeps proxies from closing it; default
	// 15 s.
	Heartbeat time.Duration
	// Buffer is how many events a subscription holds for its reader;
	// default 1000. A reader further behind stops being handed events and
	// reads the store from where it is instead. See Broker.
	Buffer int
	Logger *slog.Logger
}

// Page sizes of the broker's reads.
const (
	pollPage = 1000
	readPage = 200
)

// Beginning is the cursor before every event: a feed opened after it
// replays all that are stored.
const Beginning = "evt_00000000000000000000000000"

// ErrClosed ends a subscription whose broker stopped.
var ErrClosed = errors.New("events: broker stopped")

// Broker is one process's fan-out of events to its live feeds. One poller
// asks the store which organisations have events it has not seen; for each
// such organisation with feeds here it reads those events once, with the
// access of every member listening (EventBatch), and hands each
// subscription the ones its member may see (slate.EventAccess.Sees, the
// rule the store's Events query applies). So the database is read once per
// organisation per look, however many feeds are open, and a member who
// left the organisation has their feed ended at the next news.
//
// The feeds are woken a few at a time, with a pause between, so a
// request arriving meanwhile waits behind a few of them, not thousands.
// Handing out never waits on a reader: each subscription holds up to
// Options.Buffer events. One whose reader falls further behind is handed
// nothing more until it catches up by reading the store as its member from
// the last event it sent, as a client resuming with Last-Event-ID would;
// so a slow reader costs the database only as much as it reads, and
// memory stays bounded.
//
// Event ids are ULIDs made when a transaction writes the event. With
// several processes on PostgreSQL, transactions commit in any order, so an
// event can appear after events with higher ids. The poller therefore
// rereads LookBack behind the newest id it has seen and remembers the ids
// of that window, so a late event is still noticed, read and handed out
// once; subscriptions likewise remember what they sent and never send an
// id twice. An event that becomes visible more than LookBack after later
// ones (a transaction that long, or clocks that far apart) is not sent
// live; it is still read by a feed resumed from before it. Nor does a feed
// send ids at or below where it started: a resumed client has those, and a
// new one did not ask for them, so an event that commits late across a
// reconnection, or while a feed catches up from the store, is missed by
// that feed.
type Broker struct {
	store Store
	opts  Options
	log   *slog.Logger

	nudge chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
	ready chan struct{}
	once  sync.Once

	mu     sync.Mutex
	subs   map[string]map[*Subscription]struct{}
	cursor string
	seen   map[string]time.Time
}

// Start starts a broker polling store; Stop ends it.
func Start(store Store, o Options) *Broker {
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.Settle <= 0 {
		o.Settle = 100 * time.Millisecond
	}
	if o.LookBack <= 0 {
		o.LookBack = 10 * time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.Buffer <= 0 {
		o.Buffer = 1000
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	b := &Broker{store: store, opts: o, log: o.Logger,
		nudge: make(chan struct{}, 1), done: make(chan struct{}), ready: make(chan struct{}),
		subs: map[string]map[*Subscription]struct{}{}, seen: map[string]time.Time{}}
	if b.log == nil {
		b.log = slog.Default()
	}
	// Events of the last look-back window count as seen at start: a new
	// feed begins here, and the window's ids are what a late commit would
	// be told apart from.
	b.cursor = floor(o.Clock.Now().Add(-o.LookBack))
	ctx, cancel := context.WithCancel(context.Background())
	b.stop = cancel
	go b.run(ctx)
	return b
}

// Stop ends polling and every subscription. It is safe to call twice.
func (b *Broker) Stop() {
	b.stop()
	<-b.done
}

// Nudge makes the poller look soon (Settle from now) rather than at its
// next tick: a process that has just written an event need not wait to
// tell its own feeds.
func (b *Broker) Nudge() {
	select {
	case b.nudge <- struct{}{}:
	default:
	}
}

// Subscribers counts the open subscriptions.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, s := range b.subs {
		n += len(s)
	}
	return n
}

func (b *Broker) run(ctx context.Context) {
	defer close(b.done)
	t := time.NewTicker(b.opts.Poll)
	defer t.Stop()
	settle := time.NewTimer(b.opts.Settle)
	defer settle.Stop()
	first := true
	for {
		err := b.poll(ctx)
		if err != nil && ctx.Err() == nil {
			b.log.Error("events: poll", "err", err)
		}
		if first {
			// Feeds wait for one look, so that a new one starts after what
			// this process had already seen.
			first = false
			close(b.ready)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-b.nudge:
		}
		settle.Reset(b.opts.Settle)
		select {
		case <-ctx.Done():
			return
		case <-settle.C:
		}
	}
}

// poll reads the ids after the look-back floor, and hands the events it
// had not seen to the subscriptions of their organisations.
func (b *Broker) poll(ctx context.Context) error {
	b.mu.Lock()
	after := lookBack(b.cursor, b.opts.LookBack)
	b.mu.Unlock()
	fresh := map[string][]string{}
	var err error
	for {
		var refs []slate.EventRef
		refs, err = b.store.RecentEvents(ctx, after, pollPage)
		if err != nil {
			break
		}
		b.mu.Lock()
		for _, r := range refs {
			if _, ok := b.seen[r.ID]; ok {
				continue
			}
			t, _ := idTime(r.ID)
			b.seen[r.ID] = t
			if r.ID > b.cursor {
				b.cursor = r.ID
			}
			fresh[r.OrgID] = append(fresh[r.OrgID], r.ID)
		}
		b.mu.Unlock()
		if len(refs) < pollPage {
			break
		}
		after = refs[len(refs)-1].ID
	}
	// What was seen is handed out even when a later page failed: it is
	// marked seen, and would not be news again.
	for org, ids := range fresh {
		b.fanOut(ctx, org, ids)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	horizon, _ := idTime(lookBack(b.cursor, b.opts.LookBack))
	for id, t := range b.seen {
		if t.Before(horizon) {
			delete(b.seen, id)
		}
	}
	return err
}

// Subscribe opens a feed of orgID's events for the member of ctx, starting
// after the event id after, or, when after is empty, with what happens
// from now. It reads the first events at once, so a caller who may not
// read the organisation gets the store's error here, before any stream
// starts. ctx is the member's and bounds the subscription.
func (b *Broker) Subscribe(ctx context.Context, orgID, after string) (*Subscription, error) {
	if after != "" {
		if _, ok := idTime(after); !ok {
			return nil, slate.Invalidf("after", "%q is not an event id", after)
		}
	}
	select {
	case <-b.ready:
	case <-b.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-b.done:
		return nil, ErrClosed
	default:
	}
	s := &Subscription{b: b, ctx: ctx, org: orgID, wake: make(chan struct{}, 1), sent: map[string]time.Time{}}
	if u := slate.UserFromContext(ctx); u != nil {
		s.user = u.ID
	}
	b.mu.Lock()
	if after == "" {
		after = b.cursor
	}
	if b.subs[orgID] == nil {
		b.subs[orgID] = map[*Subscription]struct{}{}
	}
	// Registered before the first read, so nothing stored meanwhile is
	// missed: it is at worst read twice, and sent once.
	b.subs[orgID][s] = struct{}{}
	b.mu.Unlock()
	s.start, s.cursor = after, after
	first, err := s.read(after)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.first = first
	return s, nil
}

// floor is the lowest event id of the millisecond t.
func floor(t time.Time) string {
	var id ulid.ULID
	if t.Before(time.UnixMilli(0)) {
		t = time.UnixMilli(0)
	}
	_ = id.SetTime(ulid.Timestamp(t))
	return "evt_" + id.String()
}

// before is the id just below id: with it as an exclusive bound, a read
// starts at id itself.
func before(id string) string {
	rest, ok := strings.CutPrefix(id, "evt_")
	if !ok {
		return id
	}
	u, err := ulid.ParseStrict(rest)
	if err != nil {
		return id
	}
	for i := len(u) - 1; i >= 0; i-- {
		u[i]--
		if u[i] != 0xff {
			break
		}
	}
	return "evt_" + u.String()
}

// idTime is the time an event id was made.
func idTime(id string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(id, "evt_")
	if !ok {
		return time.Time{}, false
	}
	u, err := ulid.ParseStrict(rest)
	if err != nil {
		return time.Time{}, false
	}
	return ulid.Time(u.Time()).UTC(), true
}

// lookBack is the floor window before the event id id.
func lookBack(id string, window time.Duration) string {
	t, ok := idTime(id)
	if !ok {
		return id
	}
	return floor(t.Add(-window))
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now().UTC() }
