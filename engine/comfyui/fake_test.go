package comfyui_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"slate/waitfor"
)

// fake is a ComfyUI server as far as the engine can tell: the documented
// endpoints, the websocket's messages, and a real MP4 behind /view.
type fake struct {
	t     *testing.T
	srv   *httptest.Server
	video []byte

	// What the server does.
	reject   bool // POST /prompt fails validation (400)
	status   int  // POST /prompt answers this status instead
	stall    bool // POST /prompt never answers
	noSocket bool // /ws is not there (404)
	hang     bool // the prompt runs until interrupted
	pending  bool // the prompt waits in the queue behind others
	fail     bool // the prompt fails in a node
	noOutput bool // the prompt saves no file
	// dropAfter, when set, is how many of the sampler's progress steps (of
	// 4) the socket sends before the next node's progress (10 %, then 60 %)
	// and a drop, without the closing `executing`; it drops once heard is
	// released.
	dropAfter int
	// others interleaves messages about another client's prompt with
	// ours: its progress, its end, its failure, its interruption.
	others bool
	// busy is another client's prompt, running for the whole test: ours
	// waits behind it when pending.
	busy string
	// heard, when set, holds the history entry back (and a drop) until
	// release: a test releases it once the engine has reported every step
	// the socket sent, so a busy machine cannot let a history poll finish
	// the render before the socket's messages are read.
	heard     chan struct{}
	heardOnce sync.Once

	mu          sync.Mutex
	posted      []map[string]any
	interrupts  []map[string]any
	deletes     []any
	sockets     map[string]*websocket.Conn
	socketed    *sync.Cond // signalled when a socket registers
	polled      chan struct{}
	pollOnce    sync.Once
	running     string
	queued      []string // pending prompts, in order
	history     map[string]any
	interrupted chan struct{}
	once        sync.Once
}

// newFake starts a fake ComfyUI configured by setup.
func newFake(t *testing.T, setup func(f *fake)) *fake {
	t.Helper()
	f := &fake{t: t, video: clip(t), sockets: map[string]*websocket.Conn{}, history: map[string]any{},
		interrupted: make(chan struct{}), polled: make(chan struct{})}
	f.socketed = sync.NewCond(&f.mu)
	if setup != nil {
		setup(f)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /prompt", f.prompt)
	mux.HandleFunc("GET /ws", f.socket)
	mux.HandleFunc("GET /history/{id}", f.getHistory)
	mux.HandleFunc("GET /view", f.view)
	mux.HandleFunc("POST /interrupt", f.interrupt)
	mux.HandleFunc("POST /queue", f.queue)
	mux.HandleFunc("GET /queue", f.getQueue)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { f.once.Do(func() { close(f.interrupted) }) })
	t.Cleanup(f.release)
	return f
}

// release lets the fake go on past heard.
func (f *fake) release() {
	if f.heard != nil {
		f.heardOnce.Do(func() { close(f.heard) })
	}
}

// await waits for the test to release heard. It runs outside the test's
// goroutine, so its hang guard reports with Errorf; the test's cleanup
// releases heard, so that never happens after the test.
func (f *fake) await(what string) {
	if f.heard == nil {
		return
	}
	select {
	case <-f.heard:
	case <-time.After(waitfor.Guard):
		f.t.Errorf("hung: the fake held %s for %s; the engine never reported what the test waited for", what, waitfor.Guard)
	}
}

// clip makes a small real MP4 for /view to serve.
func clip(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "clip.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "testsrc2=s=160x90:r=24:d=0.5",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readJSON(r *http.Request) map[string]any {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var v map[string]any
	_ = dec.Decode(&v)
	return v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fake) prompt(w http.ResponseWriter, r *http.Request) {
	body := readJSON(r)
	f.mu.Lock()
	f.posted = append(f.posted, body)
	f.mu.Unlock()
	if f.stall {
		<-r.Context().Done()
		return
	}
	if f.status != 0 {
		writeJSON(w, f.status, map[string]any{"error": "server on fire"})
		return
	}
	if f.reject {
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error": map[string]any{"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation",
				"details": "", "extra_info": map[string]any{}},
			"node_errors": map[string]any{"1": map[string]any{
				"errors": []any{map[string]any{"type": "value_not_in_list", "message": "Value not in list",
					"details": "unet_name: 'wan2.1_t2v_1.3B_fp16.safetensors' not in []", "extra_info": map[string]any{}}},
				"dependent_outputs": []any{"10"}, "class_type": "UNETLoader"}},
		})
		return
	}
	id, _ := body["prompt_id"].(string)
	clientID, _ := body["client_id"].(string)
	writeJSON(w, http.StatusOK, map[string]any{"prompt_id": id, "number": 1, "node_errors": map[string]any{}})
	go f.execute(id, clientID)
}

