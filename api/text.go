package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-json-experiment/json/jsontext"

	"slate"
)

// textHeaders are the request headers whose values the API uses as text:
// stored (the idempotency key) or compared with stored text (the event id).
var textHeaders = []string{headerIdempotencyKey, "Last-Event-ID"}

// refuseBadText answers 400 invalid when a request's text is not what it
// claims to be, before anything reads it, claims its idempotency key or
// stores it: a path or query parameter or a text header that is not valid
// UTF-8, or a JSON body that is not strict JSON — invalid UTF-8 or a lone
// surrogate in a string, a key given twice in one object, broken syntax.
// huma decodes with encoding/json, which would store invalid UTF-8 as U+FFFD
// and keep the last of two keys: a repair of what the client sent, which it
// never learns of. Each refusal names where the fault is, as the field
// ("name", "selection.tags[1]") and as huma's location ("body.name").
func (s *Server) refuseBadText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := s.badURL(r); p != nil {
			writeProblem(w, r, p)
			return
		}
		if p := badHeader(r.Header); p != nil {
			writeProblem(w, r, p)
			return
		}
		if r.Body != nil && r.ContentLength != 0 && isJSON(r.Header.Get("Content-Type")) {
			// The body is at most the limit (limitBody), and the handler
			// needs all of it anyway.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				writeProblem(w, r, err)
				return
			}
			if p := badJSON(body); p != nil {
				writeProblem(w, r, p)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// isJSON reports whether huma would decode a body of this content type as
// JSON: none given, application/json, or any type with the +json suffix.
func isJSON(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		// huma refuses it without reading the body.
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// badURL finds a path or query parameter that is not valid UTF-8. Both
// arrive percent-encoded, so any byte can be sent.
func (s *Server) badURL(r *http.Request) *Problem {
	if !utf8.ValidString(r.URL.Path) {
		if name := s.pathParam(r); name != "" {
			return refusal("path."+name, "not valid UTF-8", fmt.Sprintf("path parameter %q is not valid UTF-8", name))
		}
		return refusal("path", "not valid UTF-8", "the path is not valid UTF-8")
	}
	q := r.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !utf8.ValidString(k) {
			return refusal("query."+strings.ToValidUTF8(k, "\uFFFD"), "invalid UTF-8 in a name",
				"a query parameter's name is not valid UTF-8")
		}
		for _, v := range q[k] {
			if !utf8.ValidString(v) {
				return refusal("query."+k, "not valid UTF-8", fmt.Sprintf("query parameter %q is not valid UTF-8", k))
			}
		}
	}
	return nil
}

// pathParam names the wildcard of the request's route whose segment of the
// path is not valid UTF-8, or "" when no route's wildcard holds it.
func (s *Server) pathParam(r *http.Request) string {
	_, route, _ := strings.Cut(s.pattern(r), " ")
	segs := strings.Split(r.URL.EscapedPath(), "/")
	for i, part := range strings.Split(route, "/") {
		name, ok := strings.CutPrefix(part, "{")
		if !ok || i >= len(segs) {
			continue
		}
		if seg, err := url.PathUnescape(segs[i]); err == nil && !utf8.ValidString(seg) {
			return strings.TrimSuffix(strings.TrimSuffix(name, "}"), "...")
		}
	}
	return ""
}

func badHeader(h http.Header) *Problem {
	for _, name := range textHeaders {
		for _, v := range h.Values(name) {
			if !utf8.ValidString(v) {
				return refusal("header."+name, "not valid UTF-8", name+" is not valid UTF-8")
			}
		}
	}
	return nil
}

// badJSON walks a JSON body token by token, keeping no tree, and describes
// its first fault; nil means it is strict JSON or empty (which huma judges:
// some operations take no body). jsontext refuses invalid UTF-8 and
// duplicate keys by default, and says where.
func badJSON(body []byte) *Problem {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	for {
		_, err := dec.ReadToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return jsonProblem(body, dec, err)
		}
	}
}

// jsonProblem turns a decoding error into the problem that names its place.
func jsonProblem(body []byte, dec *jsontext.Decoder, err error) *Problem {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return refusal("body", err.Error(), "the request body could not be read: "+err.Error())
	}
	loc := location(dec, se.JSONPointer)
	what := se.Err.Error()
	switch {
	case errors.Is(se.Err, jsontext.ErrDuplicateName):
		what = "duplicate key"
	case inName(dec, se.JSONPointer):
		// The pointer stops at the object; the key itself is the fault.
		if name, ok := nameAt(body, se.ByteOffset); ok {
			loc += "." + name
			what += " in a key"
		}
	}
	return refusal(loc, what, "the request body is refused: "+what+" ("+loc+")")
}

// location writes a JSON pointer as huma writes a field's place:
// body.selection.tags[1]. The decoder's stack tells an array's index from
// an object's key that happens to be a number.
func location(dec *jsontext.Decoder, ptr jsontext.Pointer) string {
	b := []byte("body")
	i := 0
	for tok := range ptr.Tokens() {
		i++
		if i <= dec.StackDepth() {
			if k, _ := dec.StackIndex(i); k == '[' {
				b = append(append(append(b, '['), tok...), ']')
				continue
			}
		}
		b = append(append(b, '.'), tok...)
	}
	return string(b)
}

// inName reports whether the decoder stopped where an object's key belongs:
// inside an object the pointer does not reach into.
func inName(dec *jsontext.Decoder, ptr jsontext.Pointer) bool {
	depth := dec.StackDepth()
	if depth == 0 {
		return false
	}
	k, n := dec.StackIndex(depth)
	tokens := 0
	for range ptr.Tokens() {
		tokens++
	}
	return k == '{' && n%2 == 0 && tokens < depth
}

// nameAt reads the body again, leniently, to find the object key that holds
// the byte at offset, with its invalid UTF-8 shown as U+FFFD. It is only
// asked after a refusal, so reading twice costs nothing in the common case.
func nameAt(body []byte, offset int64) (string, bool) {
	dec := jsontext.NewDecoder(bytes.NewReader(body),
		jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			return "", false
		}
		if dec.InputOffset() <= offset {
			continue
		}
		k, n := dec.StackIndex(dec.StackDepth())
		if tok.Kind() != '"' || k != '{' || n%2 != 1 {
			return "", false
		}
		return tok.String(), true
	}
}

// refusal is a 400 invalid at loc, huma's name for a place in a request
// ("body.selection.tags[1]", "query.kind", "path.project"): the field is
// what follows the first word ("selection.tags[1]", "kind"). what is the short message of its one error
// entry; detail is the problem's sentence.
func refusal(loc, what, detail string) *Problem {
	p := newProblem(http.StatusBadRequest, slate.EINVALID, detail)
	if i := strings.IndexAny(loc, ".["); i >= 0 {
		p.Field = strings.TrimPrefix(loc[i:], ".")
	}
	p.Errors = []*huma.ErrorDetail{{Message: what, Location: loc}}
	return p
}
