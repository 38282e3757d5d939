package events

import (
	"context"
	"slices"
	"time"

	"slate"
)

// handChunk is how many feeds the broker wakes before it yields.
const handChunk = 16

// fanOut reads the events ids of orgID once, with the access of the
// members listening here, and hands each subscription what its member may
// see. ids are in id order and were not handed out before.
func (b *Broker) fanOut(ctx context.Context, orgID string, ids []string) {
	// The subscriptions are taken after the poll moved the cursor past
	// ids. One that opens later starts at or above every id here but the
	// late ones, which it would not send anyway; or it resumes from an
	// earlier id and reads these from the store.
	b.mu.Lock()
	subs := make([]*Subscription, 0, len(b.subs[orgID]))
	for s := range b.subs[orgID] {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	if len(subs) == 0 {
		return
	}
	var users []string
	for _, s := range subs {
		users = append(users, s.user)
	}
	slices.Sort(users)
	users = slices.Compact(users)
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	after, through := before(ids[0]), ids[len(ids)-1]
	for {
		batch, err := b.store.EventBatch(ctx, orgID, after, through, readPage, users)
		if err != nil {
			if ctx.Err() == nil {
				b.log.Error("events: read for feeds", "org", orgID, "err", err)
			}
			// These events are marked seen and will not be news again:
			// each feed reads them as its member instead.
			for _, s := range subs {
				s.fallBehind()
			}
			return
		}
		msgs := make(map[string]*Message, len(batch.Events))
		for _, e := range batch.Events {
			if want[e.ID] {
				msgs[e.ID] = message(e.Event)
			}
		}
		for i, s := range subs {
			s.hand(batch, msgs)
			if i%handChunk == handChunk-1 {
				// Each feed woken is a goroutine ready to write to its
				// socket. Letting a chunk run before waking the next
				// keeps requests arriving meanwhile from queueing behind
				// thousands of them.
				time.Sleep(time.Millisecond)
			}
		}
		if len(batch.Events) < readPage {
			return
		}
		after = batch.Events[len(batch.Events)-1].ID
	}
}

// hand gives s the messages of batch's events that its member may see, or
// ends s when the member may no longer read the organisation. It never
// waits for the reader.
func (s *Subscription) hand(batch *slate.EventBatch, msgs map[string]*Message) {
	a := batch.Access[s.user]
	s.mu.Lock()
	n, behind, ended := len(s.queue), s.behind, s.err != nil
	switch {
	case ended:
	case a == nil:
		// What the store answers a non-member, so the feed ends as it
		// would reading the events itself.
		s.err = slate.NotFound("organisation", s.org)
	case !a.Perms.Has(slate.PermRead):
		s.err = slate.Forbidden(slate.PermRead)
	case s.behind:
		// The reader will read these from the store.
	default:
		for _, e := range batch.Events {
			m := msgs[e.ID]
			if m == nil || !a.Sees(e) {
				continue
			}
			if len(s.queue) >= s.b.opts.Buffer {
				s.queue, s.behind = nil, true
				break
			}
			s.queue = append(s.queue, m)
		}
	}
	changed := len(s.queue) != n || s.behind != behind || (s.err != nil) != ended
	s.mu.Unlock()
	if changed {
		s.poke()
	}
}

// fallBehind makes s read the store from the last event it sent rather
// than wait to be handed events.
func (s *Subscription) fallBehind() {
	s.mu.Lock()
	s.queue, s.behind = nil, true
	s.mu.Unlock()
	s.poke()
}

func (s *Subscription) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
