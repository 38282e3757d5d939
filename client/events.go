package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"slate"
)

// Reconnection waits of Events: from the server's retry hint (or a second),
// doubling while the server stays away.
const (
	reconnectMin = time.Second
	reconnectMax = 30 * time.Second
)

// Events follows an organisation's live feed: fn gets every event the user
// may see, oldest first, after the event lastEventID ("" starts with what
// happens from now). A dropped connection is opened again with the id of
// the last event fn was handed, so nothing is lost or repeated across the
// break. It returns ctx's error when ctx ends, fn's error when fn fails,
// and the server's *Error when it refuses the feed (no access, bad id).
func (c *Client) Events(ctx context.Context, orgID, lastEventID string, fn func(slate.Event) error) error {
	wait := reconnectMin
	for {
		s := eventStream{fn: func(e slate.Event) error {
			lastEventID = e.ID
			return fn(e)
		}}
		err := c.stream(ctx, orgID, lastEventID, true, &s)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var fe callbackError
		if errors.As(err, &fe) {
			return fe.err
		}
		var ce *Error
		if errors.As(err, &ce) && ce.Status < 500 {
			return err
		}
		if s.events > 0 {
			wait = reconnectMin
		}
		if s.retry > 0 && wait < s.retry {
			wait = s.retry
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, reconnectMax)
	}
}

// StoredEvents reads the events stored after the event after, without
// waiting for new ones.
func (c *Client) StoredEvents(ctx context.Context, orgID, after string) ([]slate.Event, error) {
	out := []slate.Event{}
	s := eventStream{fn: func(e slate.Event) error {
		out = append(out, e)
		return nil
	}}
	if err := c.stream(ctx, orgID, after, false, &s); err != nil {
		return nil, err
	}
	return out, nil
}

// eventStream is one connection's reading of the feed.
type eventStream struct {
	fn     func(slate.Event) error
	events int
	retry  time.Duration
}

// callbackError marks fn's error, which ends Events instead of a retry.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

// stream opens the feed once and reads it until it ends.
func (c *Client) stream(ctx context.Context, orgID, after string, follow bool, s *eventStream) error {
	path := pathf("/api/v1/orgs/%s/events", orgID)
	if !follow {
		path = withQuery(path, url.Values{"follow": {"false"}})
	}
	h := http.Header{}
	if after != "" {
		h.Set("Last-Event-ID", after)
	}
	resp, err := c.openStream(ctx, path, "text/event-stream", h)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return s.read(resp.Body)
}

// read parses server-sent events and hands each event to fn.
func (s *eventStream) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var id string
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if len(data) > 0 {
				var e slate.Event
				if err := json.Unmarshal([]byte(strings.Join(data, "\n")), &e); err != nil {
					return fmt.Errorf("client: events: decode %s: %w", id, err)
				}
				if e.ID == "" {
					e.ID = id
				}
				s.events++
				if err := s.fn(e); err != nil {
					return callbackError{err}
				}
			}
			data = data[:0]
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			id = value
		case "data":
			data = append(data, value)
		case "retry":
			if ms, err := strconv.Atoi(value); err == nil && ms > 0 {
				s.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("client: events: %w", err)
	}
	return nil
}
