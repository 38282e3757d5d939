package comfyui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"slate"
	"slate/engine"
)

// validID is what a prompt id may look like before it goes into a URL path:
// ComfyUI's are UUIDs.
var validID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// call makes one API request bounded by the request timeout and decodes a
// JSON answer into out (when out is not nil). It maps failures to
// *engine.Error: a server that cannot be reached or answers 5xx is
// unavailable, a request that runs out of time is a timeout, anything else
// the server refuses is engine_failed. When ctx itself is done it returns
// ctx's error.
func (e *Engine) call(ctx context.Context, method, path string, query url.Values, body, out any) error {
	rctx, cancel := context.WithTimeout(ctx, e.cfg.RequestTimeout)
	defer cancel()
	resp, err := e.send(rctx, method, path, query, body)
	if err != nil {
		return e.transportError(ctx, err, method, path)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return e.transportError(ctx, err, method, path)
	}
	if resp.StatusCode != http.StatusOK {
		return &statusError{method: method, path: path, status: resp.StatusCode, body: data}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return engine.Errorf(slate.JobErrEngineFailed, true, "comfyui: %s %s: unreadable answer: %v", method, path, err)
	}
	return nil
}

func (e *Engine) send(ctx context.Context, method, path string, query url.Values, body any) (*http.Response, error) {
	u := e.base.JoinPath(path)
	u.RawQuery = query.Encode()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.cfg.Client.Do(req)
}

func (e *Engine) transportError(ctx context.Context, err error, method, path string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return engine.Errorf(slate.JobErrEngineTimeout, true, "comfyui: %s %s at %s took longer than %v",
			method, path, e.base.Redacted(), e.cfg.RequestTimeout)
	}
	return engine.Errorf(slate.JobErrEngineUnavailable, true, "comfyui: cannot reach %s: %v", e.base.Redacted(), err)
}

// statusError is an answer other than 200; asError says what it means.
type statusError struct {
	method, path string
	status       int
	body         []byte
}

func (s *statusError) Error() string {
	return fmt.Sprintf("comfyui: %s %s answered %d: %s", s.method, s.path, s.status, strings.TrimSpace(string(s.body)))
}

func asError(err error) error {
	var s *statusError
	if !errors.As(err, &s) {
		return err
	}
	msg := strings.TrimSpace(string(s.body))
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	if s.status >= 500 {
		return engine.Errorf(slate.JobErrEngineUnavailable, true, "comfyui: %s %s answered %d: %s", s.method, s.path, s.status, msg)
	}
	return engine.Errorf(slate.JobErrEngineFailed, false, "comfyui: %s %s answered %d: %s", s.method, s.path, s.status, msg)
}

// promptError is ComfyUI's answer to a workflow that fails validation.
type promptError struct {
	Error      json.RawMessage `json:"error"`
	NodeErrors map[string]struct {
		ClassType string `json:"class_type"`
		Errors    []struct {
			Message string `json:"message"`
			Details string `json:"details"`
		} `json:"errors"`
	} `json:"node_errors"`
}

