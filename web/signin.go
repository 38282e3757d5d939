package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// maxFormBytes bounds a posted sign-in or sign-up form: an email, a name
// and a password, with room to spare.
const maxFormBytes = 16 << 10

// signInForm answers the sign-in or sign-up form (page) posted the plain
// way, by a browser whose script did not run: it passes the fields to the
// API's operation at apiPath, as the script would, so the API's limits and
// rules apply unchanged. On success it hands on the session cookie and
// sends the browser to the page it came for; otherwise it shows the form
// again with the API's message. Passwords travel only in the POST body,
// never in a URL.
//
// A cross-site post is refused (login CSRF: another site signing the
// visitor in to an account of its choosing); see docs/security.md.
func (s *Server) signInForm(page, apiPath string) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderStatus(w, http.StatusForbidden, page, formPage(page, r, nil,
			"This form was sent from another site. Open Slate's own sign-in page and try again."))
	}))
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			s.renderStatus(w, http.StatusBadRequest, page, formPage(page, r, nil, "The form could not be read; try again."))
			return
		}
		// PostForm holds the body's fields only: a password put in the
		// query string is not read.
		f := r.PostForm
		fields := map[string]string{"email": f.Get("email"), "password": f.Get("password")}
		if page == "signup" {
			fields["name"] = f.Get("name")
		}
		res := s.passOn(r, apiPath, fields)
		if res.status/100 == 2 {
			for _, c := range res.header.Values("Set-Cookie") {
				w.Header().Add("Set-Cookie", c)
			}
			http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
		var problem struct{ Detail string }
		msg := "Something went wrong on the server; it has been logged."
		if res.status < 500 && json.Unmarshal(res.body.Bytes(), &problem) == nil && problem.Detail != "" {
			msg = problem.Detail
		}
		if ra := res.header.Get("Retry-After"); ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		s.renderStatus(w, res.status, page, formPage(page, r, f, msg))
	}))
}

// formPage is the sign-in or sign-up page again, with the email and name
// of the posted fields kept (the password never is) and an error.
func formPage(page string, r *http.Request, fields url.Values, msg string) *Page {
	return &Page{Title: strings.ToUpper(page[:1]) + page[1:], Next: safeNext(r.URL.Query().Get("next")),
		Email: fields.Get("email"), Name: fields.Get("name"), Error: msg}
}

// passOn sends fields as JSON to the API's operation at path, as from the
// client of r (its address, for the API's limits, and its scheme, for the
// cookie's Secure flag), and answers what the API did.
func (s *Server) passOn(r *http.Request, path string, fields map[string]string) *captured {
	res := &captured{header: http.Header{}}
	body, err := json.Marshal(fields)
	if err != nil || s.API == nil {
		res.status = http.StatusInternalServerError
		return res
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, path, bytes.NewReader(body))
	if err != nil {
		res.status = http.StatusInternalServerError
		return res
	}
	req.RemoteAddr, req.TLS, req.Host = r.RemoteAddr, r.TLS, r.Host
	for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "User-Agent"} {
		if v := r.Header.Values(h); len(v) > 0 {
			req.Header[h] = v
		}
	}
	req.Header.Set("Content-Type", "application/json")
	s.API.ServeHTTP(res, req)
	if res.status == 0 {
		res.status = http.StatusOK
	}
	return res
}

// captured is the API's answer to a request the web app passed on.
type captured struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captured) Header() http.Header { return c.header }

func (c *captured) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captured) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(b)
}

// safeNext keeps a "next" that is a path of this site and answers "/" for
// anything else: browsers read "\" as "/" and drop tabs and newlines, so
// "/\evil.test" would leave it.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\t\r\n") {
		return "/"
	}
	return next
}
