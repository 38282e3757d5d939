package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/api"
	"slate/events"
	"slate/session"
	"slate/store/storetest"
	"slate/web"
)

// quiet is a logger that drops everything: tests and benchmarks check
// answers, not logs.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newApp wires the web app and the API on env's store the way `slate serve`
// does (web.Server.API = api.Server.Handler()) and returns the web app's
// handler, which serves both.
func newApp(t testing.TB, env *storetest.Env) http.Handler {
	t.Helper()
	db := env.DB
	broker := events.Start(db, events.Options{Clock: env.Clock, Poll: 20 * time.Millisecond, Heartbeat: time.Second})
	t.Cleanup(broker.Stop)
	srv := &api.Server{
		Users: db, Orgs: db, Projects: db, Tree: db, Credits: db, Catalog: db.Catalog, Keys: db,
		Queue: db, Takes: db, Exports: db, Webhooks: db, Events: broker,
		Clock: env.Clock, Logger: quiet, Ready: db.Ping,
	}
	app := &web.Server{
		Users: db, Orgs: db, Projects: db, Tree: db, Credits: db, Queue: db, Takes: db,
		Exports: db, Webhooks: db, Catalog: db.Catalog, Logger: quiet, API: srv.Handler(),
	}
	return app.Handler()
}

// site is the web app and API served over real HTTP on a fresh store.
type site struct {
	t   testing.TB
	env *storetest.Env
	url string
}

// eachSite runs fn as a parallel subtest on a site of every configured
// database: SQLite always, PostgreSQL when SLATE_TEST_POSTGRES is set.
func eachSite(t *testing.T, fn func(t *testing.T, s *site)) {
	t.Helper()
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, newSite(t, b))
		})
	}
}

func newSite(t testing.TB, b storetest.Backend) *site {
	t.Helper()
	env := storetest.Open(t, b)
	// The browser's cookie jar keeps the session cookie until the expiry
	// the store's clock gave it, judged by the real clock: the store's
	// clock starts now rather than at storetest.Epoch.
	env.Clock.Set(time.Now())
	ts := httptest.NewServer(newApp(t, env))
	// Cleanups run last first: the event broker (registered by newApp)
	// stops before the server closes, ending any open event stream.
	t.Cleanup(ts.Close)
	return &site{t: t, env: env, url: ts.URL}
}

// browser is one user's browser: a cookie jar that does not follow
// redirects, so tests see them. Token is the session secret the sign-up
// answered (what the cookie carries); Ctx acts as the user on the store.
type browser struct {
	t      testing.TB
	s      *site
	client *http.Client
	User   *slate.User
	Email  string
	Token  string
	Ctx    context.Context
}

var seq atomic.Int64

const password = "correct horse battery"

// signup creates an account named name through the API, as the sign-up
// page does, and returns the browser it signed in.
func (s *site) signup(name string) *browser {
	s.t.Helper()
	b := s.browser()
	b.Email = fmt.Sprintf("user-%d@example.test", seq.Add(1))
	r := b.send("POST", "/api/v1/auth/signup", slate.Signup{Email: b.Email, Password: password, Name: name}, "")
	if r.Status != http.StatusCreated {
		s.t.Fatalf("sign up %q: %d %s", name, r.Status, r.Body)
	}
	var sess api.Session
	r.decode(s.t, &sess)
	b.User, b.Token, b.Ctx = sess.User, sess.Token, storetest.Ctx(sess.User)
	return b
}

// browser returns a browser with no session.
func (s *site) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return &browser{t: s.t, s: s, client: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// with returns the browser reporting to t.
func (b *browser) with(t testing.TB) *browser {
	c := *b
	c.t = t
	return &c
}

// response is a finished exchange.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %.500s: %v", r.Body, err)
	}
}

// get fetches path with the browser's cookies.
func (b *browser) get(path string) *response {
	b.t.Helper()
	return b.do("GET", path, nil, nil)
}

// send sends body as JSON with the browser's cookies; csrf, when not "",
// goes in the X-CSRF-Token header as the page's script sends it.
func (b *browser) send(method, path string, body any, csrf string) *response {
	b.t.Helper()
	h := http.Header{}
	if csrf != "" {
		h.Set(session.CSRFHeader, csrf)
	}
	return b.do(method, path, body, h)
}

func (b *browser) do(method, path string, body any, h http.Header) *response {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, b.s.url+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// bearer calls the API with the session token as a bearer token, as a
// script would: no cookie, so no CSRF token either. Setup goes this way.
func (b *browser) bearer(method, path string, body any, status int, v any) {
	b.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + b.Token}}
	c := *b
	c.client = &http.Client{Timeout: time.Minute}
	r := c.do(method, path, body, h)
	if r.Status != status {
		b.t.Fatalf("%s %s: %d, want %d: %.500s", method, path, r.Status, status, r.Body)
	}
	if v != nil {
		r.decode(b.t, v)
	}
}