// execute runs the prompt the way ComfyUI reports it: messages on the
// client's socket, then the history entry.
func (f *fake) execute(id, clientID string) {
	if f.pending {
		f.mu.Lock()
		f.queued = append(f.queued, id)
		f.mu.Unlock()
		return
	}
	// The engine opens its socket before it posts, but the socket's
	// handler may register it just after the post arrives.
	var conn *websocket.Conn
	if !f.noSocket {
		f.mu.Lock()
		for conn = f.sockets[clientID]; conn == nil; conn = f.sockets[clientID] {
			f.socketed.Wait()
		}
		f.mu.Unlock()
	}
	send := func(kind string, data map[string]any) {
		if conn != nil {
			_ = wsjson.Write(context.Background(), conn, map[string]any{"type": kind, "data": data})
		}
	}
	// What ComfyUI sends about another prompt where this client can hear
	// it: execution_interrupted is broadcast to every client, and a
	// server shared by clients that reuse an id sends them all the rest.
	other := func() {
		if !f.others {
			return
		}
		o := "someone-elses-prompt"
		send("progress", map[string]any{"value": 19, "max": 20, "prompt_id": o, "node": "3"})
		send("executing", map[string]any{"node": nil, "display_node": nil, "prompt_id": o})
		send("execution_success", map[string]any{"prompt_id": o, "timestamp": 2})
		send("execution_error", map[string]any{"prompt_id": o, "node_id": "3", "node_type": "KSampler",
			"executed": []any{}, "exception_message": "someone else's failure", "exception_type": "RuntimeError",
			"traceback": []any{}, "current_inputs": map[string]any{}, "current_outputs": []any{}})
		send("execution_interrupted", map[string]any{"prompt_id": o, "node_id": "3", "node_type": "KSampler", "executed": []any{}})
	}
	f.mu.Lock()
	f.running = id
	f.mu.Unlock()
	other()
	send("execution_start", map[string]any{"prompt_id": id, "timestamp": 1})
	send("executing", map[string]any{"node": "3s", "display_node": "3s", "prompt_id": id})
	// Another client's prompt, and a binary preview image, to be ignored.
	send("progress", map[string]any{"value": 9, "max": 10, "prompt_id": "someone-else", "node": "3s"})
	if conn != nil {
		_ = conn.Write(context.Background(), websocket.MessageBinary, []byte{0, 0, 0, 1, 0, 0, 0, 2, 0x89, 'P', 'N', 'G'})
	}
	entry := map[string]any{"outputs": map[string]any{}, "status": map[string]any{"status_str": "success", "completed": true,
		"messages": []any{[]any{"execution_start", map[string]any{"prompt_id": id}}}}}
	switch {
	case f.hang:
		send("progress", map[string]any{"value": 1, "max": 10, "prompt_id": id, "node": "3s"})
		<-f.interrupted
		send("execution_interrupted", map[string]any{"prompt_id": id, "node_id": "3s"})
		entry["status"] = map[string]any{"status_str": "error", "completed": false, "messages": []any{
			[]any{"execution_interrupted", map[string]any{"prompt_id": id, "node_id": "3s"}}}}
	case f.fail:
		// The message as ComfyUI's execution.py sends it, and keeps it in
		// the history's status.
		failure := map[string]any{"prompt_id": id, "node_id": "3s", "node_type": "KSampler", "executed": []any{"1", "2", "3", "6", "7", "40"},
			"exception_message": "CUDA out of memory. Tried to allocate 2.00 GiB\n", "exception_type": "torch.OutOfMemoryError",
			"traceback": []any{"  File \"execution.py\", line 496, in execute\n"}, "current_inputs": map[string]any{}, "current_outputs": []any{}}
		send("progress", map[string]any{"value": 1, "max": 4, "prompt_id": id, "node": "3s"})
		other()
		send("execution_error", failure)
		entry["status"] = map[string]any{"status_str": "error", "completed": false, "messages": []any{
			[]any{"execution_start", map[string]any{"prompt_id": id}},
			[]any{"execution_error", failure}}}
	default:
		for i := 1; i <= 4; i++ {
			send("progress", map[string]any{"value": i, "max": 4, "prompt_id": id, "node": "3s"})
			other()
			if i == f.dropAfter {
				// The next node reports its own progress, starting over
				// (1 of 10, then 6 of 10), as a tiled VAE decode does.
				send("executing", map[string]any{"node": "8", "display_node": "8", "prompt_id": id})
				send("progress", map[string]any{"value": 1, "max": 10, "prompt_id": id, "node": "8"})
				send("progress", map[string]any{"value": 6, "max": 10, "prompt_id": id, "node": "8"})
				// Drop only once the engine has the steps sent so far, so
				// what the test sees does not depend on who reads first.
				f.await("the socket open")
				_ = conn.CloseNow()
				conn = nil
				break
			}
		}
		if !f.noOutput {
			entry["outputs"] = map[string]any{
				"8":  map[string]any{"images": []any{map[string]any{"filename": "preview_00001_.png", "subfolder": "", "type": "temp"}}},
				"10": map[string]any{"images": []any{map[string]any{"filename": "job-1_00001_.mp4", "subfolder": "slate", "type": "output"}}, "animated": []any{true}},
			}
		}
		send("executing", map[string]any{"node": nil, "prompt_id": id})
	}
	// As in ComfyUI, the history entry appears just after the last message.
	f.await("the history entry")
	f.mu.Lock()
	f.history[id] = entry
	f.running = ""
	f.mu.Unlock()
}

