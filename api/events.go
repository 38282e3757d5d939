package api

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"slate"
	"slate/events"
)

// eventWriteTimeout bounds one write to a feed: a client that stops
// reading is dropped instead of holding its goroutine.
const eventWriteTimeout = 30 * time.Second

type eventsIn struct {
	OrgPath
	LastEventID string `header:"Last-Event-ID" maxLength:"100" doc:"Resume after this event id (EventSource sends it on reconnecting)"`
	After       string `query:"after" maxLength:"100" doc:"Resume after this event id, for clients that cannot set Last-Event-ID; the header wins"`
	Follow      bool   `query:"follow" default:"true" doc:"false sends the stored events after the cursor (every one without a cursor), then ends the stream"`
}

func (s *Server) registerEvents() {
	op := huma.Operation{
		OperationID: "streamEvents", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/events", Tags: []string{"events"},
		Summary: "Live events of the organisation (server-sent events)",
		Description: "A text/event-stream of the organisation's events — job, balance, alert, lock — as `id`, `event` " +
			"(the kind) and `data` (the event as JSON), with a comment every 15 s to keep the connection open. " +
			"Without a cursor the feed starts now; with Last-Event-ID (or ?after=) it first replays what came after " +
			"that event. With follow=false it sends the stored events after the cursor (all of them without one) " +
			"and ends. Events of projects the member may not see are left out. A server holds at most a set number " +
			"of streams open per token or session and per organisation (20 and 500 by default); beyond them it " +
			"answers 429 `rate_limited` with Retry-After.",
		Responses: map[string]*huma.Response{"200": {
			Description: "The event stream",
			Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{
				Type: huma.TypeString, Description: "id: <event id>\\nevent: <kind>\\ndata: <Event JSON>\\n\\n, repeated"}}},
		}},
	}
	register(s, op, opts{errs: []int{403, 404, 429}}, func(ctx context.Context, in *eventsIn) (*huma.StreamResponse, error) {
		if s.Events == nil {
			return nil, slate.Errorf(slate.EINTERNAL, "the event broker is not running")
		}
		after := in.After
		if in.LastEventID != "" {
			after = in.LastEventID
		}
		if after == "" && !in.Follow {
			// A feed that does not wait would have nothing to say from now.
			after = events.Beginning
		}
		// Subscribing checks membership first, so someone who may not read
		// the organisation learns nothing from its streams being full.
		sub, err := s.Events.Subscribe(ctx, in.Org, after)
		if err != nil {
			return nil, err
		}
		release, err := s.streams.take(secretFrom(ctx), in.Org)
		if err != nil {
			sub.Close()
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			// The slot is free before the subscription is gone, so that
			// whoever sees the subscription gone finds the slot free.
			defer sub.Close()
			defer release()
			_, w := humago.Unwrap(hctx)
			s.stream(w, sub, in.Follow)
		}}, nil
	})
}

// stream writes the subscription's events until the client goes, the
// server stops or, without follow, the stored events are all sent.
func (s *Server) stream(w http.ResponseWriter, sub *events.Subscription, follow bool) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	// Proxies such as nginx would otherwise buffer the stream.
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := &sseWriter{w: w, rc: rc}
	out.buf().WriteString("retry: 3000\n\n")
	for {
		if err := out.flush(); err != nil {
			return
		}
		if !follow && sub.CaughtUp() {
			return
		}
		evs, err := sub.Next()
		if err != nil {
			return
		}
		if len(evs) == 0 {
			out.buf().WriteString(": heartbeat\n\n")
		}
		for _, e := range evs {
			// Encoded once by the broker for every feed that sends it.
			b := out.buf()
			b.WriteString("id: ")
			b.WriteString(e.ID)
			b.WriteString("\nevent: ")
			b.WriteString(e.Kind)
			b.WriteString("\ndata: ")
			b.Write(e.JSON)
			b.WriteString("\n\n")
			if b.Len() >= sseChunk {
				if err := out.write(); err != nil {
					return
				}
			}
		}
	}
}

// sseChunk is how much of a batch a feed gathers before writing it out:
// big enough for few system calls, small enough that a batch of a
// thousand events does not grow a buffer per feed.
const sseChunk = 32 << 10

// ssePool lends feeds their buffers only while they write: most feeds
// wait most of the time, and need none then.
var ssePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// sseWriter writes a feed through a borrowed buffer.
type sseWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
	b  *bytes.Buffer
}

func (o *sseWriter) buf() *bytes.Buffer {
	if o.b == nil {
		o.b = ssePool.Get().(*bytes.Buffer)
	}
	return o.b
}

// write sends what is gathered, keeping the buffer.
func (o *sseWriter) write() error {
	if o.b == nil || o.b.Len() == 0 {
		return nil
	}
	_ = o.rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
	_, err := o.w.Write(o.b.Bytes())
	o.b.Reset()
	return err
}

// flush sends what is gathered to the client and gives the buffer back.
func (o *sseWriter) flush() error {
	if o.b == nil {
		return nil
	}
	err := o.write()
	if err == nil {
		err = o.rc.Flush()
	}
	if o.b.Cap() <= 2*sseChunk {
		ssePool.Put(o.b)
	}
	o.b = nil
	return err
}

// nudgeEvents wakes the event broker after every write request, so a feed
// on this process hears of the change at once rather than at the next
// poll. A write that changed nothing costs one spare look.
func (s *Server) nudgeEvents(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if s.Events != nil && mutating(r.Method) {
			s.Events.Nudge()
		}
	})
}