// page fetches an HTML page or fragment, checks it answered 200 with the
// web app's headers and nothing executable, and returns it parsed.
func (b *browser) page(path string) *doc {
	b.t.Helper()
	r := b.get(path)
	return b.html(r, "GET "+path)
}

// html checks r is a 200 HTML answer of the web app and parses it.
func (b *browser) html(r *response, what string) *doc {
	b.t.Helper()
	if r.Status != http.StatusOK {
		b.t.Fatalf("%s: %d %.500s", what, r.Status, r.Body)
	}
	checkHeaders(b.t, what, r.Header, true)
	d := parseHTML(string(r.Body))
	checkInert(b.t, what, d)
	return d
}

// csrf returns the CSRF token a page of the app carries in its
// <meta name="csrf-token">, as the page's script reads it.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	d := b.page(path)
	m := d.first(func(e *element) bool { return e.Name == "meta" && e.attr("name") == "csrf-token" })
	if m == nil || m.attr("content") == "" {
		b.t.Fatalf("GET %s: no csrf-token meta", path)
	}
	return m.attr("content")
}

// checkHeaders checks the headers every page and fragment carries: a
// strict Content-Security-Policy, nosniff and, for HTML, no-store.
func checkHeaders(t testing.TB, what string, h http.Header, html bool) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
		directives["script-src"] != "'self'" || directives["default-src"] != "'none'" ||
		directives["frame-ancestors"] != "'none'" || directives["base-uri"] != "'none'" {
		t.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, got)
	}
	if html {
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", what, got)
		}
		if got := h.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", what, got)
		}
	}
}

// checkInert checks a parsed page cannot run anything it was not built to:
// no script but the app's own, no event-handler attribute, no javascript:
// URL, none of the elements an injection would bring.
func checkInert(t testing.TB, what string, d *doc) {
	t.Helper()
	for _, e := range d.Elements {
		switch e.Name {
		case "script":
			if e.attr("src") != "/static/app.js" || len(e.Attrs) != 2 || !e.has("defer") || strings.TrimSpace(e.Text) != "" {
				t.Errorf("%s: script element %s", what, e)
			}
		case "img", "svg", "iframe", "frame", "object", "embed", "base", "math", "style", "applet", "portal":
			t.Errorf("%s: unexpected element %s", what, e)
		case "link":
			if e.attr("rel") != "stylesheet" || e.attr("href") != "/static/app.css" {
				t.Errorf("%s: link element %s", what, e)
			}
		case "meta":
			if e.has("http-equiv") {
				t.Errorf("%s: meta element %s", what, e)
			}
		}
		for _, a := range e.Attrs {
			if strings.HasPrefix(a.Name, "on") || a.Name == "style" || a.Name == "srcdoc" {
				t.Errorf("%s: element %s has attribute %s", what, e.Name, a.Name)
			}
			switch a.Name {
			case "href", "src", "action", "formaction", "poster", "data", "xlink:href":
				if scheme, _, ok := strings.Cut(urlScheme(a.Value), ":"); ok && scheme != "http" && scheme != "https" {
					t.Errorf("%s: %s=%q on %s", what, a.Name, a.Value, e.Name)
				}
			}
		}
	}
}

