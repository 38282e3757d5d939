package api_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"

	"slate"
	"slate/api"
	"slate/store/storetest"
)

// waitSubscribers waits until the broker has n subscriptions: a stream
// whose client hung up ends when its server side notices.
func (h *harness) waitSubscribers(n int) {
	h.t.Helper()
	for h.srv.Events.Subscribers() != n {
		runtime.Gosched()
	}
}

// refused checks a stream was refused with the stream cap's 429.
func refused(t *testing.T, f *feed, res *response, about string) {
	t.Helper()
	if f != nil {
		t.Fatal("the stream opened beyond its cap")
	}
	p := res.problem(t, http.StatusTooManyRequests, string(slate.ERATELIMITED))
	if res.Header.Get("Retry-After") != "30" || !strings.Contains(p.Detail, about) {
		t.Errorf("Retry-After %q, detail %q (want it to name the %s)", res.Header.Get("Retry-After"), p.Detail, about)
	}
}

// TestEventStreamCaps: a credential may hold N streams and an
// organisation M on one server; beyond them 429, and a closed stream frees
// its slot.
func TestEventStreamCaps(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, b, func(s *api.Server) { s.StreamsPerCredential, s.StreamsPerOrg = 3, 5 })
			owner, crew, outsider := h.signup("owner"), h.signup("crew"), h.signup("outsider")
			org := h.createOrg(owner)
			h.join(owner, org.ID, crew)
			var second slate.Token
			h.must(call{method: "POST", path: "/api/v1/tokens", token: owner.Token, body: slate.TokenInput{Name: "ci"}}, 201, &second)

			var mine []*feed
			for range 3 {
				f, res := h.openFeed(owner.Token, org.ID, "", nil)
				if f == nil {
					t.Fatalf("stream refused under the cap: %d %s", res.Status, res.Body)
				}
				mine = append(mine, f)
			}
			f, res := h.openFeed(owner.Token, org.ID, "", nil)
			refused(t, f, res, "credential")
			// Another token of the same user is another credential.
			for range 2 {
				if f, res := h.openFeed(second.Secret, org.ID, "", nil); f == nil {
					t.Fatalf("second token refused: %d %s", res.Status, res.Body)
				}
			}
			// The organisation is full: five streams.
			f, res = h.openFeed(crew.Token, org.ID, "", nil)
			refused(t, f, res, "organisation")
			// Someone who may not read it learns nothing of that.
			_, res = h.openFeed(outsider.Token, org.ID, "", nil)
			res.problem(t, http.StatusNotFound, "not_found")
			// Another organisation has slots of its own.
			other := h.createOrg(outsider)
			if f, res := h.openFeed(outsider.Token, other.ID, "", nil); f == nil {
				t.Fatalf("another organisation's stream refused: %d %s", res.Status, res.Body)
			}
			h.waitSubscribers(6)

			// Closing one of the first token's streams frees a slot of the
			// token and of the organisation, which the crew member takes.
			mine[0].cancel()
			h.waitSubscribers(5)
			if f, res := h.openFeed(crew.Token, org.ID, "", nil); f == nil {
				t.Fatalf("crew refused after a slot freed: %d %s", res.Status, res.Body)
			}
			f, res = h.openFeed(owner.Token, org.ID, "", nil)
			refused(t, f, res, "organisation")
			mine[1].cancel()
			h.waitSubscribers(5)
			if f, res := h.openFeed(owner.Token, org.ID, "", nil); f == nil {
				t.Fatalf("owner refused with a slot free: %d %s", res.Status, res.Body)
			}
			// Refusals left nothing open.
			h.waitSubscribers(6)
		})
	}
}
