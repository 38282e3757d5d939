package events_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/events"
	"slate/store"
	"slate/store/storetest"
)

// countingStore is the real store, counting the broker's reads.
type countingStore struct {
	*store.DB
	// batches counts the reads of news for every feed; reads the reads
	// of one feed as its member.
	batches, reads atomic.Int64
	// fail makes the next read of news fail.
	fail atomic.Bool
}

func (c *countingStore) EventBatch(ctx context.Context, orgID, after, through string, limit int, users []string) (*slate.EventBatch, error) {
	c.batches.Add(1)
	if c.fail.CompareAndSwap(true, false) {
		return nil, errors.New("the database went away")
	}
	return c.DB.EventBatch(ctx, orgID, after, through, limit, users)
}

func (c *countingStore) Events(ctx context.Context, orgID, after string, limit int) ([]*slate.Event, error) {
	c.reads.Add(1)
	return c.DB.Events(ctx, orgID, after, limit)
}

// nudged starts a broker on a counting store that looks for news only
// when nudged, so a test knows how many looks there were.
func nudged(t *testing.T, env *storetest.Env, buffer int) (*events.Broker, *countingStore) {
	t.Helper()
	cs := &countingStore{DB: env.DB}
	b := events.Start(cs, events.Options{Clock: env.Clock, Poll: time.Hour, Settle: time.Millisecond,
		Buffer: buffer, Heartbeat: 300 * time.Millisecond, Logger: quiet})
	t.Cleanup(b.Stop)
	return b, cs
}

// member adds a member to the fixture's organisation with perms (read
// alone when none).
func (f *fixture) member(name string, perms ...slate.Permission) (*slate.User, context.Context) {
	f.t.Helper()
	u, ctx := f.env.NewUser(f.t, name)
	if perms == nil {
		perms = []slate.Permission{}
	}
	inv, err := f.env.DB.Invite(f.o.Ctx, f.o.Org.ID, slate.InvitationInput{Email: u.Email, Permissions: perms})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.env.DB.AcceptInvitation(ctx, inv.Token); err != nil {
		f.t.Fatal(err)
	}
	return u, ctx
}

// actIn adds an act to a project, for toggleAct to raise lock events
// of that project.
func (f *fixture) actIn(projectID string) slate.ElementRef {
	f.t.Helper()
	a, err := f.env.DB.CreateAct(f.o.Ctx, projectID, slate.ActInput{Name: "Departure"})
	if err != nil {
		f.t.Fatal(err)
	}
	return slate.ElementRef{Kind: slate.KindAct, ID: a.ID}
}

// toggleAct locks ref, or unlocks it when locked: one lock event.
func (f *fixture) toggleAct(ref slate.ElementRef) {
	f.t.Helper()
	_, err := f.env.DB.Lock(f.o.Ctx, ref, "")
	if slate.ErrorCode(err) == slate.ECONFLICT {
		err = f.env.DB.Unlock(f.o.Ctx, ref)
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

// projectsOf reads n lock events from s and names their projects.
func projectsOf(t *testing.T, s *events.Subscription, n int) []string {
	t.Helper()
	var out []string
	for _, e := range collect(t, s, n) {
		out = append(out, e.ProjectID)
	}
	return out
}

// TestSharedReader: however many feeds an organisation has open, the
// broker reads each batch of news once, and each feed is sent what its
// member may see of it.
func TestSharedReader(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		b, cs := nudged(t, env, 0)
		named, namedCtx := f.member("named", slate.PermModify)
		_, viewerCtx := f.member("viewer")
		secret := env.NewProject(t, f.o.Ctx, f.o.Org.ID)
		if _, err := env.DB.SetProjectAccess(f.o.Ctx, secret.ID, slate.ProjectAccess{Restricted: true, Members: []string{named.ID}}); err != nil {
			t.Fatal(err)
		}
		open, hidden := f.actIn(f.o.Project.ID), f.actIn(secret.ID)

		const k = 8 // feeds of each member
		var owners, nameds, viewers []*events.Subscription
		for range k {
			owners = append(owners, subscribe(t, b, f.o.Ctx, f.o.Org.ID, ""))
			nameds = append(nameds, subscribe(t, b, namedCtx, f.o.Org.ID, ""))
			viewers = append(viewers, subscribe(t, b, viewerCtx, f.o.Org.ID, ""))
		}
		if got := cs.reads.Load(); got != 3*k {
			t.Fatalf("%d reads as members, want one per feed as it opens (%d)", got, 3*k)
		}
		startBatches := cs.batches.Load()

		f.toggleAct(hidden)
		f.toggleAct(open)
		f.toggleAct(hidden)
		b.Nudge()
		for i := range k {
			if got := projectsOf(t, owners[i], 3); got[0] != secret.ID || got[1] != f.o.Project.ID || got[2] != secret.ID {
				t.Errorf("owner's feed %d: %v", i, got)
			}
			if got := projectsOf(t, nameds[i], 3); got[0] != secret.ID || got[1] != f.o.Project.ID || got[2] != secret.ID {
				t.Errorf("named member's feed %d: %v", i, got)
			}
			if got := projectsOf(t, viewers[i], 1); got[0] != f.o.Project.ID {
				t.Errorf("viewer's feed %d: %v", i, got)
			}
		}
		if got := cs.batches.Load() - startBatches; got != 1 {
			t.Errorf("%d reads of news for %d feeds, want 1", got, 3*k)
		}

		// Taking the named member off the project counts from the next
		// batch: the secret event before the open one is not sent.
		if _, err := env.DB.SetProjectAccess(f.o.Ctx, secret.ID, slate.ProjectAccess{Restricted: true}); err != nil {
			t.Fatal(err)
		}
		f.toggleAct(hidden)
		f.toggleAct(open)
		b.Nudge()
		for i := range k {
			if got := projectsOf(t, nameds[i], 1); got[0] != f.o.Project.ID {
				t.Errorf("unnamed member's feed %d was sent %v", i, got)
			}
			if got := projectsOf(t, owners[i], 2); got[0] != secret.ID || got[1] != f.o.Project.ID {
				t.Errorf("owner's feed %d: %v", i, got)
			}
			if got := projectsOf(t, viewers[i], 1); got[0] != f.o.Project.ID {
				t.Errorf("viewer's feed %d: %v", i, got)
			}
		}

		// A burst larger than one read is read in pages, still once for
		// every feed.
		startBatches = cs.batches.Load()
		const burst = 201
		for range burst {
			f.toggleAct(open)
		}
		b.Nudge()
		for i := range k {
			collect(t, owners[i], burst)
			collect(t, viewers[i], burst)
		}
		if got := cs.batches.Load() - startBatches; got != 2 {
			t.Errorf("%d reads of news for a burst of %d, want 2 pages", got, burst)
		}
		if got := cs.reads.Load(); got != 3*k {
			t.Errorf("%d reads as members, want still %d: no feed read on its own", got, 3*k)
		}
	})
}

