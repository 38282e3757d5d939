package events_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"slate"
	"slate/events"
	"slate/store/storetest"
	"slate/waitfor"
)

func startBroker(t *testing.T, env *storetest.Env) *events.Broker {
	t.Helper()
	b := events.Start(env.DB, events.Options{Clock: env.Clock, Poll: 10 * time.Millisecond,
		Settle: time.Millisecond, Heartbeat: 300 * time.Millisecond, Logger: quiet})
	t.Cleanup(b.Stop)
	return b
}

func subscribe(t *testing.T, b *events.Broker, ctx context.Context, orgID, after string) *events.Subscription {
	t.Helper()
	s, err := b.Subscribe(ctx, orgID, after)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// collect reads n events of kind lock from s (Next returns at least every
// heartbeat, so a feed that never sends them hangs no longer than the
// guard).
func collect(t *testing.T, s *events.Subscription, n int) []*slate.Event {
	t.Helper()
	var out []*slate.Event
	guard := time.Now().Add(waitfor.Guard)
	for len(out) < n {
		if time.Now().After(guard) {
			t.Fatalf("hung: got %d lock events, want %d", len(out), n)
		}
		evs, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.Kind == slate.EventLock {
				out = append(out, e.Event)
			}
		}
	}
	return out
}

// quietFor checks s has no lock event for one heartbeat.
func quietFor(t *testing.T, s *events.Subscription) {
	t.Helper()
	for {
		evs, err := s.Next()
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			return
		}
		for _, e := range evs {
			if e.Kind == slate.EventLock {
				t.Fatalf("unexpected event %+v", e)
			}
		}
	}
}

func TestFeedInOrderAndResumed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		b := startBroker(t, env)
		live := subscribe(t, b, f.o.Ctx, f.o.Org.ID, "")
		for range 5 {
			f.toggle()
		}
		got := collect(t, live, 5)
		for i, e := range got {
			if i > 0 && e.ID <= got[i-1].ID {
				t.Errorf("event %d out of order: %s after %s", i, e.ID, got[i-1].ID)
			}
			if locked := i%2 == 0; e.Payload["locked"] != locked {
				t.Errorf("event %d locked = %v, want %v", i, e.Payload["locked"], locked)
			}
		}
		quietFor(t, live)

		resumed := subscribe(t, b, f.o.Ctx, f.o.Org.ID, got[1].ID)
		if resumed.CaughtUp() {
			t.Fatal("a resumed feed with stored events to send is caught up")
		}
		rest := collect(t, resumed, 3)
		if !resumed.CaughtUp() || rest[0].ID != got[2].ID || rest[2].ID != got[4].ID {
			t.Fatalf("resumed after %s: %v", got[1].ID, rest)
		}
		// Woken by news, it reads the millisecond of the news again (the
		// fake clock stands still, so that is every event here) and sends
		// only the news.
		f.toggle()
		if news := collect(t, resumed, 1); news[0].ID <= got[4].ID {
			t.Fatalf("resumed feed sent %s again", news[0].ID)
		}
		quietFor(t, resumed)
		for _, bad := range []string{"nonsense", "evt_", "job_01KKRD9GD89W7V4D4978CVCFGZ"} {
			if _, err := b.Subscribe(f.o.Ctx, f.o.Org.ID, bad); slate.ErrorCode(err) != slate.EINVALID {
				t.Errorf("after %q: %v", bad, err)
			}
		}
		_, outsider := env.NewUser(t, "outsider")
		if _, err := b.Subscribe(outsider, f.o.Org.ID, ""); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("outsider: %v", err)
		}
		if n := b.Subscribers(); n != 2 {
			t.Errorf("%d subscribers, want 2 (refused ones are not kept)", n)
		}
	})
}

// TestFeedLateCommit: an event that becomes visible after events with
// higher ids (as on PostgreSQL, where transactions of several processes
// commit in any order) is sent once, if it is within the look-back window.
func TestFeedLateCommit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		b := startBroker(t, env)
		live := subscribe(t, b, f.o.Ctx, f.o.Org.ID, "")
		t0 := env.Clock.Now()
		env.Clock.Set(t0.Add(5 * time.Second))
		f.toggle()
		first := collect(t, live, 1)[0]
		// A transaction that began 3 s earlier commits now: its id is
		// lower than the one already sent.
		env.Clock.Set(t0.Add(2 * time.Second))
		f.toggle()
		late := collect(t, live, 1)[0]
		if late.ID >= first.ID {
			t.Fatalf("the late event %s does not sort before %s", late.ID, first.ID)
		}
		// Far beyond the window it is not sent live…
		env.Clock.Set(t0.Add(-time.Minute))
		f.toggle()
		quietFor(t, live)
		// …but a feed read from the start has every event once.
		all := subscribe(t, b, f.o.Ctx, f.o.Org.ID, events.Beginning)
		ids := map[string]bool{}
		for !all.CaughtUp() {
			evs, err := all.Next()
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				if e.Kind == slate.EventLock {
					ids[e.ID] = true
				}
			}
		}
		if len(ids) != 3 || !ids[first.ID] || !ids[late.ID] {
			t.Errorf("read from the start: %v", ids)
		}
	})
}

// TestSlowSubscriber: a feed nobody reads holds up no other, and every
// feed ends when the broker stops.
func TestSlowSubscriber(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		b := events.Start(env.DB, events.Options{Clock: env.Clock, Poll: 10 * time.Millisecond, Settle: time.Millisecond, Logger: quiet})
		defer b.Stop()
		stuck := subscribe(t, b, f.o.Ctx, f.o.Org.ID, "")
		_ = stuck
		reader := subscribe(t, b, f.o.Ctx, f.o.Org.ID, "")
		const n = 30
		for range n {
			f.toggle()
		}
		if got := collect(t, reader, n); len(got) != n {
			t.Fatalf("reader got %d", len(got))
		}
		done := make(chan error, 1)
		go func() {
			_, err := reader.Next()
			for err == nil {
				_, err = reader.Next()
			}
			done <- err
		}()
		b.Stop()
		if err, _ := waitfor.Recv(t, "Next's return after the broker stopped", done); !errors.Is(err, events.ErrClosed) {
			t.Errorf("Next after Stop: %v", err)
		}
		if _, err := b.Subscribe(f.o.Ctx, f.o.Org.ID, ""); !errors.Is(err, events.ErrClosed) {
			t.Errorf("Subscribe after Stop: %v", err)
		}
	})
}

// TestFeedEndsForRemovedMember: membership is checked with every batch of
// news the broker reads.
func TestFeedEndsForRemovedMember(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		b := startBroker(t, env)
		u, ctx := env.NewUser(t, "crew")
		inv, err := env.DB.Invite(f.o.Ctx, f.o.Org.ID, slate.InvitationInput{Email: u.Email, Permissions: []slate.Permission{}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.AcceptInvitation(ctx, inv.Token); err != nil {
			t.Fatal(err)
		}
		s := subscribe(t, b, ctx, f.o.Org.ID, "")
		f.toggle()
		collect(t, s, 1)
		if err := env.DB.RemoveMember(f.o.Ctx, f.o.Org.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		f.toggle()
		waitfor.Until(t, func() error {
			_, err := s.Next()
			switch {
			case slate.ErrorCode(err) == slate.ENOTFOUND:
				return nil
			case err != nil:
				t.Fatalf("after removal: %v", err)
			}
			return errors.New("the removed member's feed still reads")
		})
	})
}
