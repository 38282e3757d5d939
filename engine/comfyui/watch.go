package comfyui

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/coder/websocket"
)

// event is one of ComfyUI's websocket messages about a prompt.
type event struct {
	promptID string
	// progress: a node's step value of max.
	value, max int
	// done: the prompt finished, well or not; history says which unless
	// failed already does.
	done bool
	// failed: why the prompt failed, when the message says it in full.
	failed error
}

// watcher follows ComfyUI's websocket for one client id. The socket is an
// optimisation: progress comes only through it, but completion is also
// found by polling /history, so a render works, without progress, where the
// socket is blocked or drops.
type watcher struct {
	conn   *websocket.Conn
	events chan event
	stop   chan struct{}
}

// watch connects to /ws?clientId=id. It returns nil when the socket cannot
// be opened.
func (e *Engine) watch(ctx context.Context, clientID string) *watcher {
	u := *e.base
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u = *u.JoinPath("ws")
	u.RawQuery = url.Values{"clientId": {clientID}}.Encode()
	dctx, cancel := context.WithTimeout(ctx, e.cfg.RequestTimeout)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{HTTPClient: e.cfg.Client})
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return nil
	}
	// Preview images arrive as binary messages and can be large.
	conn.SetReadLimit(64 << 20)
	w := &watcher{conn: conn, events: make(chan event, 16), stop: make(chan struct{})}
	go w.read()
	return w
}

func (w *watcher) read() {
	defer close(w.events)
	for {
		kind, data, err := w.conn.Read(context.Background())
		if err != nil {
			return
		}
		if kind != websocket.MessageText {
			continue
		}
		ev, ok := parseEvent(data)
		if !ok {
			continue
		}
		select {
		case w.events <- ev:
		case <-w.stop:
			return
		}
	}
}

func parseEvent(data []byte) (event, bool) {
	var msg struct {
		Type string `json:"type"`
		Data struct {
			PromptID string           `json:"prompt_id"`
			Value    int              `json:"value"`
			Max      int              `json:"max"`
			Node     *json.RawMessage `json:"node"`
			nodeFailure
		} `json:"data"`
	}
	if json.Unmarshal(data, &msg) != nil || msg.Data.PromptID == "" {
		return event{}, false
	}
	ev := event{promptID: msg.Data.PromptID}
	switch msg.Type {
	case "progress":
		if msg.Data.Max <= 0 {
			return event{}, false
		}
		ev.value, ev.max = msg.Data.Value, msg.Data.Max
	case "executing":
		// A null node means the prompt has run to its end.
		if msg.Data.Node != nil && string(*msg.Data.Node) != "null" {
			return event{}, false
		}
		ev.done = true
	case "execution_success":
		ev.done = true
	case "execution_error", "execution_interrupted":
		ev.done = true
		// The socket names the failing node before the history has the
		// entry; a message without its exception is left to the history.
		if msg.Type == "execution_interrupted" || msg.Data.ExceptionMessage != "" {
			ev.failed = msg.Data.err(msg.Type)
		}
	default:
		return event{}, false
	}
	return ev, true
}

// close drops the socket at once: a closing handshake could keep a
// cancelled render waiting on a busy server.
func (w *watcher) close() {
	if w == nil {
		return
	}
	close(w.stop)
	_ = w.conn.CloseNow()
}
