package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"slate"
)

// Some pages need a whole list at once: the queue's names, the access
// table of projects by members, the credits drawer's filters, the billing
// page's webhooks, a shot's takes (so its selected take always shows).
// They follow the list's cursors to its end with slate.Collect; the pages
// that show a list for its own sake (the organisation's projects, the
// user's organisations) show one page and a link to the next.

func (s *Server) allProjects(ctx context.Context, orgID string) ([]*slate.Project, error) {
	return slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Project], error) {
		return s.Projects.ListProjects(ctx, orgID, p)
	})
}

func (s *Server) allMembers(ctx context.Context, orgID string) ([]*slate.Member, error) {
	return slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Member], error) {
		return s.Orgs.ListMembers(ctx, orgID, p)
	})
}

func (s *Server) allInvitations(ctx context.Context, orgID string) ([]*slate.Invitation, error) {
	return slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Invitation], error) {
		return s.Orgs.ListInvitations(ctx, orgID, p)
	})
}

// Pager links one page of a list of Noun ("projects") to the next and back
// to the first.
type Pager struct {
	Noun, First, Next string
}

// pagerOf links the page of base at cursor, whose next page is at next.
func pagerOf(noun, base, cursor, next string) Pager {
	p := Pager{Noun: noun}
	if cursor != "" {
		p.First = base
	}
	if next != "" {
		p.Next = base + "?" + url.Values{"cursor": {next}}.Encode()
	}
	return p
}

// switcher fills p's organisation switcher: the first page of the user's
// organisations, with the current one (p.Org) added when it is on a later
// page, and a way to the rest when there are more.
func (s *Server) switcher(ctx context.Context, p *Page) error {
	page, err := s.Orgs.ListOrgs(ctx, slate.PageRequest{})
	if err != nil {
		return err
	}
	p.Orgs, p.MoreOrgs = page.Items, page.NextCursor != ""
	if p.Org != nil && !slices.ContainsFunc(p.Orgs, func(o *slate.Org) bool { return o.ID == p.Org.ID }) {
		p.Orgs = append(p.Orgs, p.Org)
	}
	return nil
}

// OrgList is the page of every organisation the user belongs to, a page
// of them at a time.
type OrgList struct {
	Orgs  []*slate.Org
	Pager Pager
}

func (s *Server) orgList(ctx context.Context, r *http.Request) (string, *Page, error) {
	cursor := r.URL.Query().Get("cursor")
	page, err := s.Orgs.ListOrgs(ctx, slate.PageRequest{Cursor: cursor})
	if err != nil {
		return "", nil, err
	}
	p := &Page{Title: "Organisations", Data: OrgList{Orgs: page.Items, Pager: pagerOf("organisations", "/orgs", cursor, page.NextCursor)}}
	return "orgs", p, s.switcher(ctx, p)
}
