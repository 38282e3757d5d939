package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
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
			"and ends. Events of projects the member may not see are left out.",
		Responses: map[string]*huma.Response{"200": {
			Description: "The event stream",
			Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{
				Type: huma.TypeString, Description: "id: <event id>\\nevent: <kind>\\ndata: <Event JSON>\\n\\n, repeated"}}},
		}},
	}
	register(s, op, errsRead, func(ctx context.Context, in *eventsIn) (*huma.StreamResponse, error) {
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
		sub, err := s.Events.Subscribe(ctx, in.Org, after)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			defer sub.Close()
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
	var buf bytes.Buffer
	buf.WriteString("retry: 3000\n\n")
	for {
		if buf.Len() > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout))
			if _, err := w.Write(buf.Bytes()); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
			buf.Reset()
		}
		if !follow && sub.CaughtUp() {
			return
		}
		evs, err := sub.Next()
		if err != nil {
			return
		}
		if len(evs) == 0 {
			buf.WriteString(": heartbeat\n\n")
		}
		for _, e := range evs {
			data, err := json.Marshal(e)
			if err != nil {
				continue
			}
			buf.WriteString("id: " + e.ID + "\nevent: " + e.Kind + "\ndata: ")
			buf.Write(data)
			buf.WriteString("\n\n")
		}
	}
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
