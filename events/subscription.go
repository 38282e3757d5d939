package events

import (
	"context"
	"sync"
	"time"

	"slate"
)

// Subscription is one member's feed of one organisation's events. Next is
// for one goroutine; the broker only ever notes where to read from and
// wakes it, so it never waits on a slow reader.
type Subscription struct {
	b    *Broker
	ctx  context.Context
	org  string
	wake chan struct{}

	mu sync.Mutex
	// from is where the next read starts (events with ids above it), when
	// the broker has news; "" when it has none.
	from string

	// The reader's own state. start is where the feed began: the client
	// has what lies at or below it, or did not ask for it.
	start  string
	cursor string
	// sent holds the ids sent within twice the look-back window, so a
	// reread never sends one again; ids older than horizon are not sent.
	sent    map[string]time.Time
	horizon time.Time
	// backlog says more events were stored after cursor than the reads so
	// far returned: Next reads on without waiting.
	backlog bool
	first   []*slate.Event
}

// notify tells s its organisation has an event it may not have read, with
// id low or above.
func (s *Subscription) notify(low string) {
	t, _ := idTime(low)
	s.readFrom(floor(t))
}

func (s *Subscription) readFrom(after string) {
	s.mu.Lock()
	if s.from == "" || after < s.from {
		s.from = after
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Close ends the subscription; Next must not be called after.
func (s *Subscription) Close() {
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs[s.org], s)
	if len(b.subs[s.org]) == 0 {
		delete(b.subs, s.org)
	}
}

// CaughtUp reports whether Next has handed out every event that was
// stored after the starting point when the subscription opened.
func (s *Subscription) CaughtUp() bool { return len(s.first) == 0 && !s.backlog }

// Next returns the next events, oldest first. It waits for them up to the
// broker's heartbeat interval: no events and no error means the wait ended
// empty, and the feed should show it is alive. It fails when the member's
// context ends, the broker stops, or the member may no longer read the
// organisation.
func (s *Subscription) Next() ([]*slate.Event, error) {
	if len(s.first) > 0 {
		out := s.first
		s.first = nil
		return out, nil
	}
	for s.backlog {
		evs, err := s.b.store.Events(s.ctx, s.org, s.cursor, readPage)
		if err != nil {
			return nil, err
		}
		s.backlog = len(evs) == readPage
		if out := s.keep(evs); len(out) > 0 {
			return out, nil
		}
	}
	timer := time.NewTimer(s.b.opts.Heartbeat)
	defer timer.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return nil, s.ctx.Err()
		case <-s.b.done:
			return nil, ErrClosed
		case <-timer.C:
			return nil, nil
		case <-s.wake:
		}
		s.mu.Lock()
		after := s.from
		s.from = ""
		s.mu.Unlock()
		if after == "" {
			continue
		}
		evs, err := s.b.store.Events(s.ctx, s.org, after, readPage)
		if err != nil {
			return nil, err
		}
		if len(evs) == readPage {
			// A burst: the next call reads on from here.
			s.readFrom(evs[len(evs)-1].ID)
		}
		if out := s.keep(evs); len(out) > 0 {
			return out, nil
		}
	}
}

// keep drops the events already sent or too old to send and records the
// rest as sent.
func (s *Subscription) keep(evs []*slate.Event) []*slate.Event {
	var out []*slate.Event
	for _, e := range evs {
		if _, dup := s.sent[e.ID]; dup || e.ID <= s.start {
			continue
		}
		t, _ := idTime(e.ID)
		if t.Before(s.horizon) {
			continue
		}
		s.sent[e.ID] = t
		if e.ID > s.cursor {
			s.cursor = e.ID
		}
		out = append(out, e)
	}
	// The horizon moves in steps of a second, so the map is swept now and
	// then rather than on every read.
	if ct, ok := idTime(s.cursor); ok {
		if h := ct.Add(-2 * s.b.opts.LookBack); h.After(s.horizon.Add(time.Second)) {
			s.horizon = h
			for id, t := range s.sent {
				if t.Before(h) {
					delete(s.sent, id)
				}
			}
		}
	}
	return out
}