// urlScheme returns v as a browser reads a URL's start: without leading
// spaces and control characters and with tabs and newlines dropped,
// lower-cased; it has a colon before any slash, ? or # when v has a scheme.
func urlScheme(v string) string {
	v = strings.TrimLeft(v, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(v)
	if i := strings.IndexAny(v, "/?#"); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(v)
}

// A small HTML tokenizer after the HTML standard's: enough to see a page
// as a browser would for the checks above. A test must not trust the
// escaping it checks, so it parses rather than searches the text: an
// unescaped `"><img onerror=…>` becomes an img element with an onerror
// attribute here just as in a browser.

type attr struct{ Name, Value string }

type element struct {
	Name   string
	Attrs  []attr
	Parent *element
	// Text is the element's decoded text content.
	Text string
}

func (e *element) attr(name string) string {
	if e == nil {
		return ""
	}
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

func (e *element) has(name string) bool {
	if e == nil {
		return false
	}
	for _, a := range e.Attrs {
		if a.Name == name {
			return true
		}
	}
	return false
}

// class reports whether the element has class c.
func (e *element) class(c string) bool {
	return hasString(strings.Fields(e.attr("class")), c)
}

// within returns the closest ancestor named name, or nil.
func (e *element) within(name string) *element {
	for p := e.Parent; p != nil; p = p.Parent {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// disabled reports whether a form control cannot be used: disabled itself
// or inside a disabled fieldset.
func (e *element) disabled() bool {
	if e.has("disabled") {
		return true
	}
	for p := e.Parent; p != nil; p = p.Parent {
		if p.Name == "fieldset" && p.has("disabled") {
			return true
		}
	}
	return false
}

func (e *element) String() string {
	var b strings.Builder
	b.WriteString("<" + e.Name)
	for _, a := range e.Attrs {
		fmt.Fprintf(&b, " %s=%q", a.Name, a.Value)
	}
	b.WriteString(">")
	return b.String()
}

// doc is a parsed page: its elements in document order and its text nodes,
// decoded.
type doc struct {
	Elements []*element
	Texts    []string
}

func (d *doc) first(match func(*element) bool) *element {
	for _, e := range d.Elements {
		if match(e) {
			return e
		}
	}
	return nil
}

func (d *doc) all(match func(*element) bool) []*element {
	var out []*element
	for _, e := range d.Elements {
		if match(e) {
			out = append(out, e)
		}
	}
	return out
}

func (d *doc) byID(id string) *element {
	return d.first(func(e *element) bool { return e.attr("id") == id })
}

// hasText reports whether some text node holds s.
func (d *doc) hasText(s string) bool {
	for _, t := range d.Texts {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// hasAttr reports whether some attribute called name holds s.
func (d *doc) hasAttr(name, s string) bool {
	for _, e := range d.Elements {
		for _, a := range e.Attrs {
			if a.Name == name && strings.Contains(a.Value, s) {
				return true
			}
		}
	}
	return false
}

var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true,
	"hr": true, "img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// rawText elements hold text up to their end tag: script and style as is,
// textarea and title with character references decoded.
var rawText = map[string]bool{"script": true, "style": true, "textarea": true, "title": true,
	"xmp": true, "iframe": true, "noembed": true, "noframes": true}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func parseHTML(s string) *doc {
	d := &doc{}
	var stack []*element
	text := func(t string, decode bool) {
		if decode {
			t = html.UnescapeString(t)
		}
		if t == "" {
			return
		}
		d.Texts = append(d.Texts, t)
		for _, e := range stack {
			e.Text += t
		}
	}
	i := 0
	for i < len(s) {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			text(s[i:], true)
			break
		}
		text(s[i:i+lt], true)
		i += lt
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest[4:], "-->")
			if end < 0 {
				return d
			}
			i += 4 + end + 3
		case strings.HasPrefix(rest, "<!") || strings.HasPrefix(rest, "<?"):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return d
			}
			i += end + 1
		case strings.HasPrefix(rest, "</") && len(rest) > 2 && isLetter(rest[2]):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return d
			}
			name := rest[2:end]
			if j := strings.IndexFunc(name, func(r rune) bool { return r < 128 && (isSpace(byte(r)) || r == '/') }); j >= 0 {
				name = name[:j]
			}
			name = strings.ToLower(name)
			for k := len(stack) - 1; k >= 0; k-- {
				if stack[k].Name == name {
					stack = stack[:k]
					break
				}
			}
			i += end + 1
		case len(rest) > 1 && isLetter(rest[1]):
			e, n := parseStartTag(rest)
			i += n
			if len(stack) > 0 {
				e.Parent = stack[len(stack)-1]
			}
			d.Elements = append(d.Elements, e)
			if voidElements[e.Name] {
				continue
			}
			if rawText[e.Name] {
				end := indexFold(s[i:], "</"+e.Name)
				if end < 0 {
					end = len(s) - i
				}
				stack = append(stack, e)
				text(s[i:i+end], e.Name == "textarea" || e.Name == "title")
				stack = stack[:len(stack)-1]
				i += end
				continue
			}
			stack = append(stack, e)
		default:
			text("<", false)
			i++
		}
	}
	return d
}

// parseStartTag reads the start tag at the beginning of s and returns it
// with the number of bytes it took.
func parseStartTag(s string) (*element, int) {
	i := 1
	for i < len(s) && !isSpace(s[i]) && s[i] != '/' && s[i] != '>' {
		i++
	}
	e := &element{Name: strings.ToLower(s[1:i])}
	for i < len(s) {
		for i < len(s) && (isSpace(s[i]) || s[i] == '/') {
			i++
		}
		if i >= len(s) {
			break
		}
		if s[i] == '>' {
			return e, i + 1
		}
		start := i
		i++ // an attribute's name may start with '='
		for i < len(s) && !isSpace(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=' {
			i++
		}
		name := strings.ToLower(s[start:i])
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		value := ""
		if i < len(s) && s[i] == '=' {
			i++
			for i < len(s) && isSpace(s[i]) {
				i++
			}
			switch {
			case i < len(s) && (s[i] == '"' || s[i] == '\''):
				q := s[i]
				end := strings.IndexByte(s[i+1:], q)
				if end < 0 {
					end = len(s) - i - 1
				}
				value = s[i+1 : i+1+end]
				i += end + 2
			default:
				start := i
				for i < len(s) && !isSpace(s[i]) && s[i] != '>' {
					i++
				}
				value = s[start:i]
			}
		}
		e.Attrs = append(e.Attrs, attr{Name: name, Value: html.UnescapeString(value)})
	}
	return e, len(s)
}

// indexFold is strings.Index ignoring ASCII case, byte for byte.
func indexFold(s, sub string) int {
	lower := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	return strings.Index(lower(s), lower(sub))
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// q escapes a query value.
func q(s string) string { return url.QueryEscape(s) }
