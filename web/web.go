// Package web is Slate's browser app: pages rendered on the server from
// html/template (which escapes every user string by context), served with a
// strict Content-Security-Policy, and one small plain script that sends
// changes to the JSON API, swaps fragments the server renders and listens to
// the live event feed.
//
// The web app is another client of the domain services. It reads through
// them (so restricted projects and permissions apply exactly as in the API)
// and never writes: every change a page makes is a request to /api/v1, with
// the session's CSRF token, so there is one implementation of every rule.
package web

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"slate"
	"slate/api"
	"slate/pricing"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server renders the web app from the domain services.
type Server struct {
	Users    slate.UserService
	Orgs     slate.OrgService
	Projects slate.ProjectService
	Tree     slate.TreeService
	Credits  slate.CreditService
	Queue    slate.QueueService
	Takes    slate.TakeService
	Exports  slate.ExportService
	Webhooks slate.WebhookService
	// Catalog returns the plans, packs and price book in force.
	Catalog func() pricing.Catalog
	// Engines names the engines the deployment renders with, for the
	// engine choices, and values credits in the margin table; nil offers
	// the default price book's engines.
	Engines EngineRoster
	// Margin reports credits charged against providers' cost; nil leaves
	// the billing page without the table.
	Margin slate.MarginService
	// Clock says which months the margin table shows; nil is the system
	// clock.
	Clock  slate.Clock
	Logger *slog.Logger
	// API serves /api/, /healthz and /metrics beside the pages: the pages'
	// script talks to it on the same origin, with the same cookie.
	API http.Handler
}

// EngineRoster is what the web app asks of the deployment's engines.
type EngineRoster interface {
	Names() []string
	CreditValue() int64
	Currency() string
}

// engineNames are the engines members may choose.
func (s *Server) engineNames() []string {
	if s.Engines == nil {
		return slate.Engines
	}
	return s.Engines.Names()
}

// Handler serves every page, fragment and static file of the web app, and
// the API under its own paths.
func (s *Server) Handler() http.Handler {
	root := http.NewServeMux()
	if s.API != nil {
		root.Handle("/api/", s.API)
		root.Handle("/healthz", s.API)
		root.Handle("/metrics", s.API)
	}
	root.Handle("/", secure(s.refuseBadText(s.pages())))
	return root
}

func (s *Server) pages() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /login", s.public("login"))
	mux.HandleFunc("GET /signup", s.public("signup"))
	mux.Handle("POST /login", s.signInForm("login", "/api/v1/auth/login"))
	mux.Handle("POST /signup", s.signInForm("signup", "/api/v1/auth/signup"))
	mux.HandleFunc("GET /orgs", s.page(s.orgList))
	mux.HandleFunc("GET /orgs/new", s.page(s.newOrg))
	mux.HandleFunc("GET /orgs/{org}", s.page(s.orgHome))
	mux.HandleFunc("GET /projects/{project}", s.page(s.projectPage))
	mux.HandleFunc("GET /panel/tree/{project}", s.fragment(s.treeFragment))
	mux.HandleFunc("GET /panel/project/{project}", s.fragment(s.panel))
	mux.HandleFunc("GET /panel/project/{project}/{kind}/{id}", s.fragment(s.panel))
	mux.HandleFunc("POST /panel/estimate/{project}", s.fragment(s.estimateDialog))
	s.routeQueue(mux)
	s.routeSettings(mux)
	return mux
}

// contentPolicy allows scripts, styles and media from Slate itself only: no
// inline script or style, no plug-ins, no framing.
const contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"media-src 'self'; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// secure adds the headers every response of the web app carries.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// home sends a signed-in user to their first organisation (or to create
// one) and anyone else to sign in.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ctx, ok := s.signedIn(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	orgs, err := s.Orgs.ListOrgs(ctx, slate.PageRequest{Limit: 1})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(orgs.Items) == 0 {
		http.Redirect(w, r, "/orgs/new", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/orgs/"+orgs.Items[0].ID, http.StatusSeeOther)
}

// public serves a page that needs no session: sign in and sign up.
func (s *Server) public(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, name, &Page{Title: strings.ToUpper(name[:1]) + name[1:], Next: safeNext(r.URL.Query().Get("next")),
			Email: r.URL.Query().Get("email")})
	}
}

// page wraps a handler that needs a signed-in user; without one the
// browser goes to sign in and comes back.
func (s *Server) page(h func(context.Context, *http.Request) (string, *Page, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, ok := s.signedIn(r)
		if !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		name, p, err := h(ctx, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.CSRF = csrfOf(ctx)
		p.User = slate.UserFromContext(ctx)
		s.render(w, r, name, p)
	}
}

// fragment wraps a handler that renders part of a page for the script to
// swap in. Fragments that are asked for with POST (they make a quote) need
// the CSRF token like any change.
func (s *Server) fragment(h func(context.Context, *http.Request) (string, any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, ok := s.signedIn(r)
		if !ok {
			s.fail(w, r, slate.Errorf(slate.EUNAUTHENTICATED, "your session has ended: sign in again"))
			return
		}
		if r.Method != http.MethodGet && !validCSRF(ctx, r) {
			s.fail(w, r, slate.Errorf(slate.EFORBIDDEN, "missing or wrong CSRF token: reload the page"))
			return
		}
		name, data, err := h(ctx, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, name, data)
	}
}

// fail answers an error: a full page for a browser's navigation, the bare
// message for the script's fetches, which show it where the user acted.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := slate.ErrorCode(err)
	status := api.Status(code)
	if status == http.StatusInternalServerError {
		s.logger().Error("web", "path", r.URL.Path, "err", err)
	}
	msg := slate.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		msg = "Something went wrong on the server; it has been logged."
	}
	s.renderStatus(w, status, "error", &Page{Title: http.StatusText(status), Error: msg})
}

// render executes the named page or fragment template with status 200.
func (s *Server) render(w http.ResponseWriter, _ *http.Request, name string, data any) {
	s.renderStatus(w, http.StatusOK, name, data)
}

// renderStatus executes a template into a buffer first, so a template that
// fails answers a clean 500 instead of half a page.
func (s *Server) renderStatus(w http.ResponseWriter, status int, name string, data any) {
	buf := getBuffer()
	defer putBuffer(buf)
	if err := templates.ExecuteTemplate(buf, name, data); err != nil {
		s.logger().Error("web", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) catalog() pricing.Catalog {
	if s.Catalog != nil {
		return s.Catalog()
	}
	return pricing.Default()
}
