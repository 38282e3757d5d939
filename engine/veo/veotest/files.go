package veotest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

// geminiFile serves a Gemini API file's download (GET
// /v1beta/files/{id}:download?alt=media with the key) by redirecting to
// storage that needs no key, as the documented `curl -L` follows.
func (s *Server) geminiFile(w http.ResponseWriter, r *http.Request) {
	s.locked(func() { s.downloads++ })
	if !s.geminiAuth(w, r) {
		return
	}
	id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v1beta/files/"), ":download")
	if !ok || r.URL.Query().Get("alt") != "media" || !s.known("gemini", id) {
		googleErr(w, http.StatusNotFound, "NOT_FOUND", "File "+id+" not found.")
		return
	}
	if s.expired() {
		googleErr(w, http.StatusNotFound, "NOT_FOUND", "File "+id+" has expired.")
		return
	}
	http.Redirect(w, r, "/signed/"+id+".mp4?sig="+sign(id), http.StatusFound)
}

// signed serves the video behind a signed address, with ranges.
func (s *Server) signed(w http.ResponseWriter, r *http.Request) {
	id, _ := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/signed/"), ".mp4")
	if r.URL.Query().Get("sig") != sign(id) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	s.serveVideo(w, r)
}

// storage serves Cloud Storage's JSON API object read (GET
// /storage/v1/b/{bucket}/o/{object}?alt=media with the token).
func (s *Server) storage(w http.ResponseWriter, r *http.Request) {
	s.locked(func() { s.downloads++ })
	if !s.vertexAuth(w, r) {
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/storage/v1/b/")
	bucket, object, ok := strings.Cut(rest, "/o/")
	found := false
	s.locked(func() {
		for _, o := range s.ops {
			if o.backend == "vertex" && o.done && o.outcome.Code == 0 && o.outcome.Filtered == nil &&
				o.bucket == bucket && o.object == object {
				found = true
			}
		}
	})
	if !ok || r.URL.Query().Get("alt") != "media" || !found || s.expired() {
		googleErr(w, http.StatusNotFound, "NOT_FOUND", "No such object: "+bucket+"/"+object)
		return
	}
	s.serveVideo(w, r)
}

func (s *Server) serveVideo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "video/mp4")
	http.ServeContent(w, r, "video.mp4", time.Time{}, bytes.NewReader(s.video))
}

// known reports a done operation of backend with a video under id.
func (s *Server) known(backend, id string) (ok bool) {
	s.locked(func() {
		for _, o := range s.ops {
			if o.backend == backend && o.id == id && o.done && o.outcome.Code == 0 && o.outcome.Filtered == nil {
				ok = true
			}
		}
	})
	return ok
}

func (s *Server) expired() (gone bool) {
	s.locked(func() {
		if s.expire > 0 {
			s.expire--
			gone = true
		}
	})
	return gone
}

func sign(id string) string {
	sum := sha256.Sum256([]byte("veotest:" + id))
	return hex.EncodeToString(sum[:8])
}