func (f *fake) socket(w http.ResponseWriter, r *http.Request) {
	if f.noSocket {
		http.NotFound(w, r)
		return
	}
	clientID := r.URL.Query().Get("clientId")
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	_ = wsjson.Write(r.Context(), conn, map[string]any{"type": "status", "data": map[string]any{
		"status": map[string]any{"exec_info": map[string]any{"queue_remaining": 0}}, "sid": clientID}})
	f.mu.Lock()
	f.sockets[clientID] = conn
	f.socketed.Broadcast()
	f.mu.Unlock()
	for {
		if _, _, err := conn.Read(r.Context()); err != nil {
			return
		}
	}
}

func (f *fake) getHistory(w http.ResponseWriter, r *http.Request) {
	f.pollOnce.Do(func() { close(f.polled) })
	id := r.PathValue("id")
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]any{}
	if h, ok := f.history[id]; ok {
		out[id] = h
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *fake) view(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("filename") != "job-1_00001_.mp4" || q.Get("subfolder") != "slate" || q.Get("type") != "output" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "video/mp4")
	_, _ = w.Write(f.video)
}

func (f *fake) interrupt(w http.ResponseWriter, r *http.Request) {
	body := readJSON(r)
	f.mu.Lock()
	f.interrupts = append(f.interrupts, body)
	f.mu.Unlock()
	f.once.Do(func() { close(f.interrupted) })
}

func (f *fake) queue(w http.ResponseWriter, r *http.Request) {
	body := readJSON(r)
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := body["delete"].([]any); ok {
		f.deletes = append(f.deletes, d...)
		f.queued = slices.DeleteFunc(f.queued, func(id string) bool { return slices.Contains(d, any(id)) })
	}
}

func (f *fake) getQueue(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Items are [number, prompt_id, prompt, extra_data, outputs_to_execute].
	running, pending := []any{}, []any{}
	if id := cmp.Or(f.running, f.busy); id != "" {
		running = append(running, []any{1, id, map[string]any{}, map[string]any{}, []any{"10"}})
	}
	for i, id := range f.queued {
		pending = append(pending, []any{2 + i, id, map[string]any{}, map[string]any{}, []any{"10"}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"queue_running": running, "queue_pending": pending})
}

// postedWorkflow returns the one workflow the engine posted, re-encoded.
func (f *fake) postedWorkflow(t *testing.T) (map[string]any, map[string]any) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.posted) != 1 {
		t.Fatalf("%d prompts posted, want 1", len(f.posted))
	}
	data, err := json.Marshal(f.posted[0]["prompt"])
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, data), f.posted[0]
}

func (f *fake) equalVideo(t *testing.T, file string) {
	t.Helper()
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, f.video) {
		t.Fatalf("%s holds %d bytes, not the %d ComfyUI served", file, len(got), len(f.video))
	}
}