// TestSlowReaderCatchesUp: a feed whose reader falls behind by more than
// its buffer holds nothing more and reads the store itself when it comes
// back, sending every event once, in order; a prompt feed beside it is
// not held up and reads nothing on its own.
func TestSlowReaderCatchesUp(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		b, cs := nudged(t, env, 5)
		prompt := subscribe(t, b, f.o.Ctx, f.o.Org.ID, "")
		slow := subscribe(t, b, f.o.Ctx, f.o.Org.ID, "")
		opened := cs.reads.Load()
		var want []string
		for round := range 2 {
			for range 3 {
				f.toggle()
			}
			b.Nudge()
			for _, e := range collect(t, prompt, 3) {
				want = append(want, e.ID)
			}
			if round == 0 && cs.reads.Load() != opened {
				t.Fatal("a feed read the store with room in its buffer")
			}
		}
		// The slow feed was handed 3, then 3 more: past its buffer of 5.
		got := collect(t, slow, 6)
		for i, e := range got {
			if e.ID != want[i] {
				t.Fatalf("slow feed sent %s as event %d, want %s", e.ID, i, want[i])
			}
		}
		if n := cs.reads.Load() - opened; n != 1 {
			t.Errorf("%d reads of its own by the slow feed, want 1", n)
		}
		// Caught up, it is handed news again.
		f.toggle()
		b.Nudge()
		if a, b := collect(t, slow, 1)[0], collect(t, prompt, 1)[0]; a.ID != b.ID {
			t.Errorf("after catching up the slow feed sent %s, the prompt one %s", a.ID, b.ID)
		}
		if n := cs.reads.Load() - opened; n != 1 {
			t.Errorf("%d reads of its own by the slow feed, want still 1", n)
		}
	})
}

// TestFailedReadOfNews: when the broker cannot read the news, each feed
// reads it as its member, so nothing is lost.
func TestFailedReadOfNews(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFixture(t, env)
		b, cs := nudged(t, env, 0)
		feeds := []*events.Subscription{subscribe(t, b, f.o.Ctx, f.o.Org.ID, ""), subscribe(t, b, f.o.Ctx, f.o.Org.ID, "")}
		opened := cs.reads.Load()
		cs.fail.Store(true)
		f.toggle()
		f.toggle()
		b.Nudge()
		first := collect(t, feeds[0], 2)
		if second := collect(t, feeds[1], 2); first[0].ID != second[0].ID || first[1].ID != second[1].ID {
			t.Errorf("feeds sent %v and %v", first, second)
		}
		if n := cs.reads.Load() - opened; n != 2 {
			t.Errorf("%d reads by the feeds, want one each", n)
		}
	})
}
