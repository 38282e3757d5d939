package api

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// requestInfo is filled in as a request passes the middleware, so the
// outermost one can log and count it with what inner ones learnt.
type requestInfo struct {
	op     string
	userID string
	// tls says the browser reached us over HTTPS (directly or through a
	// proxy that says so), so session cookies are marked Secure.
	tls bool
	// client keys the client's sign-in bucket (see clientKey).
	client string
}

type requestInfoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// pattern returns the ServeMux pattern the request will be routed to, or ""
// for the catch-all.
func (s *Server) pattern(r *http.Request) string {
	_, p := s.mux.Handler(r)
	if p == "/" {
		return ""
	}
	return p
}

// operation names a request for metrics and logs: its operation id, or the
// route of the few handlers that are not huma operations. Unrouted requests
// share one label so scanners cannot blow up the metrics' cardinality.
func (s *Server) operation(pattern string) string {
	if id, ok := s.opIDs[pattern]; ok {
		return id
	}
	if pattern == "" {
		return "unmatched"
	}
	_, path, _ := strings.Cut(pattern, " ")
	return strings.TrimPrefix(path, "/")
}

// observe logs every request, counts it in the metrics and turns a handler
// panic into a logged 500 instead of a dropped connection.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{op: s.operation(s.pattern(r)), tls: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
			client: clientKey(r, s.guard.trusted)}
		log := s.logger()
		ctx := context.WithValue(r.Context(), loggerKey{}, log)
		ctx = context.WithValue(ctx, requestInfoKey{}, ri)
		r = r.WithContext(ctx)
		// Takes, exports and EDLs are served with their own types; a browser
		// must not guess another (a take sniffed as HTML would run).
		w.Header().Set("X-Content-Type-Options", "nosniff")
		sw := &responseWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(ctx, "panic serving request", "panic", v, "method", r.Method, "path", r.URL.Path)
				if sw.status == 0 {
					writeProblem(sw, r, errPanic)
				}
			}
			d := time.Since(start)
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			s.metrics.observe(ri.op, status, d)
			log.InfoContext(ctx, "http request", "method", r.Method, "path", r.URL.Path,
				"operation", ri.op, "status", status, "bytes", sw.bytes,
				"duration_ms", float64(d.Microseconds())/1000, "user", ri.userID)
		}()
		next.ServeHTTP(sw, r)
	})
}

type panicError struct{}

func (panicError) Error() string { return "handler panicked" }

var errPanic error = panicError{}
