package web

import (
	"net/http"
	"unicode/utf8"

	"slate"
)

// refuseBadText answers 400 for an address whose path or query is not valid
// UTF-8. Both arrive percent-encoded, so any byte can be sent, and the
// pages hand them to the services as ids, tags and filters: PostgreSQL
// refuses such text outright, which would otherwise surface as a 500.
func (s *Server) refuseBadText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !validQuery(r) || !utf8.ValidString(r.URL.Path) {
			s.fail(w, r, slate.Errorf(slate.EINVALID, "the address is not valid UTF-8"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func validQuery(r *http.Request) bool {
	for k, vs := range r.URL.Query() {
		if !utf8.ValidString(k) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}