// rejection turns a 400 from POST /prompt into a prompt_rejected a person
// can act on: "KSampler (node 3): Value not in list: ckpt_name: 'x'".
func rejection(body []byte) error {
	var pe promptError
	if err := json.Unmarshal(body, &pe); err != nil {
		return engine.Errorf(slate.JobErrPromptRejected, false, "ComfyUI refused the workflow: %s", strings.TrimSpace(string(body)))
	}
	// "error" is an object in current ComfyUI and a string in old ones.
	var top struct {
		Message string `json:"message"`
		Details string `json:"details"`
	}
	if json.Unmarshal(pe.Error, &top) != nil {
		_ = json.Unmarshal(pe.Error, &top.Message)
	}
	parts := []string{}
	if top.Message != "" {
		parts = append(parts, strings.TrimSpace(top.Message+" "+top.Details))
	}
	ids := make([]string, 0, len(pe.NodeErrors))
	for id := range pe.NodeErrors {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		n := pe.NodeErrors[id]
		for _, ne := range n.Errors {
			m := ne.Message
			if ne.Details != "" {
				m += ": " + ne.Details
			}
			parts = append(parts, fmt.Sprintf("%s (node %s): %s", n.ClassType, id, m))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no reason given")
	}
	return engine.Errorf(slate.JobErrPromptRejected, false, "ComfyUI refused the workflow: %s", strings.Join(parts, "; "))
}

// submit posts the workflow and returns the id ComfyUI queued it under.
// Current ComfyUI takes the id the client chooses, which lets a render
// cancelled while the post is in flight still delete its prompt; old
// versions choose their own and answer with it.
func (e *Engine) submit(ctx context.Context, workflow map[string]any, clientID, promptID string) (string, error) {
	var out struct {
		PromptID string `json:"prompt_id"`
	}
	body := map[string]any{"prompt": workflow, "client_id": clientID, "prompt_id": promptID}
	if err := e.call(ctx, http.MethodPost, "prompt", nil, body, &out); err != nil {
		var s *statusError
		if errors.As(err, &s) && s.status == http.StatusBadRequest {
			return "", rejection(s.body)
		}
		return "", asError(err)
	}
	if !validID.MatchString(out.PromptID) {
		return "", engine.Errorf(slate.JobErrEngineFailed, true, "comfyui: POST /prompt answered prompt id %q", out.PromptID)
	}
	return out.PromptID, nil
}

// fileRef is a file a workflow's output node saved.
type fileRef struct {
	Filename  string `json:"filename"`
	Subfolder string `json:"subfolder"`
	Type      string `json:"type"`
}

// historyEntry is what GET /history/{id} says of a finished prompt.
type historyEntry struct {
	Outputs map[string]map[string]json.RawMessage `json:"outputs"`
	Status  *struct {
		StatusStr string              `json:"status_str"`
		Completed bool                `json:"completed"`
		Messages  [][]json.RawMessage `json:"messages"`
	} `json:"status"`
}

// history returns the prompt's entry, or nil while it has not finished.
func (e *Engine) history(ctx context.Context, id string) (*historyEntry, error) {
	var out map[string]historyEntry
	if err := e.call(ctx, http.MethodGet, "history/"+id, nil, nil, &out); err != nil {
		return nil, asError(err)
	}
	h, ok := out[id]
	if !ok {
		return nil, nil
	}
	return &h, nil
}

// failure reads why a finished prompt failed from its status messages.
func (h *historyEntry) failure() error {
	for _, m := range h.Status.Messages {
		if len(m) != 2 {
			continue
		}
		var kind string
		_ = json.Unmarshal(m[0], &kind)
		var data nodeFailure
		_ = json.Unmarshal(m[1], &data)
		if err := data.err(kind); err != nil {
			return err
		}
	}
	return engine.Errorf(slate.JobErrEngineFailed, false, "ComfyUI reported the run as %q", h.Status.StatusStr)
}

// nodeFailure is the data of ComfyUI's execution_error and
// execution_interrupted messages, as the websocket sends them and as the
// history's status keeps them.
type nodeFailure struct {
	NodeID           string `json:"node_id"`
	NodeType         string `json:"node_type"`
	ExceptionMessage string `json:"exception_message"`
}

// err is the job error a message of kind means, or nil for any other kind.
func (n nodeFailure) err(kind string) error {
	switch kind {
	case "execution_error":
		return engine.Errorf(slate.JobErrEngineFailed, false, "ComfyUI failed in %s (node %s): %s",
			n.NodeType, n.NodeID, strings.TrimSpace(n.ExceptionMessage))
	case "execution_interrupted":
		return engine.Errorf(slate.JobErrEngineFailed, true, "ComfyUI's run was interrupted on the server")
	}
	return nil
}

// output picks the file to keep from what the output nodes saved: a video
// in the output folder before anything else, then any output, then temp
// previews; among equals, the lowest node id, so the choice is stable.
func (h *historyEntry) output() (fileRef, bool) {
	ids := make([]string, 0, len(h.Outputs))
	for id := range h.Outputs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var best fileRef
	bestRank := -1
	for _, id := range ids {
		keys := make([]string, 0, len(h.Outputs[id]))
		for k := range h.Outputs[id] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			var files []fileRef
			if json.Unmarshal(h.Outputs[id][k], &files) != nil {
				continue
			}
			for _, f := range files {
				if f.Filename == "" {
					continue
				}
				rank := 0
				if f.Type == "output" {
					rank += 2
				}
				switch strings.ToLower(f.Filename[strings.LastIndexByte(f.Filename, '.')+1:]) {
				case "mp4", "mov", "webm", "mkv":
					rank += 4
				case "gif", "webp":
					rank++
				}
				if rank > bestRank {
					best, bestRank = f, rank
				}
			}
		}
	}
	return best, bestRank >= 0
}

// running reports whether the prompt is the one ComfyUI is executing now.
func (e *Engine) running(ctx context.Context, id string) (bool, error) {
	var out struct {
		Running [][]json.RawMessage `json:"queue_running"`
	}
	if err := e.call(ctx, http.MethodGet, "queue", nil, nil, &out); err != nil {
		return false, err
	}
	for _, item := range out.Running {
		var got string
		if len(item) > 1 && json.Unmarshal(item[1], &got) == nil && got == id {
			return true, nil
		}
	}
	return false, nil
}

// stop takes the prompt out of ComfyUI's queue and interrupts it if it is
// running. It asks /queue first because ComfyUI before the targeted
// interrupt ignores the prompt_id and would stop whatever is running,
// perhaps someone else's work.
func (e *Engine) stop(ctx context.Context, id string) {
	_ = e.call(ctx, http.MethodPost, "queue", nil, map[string]any{"delete": []string{id}}, nil)
	if running, err := e.running(ctx, id); running || err != nil {
		_ = e.call(ctx, http.MethodPost, "interrupt", nil, map[string]any{"prompt_id": id}, nil)
	}
}
