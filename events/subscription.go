package events

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"slate"
)

// Message is an event as a feed sends it, with its JSON encoded once
// however many feeds send it.
type Message struct {
	*slate.Event
	JSON []byte
}

// encode turns events into messages.
func encode(evs []*slate.Event) []*Message {
	out := make([]*Message, 0, len(evs))
	for _, e := range evs {
		if m := message(e); m != nil {
			out = append(out, m)
		}
	}
	return out
}

func message(e *slate.Event) *Message {
	data, err := json.Marshal(e)
	if err != nil {
		// A payload read back from JSON encodes again; nothing to send
		// if it somehow does not.
		return nil
	}
	return &Message{Event: e, JSON: data}
}

// Subscription is one member's feed of one organisation's events. Next is
// for one goroutine; the broker only ever adds to a bounded queue and
// wakes it, so it never waits on a slow reader.
type Subscription struct {
	b    *Broker
	ctx  context.Context
	org  string
	user string
	wake chan struct{}

	mu sync.Mutex
	// queue holds the events the broker handed over that Next has not
	// taken, at most Options.Buffer of them.
	queue []*Message
	// behind says the queue overflowed, or the broker could not read: Next
	// reads the store from cursor instead.
	behind bool
	// err ends the feed: the member may no longer read the organisation.
	err error

	// The reader's own state. start is where the feed began: the client
	// has what lies at or below it, or did not ask for it.
	start  string
	cursor string
	// sent holds the ids read from the store and sent within twice the
	// look-back window, so that the same event handed over by the broker
	// is not sent again; ids older than horizon are not sent. The broker
	// hands each id over once, and a read from the store starts above
	// cursor, so ids handed over need not be kept.
	sent    map[string]time.Time
	horizon time.Time
	// backlog says more events were stored after cursor than the reads so
	// far returned: Next reads on from the store without waiting.
	backlog bool
	first   []*Message
	timer   *time.Timer
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
func (s *Subscription) Next() ([]*Message, error) {
	if len(s.first) > 0 {
		out := s.first
		s.first = nil
		return out, nil
	}
	waiting := false
	for {
		if s.backlog {
			out, err := s.read(s.cursor)
			if err != nil {
				return nil, err
			}
			if len(out) > 0 {
				return out, nil
			}
			continue
		}
		s.mu.Lock()
		queue, behind, err := s.queue, s.behind, s.err
		s.queue, s.behind = nil, false
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if behind {
			s.backlog = true
			continue
		}
		if out := s.keep(queue, false); len(out) > 0 {
			return out, nil
		}
		if !waiting {
			// One timer for the life of the feed: a fresh one on every call
			// would cost each of many feeds an allocation per event.
			waiting = true
			if s.timer == nil {
				s.timer = time.NewTimer(s.b.opts.Heartbeat)
			} else {
				s.timer.Reset(s.b.opts.Heartbeat)
			}
		}
		select {
		case <-s.ctx.Done():
			return nil, s.ctx.Err()
		case <-s.b.done:
			return nil, ErrClosed
		case <-s.timer.C:
			return nil, nil
		case <-s.wake:
		}
	}
}

// read reads a page of events after the id after as the member, so the
// store decides what they see, and keeps those to send.
func (s *Subscription) read(after string) ([]*Message, error) {
	evs, err := s.b.store.Events(s.ctx, s.org, after, readPage)
	if err != nil {
		return nil, err
	}
	s.backlog = len(evs) == readPage
	return s.keep(encode(evs), true), nil
}

// keep drops the events already sent or too old to send, and records
// those read from the store as sent.
func (s *Subscription) keep(evs []*Message, stored bool) []*Message {
	var out []*Message
	for _, e := range evs {
		if _, dup := s.sent[e.ID]; dup || e.ID <= s.start {
			continue
		}
		t, _ := idTime(e.ID)
		if t.Before(s.horizon) {
			continue
		}
		if stored {
			s.sent[e.ID] = t
		}
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
