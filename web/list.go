package web

import (
	"context"
	"net/url"

	"slate"
)

// Some pages need a whole list at once: the queue's names, the access
// table of projects by members, the credits drawer's filters. They follow
// the list's cursors to its end with slate.Collect; the pages that show a
// list for its own sake (the organisation's projects) show one page and a
// link to the next.

func (s *Server) allProjects(ctx context.Context, orgID string) ([]*slate.Project, error) {
	return slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Project], error) {
		return s.Projects.ListProjects(ctx, orgID, p)
	})
}

// Pager links one page of a list to the next and back to the first.
type Pager struct {
	First, Next string
}

// pagerOf links the page of base at cursor, whose next page is at next.
func pagerOf(base, cursor, next string) Pager {
	var p Pager
	if cursor != "" {
		p.First = base
	}
	if next != "" {
		p.Next = base + "?" + url.Values{"cursor": {next}}.Encode()
	}
	return p
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
