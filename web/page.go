package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"slate"
	"slate/pricing"
	"slate/session"
)

// templates holds every page and fragment; each file defines templates
// named for what they show, and pages compose the shared "head" and "foot".
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"credits":        slate.FormatCredits,
	"micros":         pricing.FormatMicros,
	"seconds":        formatSeconds,
	"when":           formatTime,
	"date":           formatDate,
	"join":           strings.Join,
	"has":            hasString,
	"pathEsc":        url.PathEscape,
	"queryEsc":       url.QueryEscape,
	"secs":           formatSecondsValue,
	"json":           jsonString,
	"tagSelection":   func(tag string) slate.Selection { return slate.Selection{Tags: []string{tag}} },
	"shotSelection":  func(id string) slate.Selection { return slate.Selection{Shots: []string{id}} },
	"sceneSelection": func(id string) slate.Selection { return slate.Selection{Scenes: []string{id}} },
	"actSelection":   func(id string) slate.Selection { return slate.Selection{Acts: []string{id}} },
	"reviewStatuses": func() []string { return []string{slate.ReviewPending, slate.ReviewApproved, slate.ReviewFlagged} },
	"lockArgs": func(kind, id string, own, locked *slate.Lock, can Can) lockArgs {
		return lockArgs{Kind: kind, ID: id, Lock: own, Locked: locked, Can: can}
	},
	"tagArgs": func(kind, id string, tags []string, can Can) tagArgs {
		return tagArgs{Kind: kind, ID: id, Tags: tags, Can: can}
	},
	"packBody":     func(pack string) slate.PurchaseInput { return slate.PurchaseInput{Pack: pack} },
	"planBody":     func(plan string) map[string]string { return map[string]string{"plan": plan} },
	"quoteBody":    func(id string) slate.BatchInput { return slate.BatchInput{QuoteID: id} },
	"allSelection": func() slate.Selection { return slate.Selection{All: true} },
	"shotRows":     shotRows,
}).ParseFS(templateFS, "templates/*.html"))

// Can is what the signed-in member may do in the organisation on show; the
// pages hide or disable what it does not allow, and the API refuses it
// anyway.
type Can struct {
	Modify, RunAI, UseCredits, Billing, Owner bool
}

func canOf(perms []slate.Permission) Can {
	set, _ := slate.ParsePermissions(perms)
	return Can{
		Modify:     set.Has(slate.PermModify),
		RunAI:      set.Has(slate.PermRunAI),
		UseCredits: set.Has(slate.PermUseCredits),
		Billing:    set.Has(slate.PermBilling),
		Owner:      set.Has(slate.PermOwner),
	}
}

// lockArgs feed the lock control: the element's own lock and the lock
// that freezes it (its own or an ancestor's).
type lockArgs struct {
	Kind, ID     string
	Lock, Locked *slate.Lock
	Can          Can
}

// tagArgs feed the Tags field of a scene or shot.
type tagArgs struct {
	Kind, ID string
	Tags     []string
	Can      Can
}

// Page is what the layout around every page needs; Data is the page's own.
type Page struct {
	Title   string
	Section string // which top-bar link is current
	CSRF    string
	User    *slate.User
	// Orgs fill the switcher: the first page of the user's organisations
	// and the current one; MoreOrgs when there are others.
	Orgs     []*slate.Org
	MoreOrgs bool
	Org      *slate.Org
	Can      Can
	Credits  *slate.Credits
	// Projects fill the left navigation when no project is open, one page
	// of them at a time.
	Projects      []*slate.Project
	ProjectsPager Pager
	Data          any

	// Sign-in pages: the page to go to after, and the fields kept when
	// a posted form comes back with an error (never the password).
	Next, Email, Name string
	// Error pages.
	Error string
}

// layout fills the layout for a page of organisation orgID: the switcher,
// the member's permissions and the credits counter.
func (s *Server) layout(ctx context.Context, orgID, title, section string) (*Page, error) {
	org, err := s.Orgs.GetOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	p := &Page{Title: title, Section: section, Org: org, Can: canOf(org.Permissions)}
	if err := s.switcher(ctx, p); err != nil {
		return nil, err
	}
	if p.Credits, err = s.Credits.Credits(ctx, orgID); err != nil {
		return nil, err
	}
	return p, nil
}

// signedIn returns a context carrying the user of the request's session
// cookie, and whether there is one. Pages accept only the cookie: a bearer
// token is for scripts, which have the API.
func (s *Server) signedIn(r *http.Request) (context.Context, bool) {
	secret := session.Secret(r)
	if secret == "" {
		return r.Context(), false
	}
	u, err := s.Users.Authenticate(r.Context(), secret)
	if err != nil {
		return r.Context(), false
	}
	ctx := slate.NewContextWithUser(r.Context(), u)
	return context.WithValue(ctx, secretKey{}, secret), true
}

type secretKey struct{}

func csrfOf(ctx context.Context) string {
	secret, _ := ctx.Value(secretKey{}).(string)
	return session.CSRFToken(secret)
}

func validCSRF(ctx context.Context, r *http.Request) bool {
	secret, _ := ctx.Value(secretKey{}).(string)
	return session.ValidCSRF(r, secret)
}

func formatSeconds(ms int64) string {
	if ms%1000 == 0 {
		return fmt.Sprintf("%d s", ms/1000)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

// formatSecondsValue is a duration as a number input shows it.
func formatSecondsValue(ms int64) string {
	return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
}

// jsonString is v as JSON, for data attributes the script reads; the
// template escapes it for the attribute like any other string.
func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func formatTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if v == nil {
			return ""
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	}
	return ""
}

func formatDate(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { b := buffers.Get().(*bytes.Buffer); b.Reset(); return b }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 8<<20 {
		buffers.Put(b)
	}
}
