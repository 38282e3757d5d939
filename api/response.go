package api

import (
	"bytes"
	"net/http"
)

// responseWriter passes a response through while remembering its status and
// size, and, when body is set, a copy of what was written (for idempotent
// replay).
type responseWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	body   *bytes.Buffer
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.body != nil {
		w.body.Write(b)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushing for
// server-sent events, deadlines).
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
