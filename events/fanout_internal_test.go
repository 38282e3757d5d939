package events

import (
	"fmt"
	"testing"

	"slate"
)

// TestHandBounded: a subscription holds at most Buffer events; past that
// it holds none and is marked to read the store, and nothing more is
// added until its reader has taken the mark. A member without access
// ends it.
func TestHandBounded(t *testing.T) {
	t.Parallel()
	b := &Broker{opts: Options{Buffer: 4}}
	s := &Subscription{b: b, org: "org_1", user: "usr_1", wake: make(chan struct{}, 1)}
	batch := func(n int, access *slate.EventAccess) (*slate.EventBatch, map[string]*Message) {
		eb := &slate.EventBatch{Access: map[string]*slate.EventAccess{}}
		if access != nil {
			eb.Access["usr_1"] = access
		}
		msgs := map[string]*Message{}
		for i := range n {
			e := &slate.Event{ID: fmt.Sprintf("evt_%03d", i)}
			eb.Events = append(eb.Events, slate.ScopedEvent{Event: e})
			msgs[e.ID] = &Message{Event: e}
		}
		return eb, msgs
	}
	member := &slate.EventAccess{Perms: slate.NewPermissions()}
	for _, tc := range []struct {
		n       int
		access  *slate.EventAccess
		queued  int
		behind  bool
		failure slate.Code
	}{
		{3, member, 3, false, ""},
		{1, member, 4, false, ""},
		{1, member, 0, true, ""},
		// Behind, it is handed nothing until Next takes the mark.
		{2, member, 0, true, ""},
		{1, nil, 0, true, slate.ENOTFOUND},
	} {
		eb, msgs := batch(tc.n, tc.access)
		s.hand(eb, msgs)
		if len(s.queue) != tc.queued || s.behind != tc.behind || slate.ErrorCode(s.err) != tc.failure {
			t.Errorf("after %d more: queue %d behind %v err %v, want %d %v %q", tc.n, len(s.queue), s.behind, s.err, tc.queued, tc.behind, tc.failure)
		}
	}
}
