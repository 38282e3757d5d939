package web

import (
	"context"

	"slate"
)

// orgNames resolves the ids a queue shows to names people read.
type orgNames struct {
	projects []*slate.Project
	project  map[string]string
	member   map[string]string
}

func (s *Server) namesOf(ctx context.Context, orgID string) (*orgNames, error) {
	ps, err := s.allProjects(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ms, err := s.allMembers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	n := &orgNames{projects: ps, project: map[string]string{}, member: map[string]string{}}
	for _, p := range ps {
		n.project[p.ID] = p.Title
	}
	for _, m := range ms {
		n.member[m.UserID] = m.Name
	}
	return n, nil
}

// who names a submitter; one who has left the organisation is no longer
// listed, and the queue keeps their history.
func (n *orgNames) who(userID string) string {
	if name, ok := n.member[userID]; ok {
		return name
	}
	return "a former member"
}

func (n *orgNames) projectTitle(id string) string {
	if t, ok := n.project[id]; ok {
		return t
	}
	return id
}

// canAndNames is what every view of an organisation's jobs needs before it
// reads them: what the member may do, and the names of the ids it shows.
func (s *Server) canAndNames(ctx context.Context, orgID string) (Can, *orgNames, error) {
	can, err := s.can(ctx, orgID)
	if err != nil {
		return Can{}, nil, err
	}
	names, err := s.namesOf(ctx, orgID)
	return can, names, err
}
