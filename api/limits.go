package api

import "net/http"

// limitBody caps every request body before anything reads it: the
// idempotency middleware hashes bodies and huma parses them, and neither
// should hold more than the limit in memory. Reading past it fails with
// *http.MaxBytesError, which the error mapping answers with 413.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.maxBody() {
			writeProblem(w, r, &http.MaxBytesError{Limit: s.maxBody()})
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.maxBody())
		}
		next.ServeHTTP(w, r)
	})
}
