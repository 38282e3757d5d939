package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"

	"slate"
)

// Idempotency headers.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
	maxIdempotencyKeyLen = 200
)

// idempotency makes a mutating request carrying an Idempotency-Key happen at
// most once per user and key. The key is claimed before the handler runs, so
// concurrent retries cannot both write; a retry of a finished request gets
// the stored response; a different request under a used key is a conflict.
// Failures on the server's side (5xx) free the key so the client may retry.
func (s *Server) idempotency(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(headerIdempotencyKey)
		u := slate.UserFromContext(r.Context())
		if key == "" || u == nil || !mutating(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > maxIdempotencyKeyLen {
			writeProblem(w, r, slate.Invalidf(headerIdempotencyKey,
				"Idempotency-Key must be at most %d characters", maxIdempotencyKeyLen))
			return
		}
		var body []byte
		if r.Body != nil {
			var err error
			if body, err = io.ReadAll(r.Body); err != nil {
				writeProblem(w, r, err)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		sum := sha256.Sum256(body)
		ctx := r.Context()
		stored, err := s.Keys.BeginIdempotent(ctx, u.ID, key, r.Method, r.URL.Path, hex.EncodeToString(sum[:]))
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		if stored != nil {
			if stored.ContentType != "" {
				w.Header().Set("Content-Type", stored.ContentType)
			}
			w.Header().Set(headerReplayed, "true")
			w.Header().Set("Content-Length", strconv.Itoa(len(stored.Body)))
			w.WriteHeader(stored.Status)
			_, _ = w.Write(stored.Body)
			return
		}

		// The outcome must be recorded even if the client has gone away.
		ctx = context.WithoutCancel(ctx)
		rec := &responseWriter{ResponseWriter: w, body: new(bytes.Buffer)}
		finished := false
		// A panic or a 5xx must not leave the key claimed forever.
		defer func() {
			if !finished {
				if err := s.Keys.AbandonIdempotent(ctx, u.ID, key); err != nil {
					loggerFrom(ctx).ErrorContext(ctx, "abandon idempotency key", "err", err)
				}
			}
		}()
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		if status >= 500 {
			return
		}
		resp := slate.IdempotentResponse{Status: status, ContentType: rec.Header().Get("Content-Type"), Body: rec.body.Bytes()}
		if err := s.Keys.FinishIdempotent(ctx, u.ID, key, resp); err != nil {
			// The client has its answer already; a retry will see a
			// conflict rather than a second write.
			loggerFrom(ctx).ErrorContext(ctx, "store idempotent response", "err", err)
		}
		finished = true
	})
}

func mutating(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}
