package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"slate"
)

// TreeView is the left navigation of a project: its tree in order, cut down
// to the shots of one tag when filtered, with each shot's render state.
type TreeView struct {
	Project *slate.Project
	Acts    []*slate.TreeAct
	// Tag filters the tree; Tags are every tag in the project, for the
	// filter's choices.
	Tag  string
	Tags []string
	// States are the live render states of shots with unfinished or failed
	// work; a shot without one shows whether it has a take.
	States map[string]slate.JobState
	Shots  int
	Can    Can
	// Full is the unfiltered tree, for the panels.
	Full *slate.Tree
}

// ProjectView is the project page: tree on the left, one panel on the right.
type ProjectView struct {
	Tree  *TreeView
	Panel string // template of the panel
	Data  any    // the panel's data
}

// projectChoices are the options of a new project.
type projectChoices struct {
	Formats, AspectRatios []string
	FrameRates            []int
}

// orgHome lists the organisation's projects and offers to create one.
func (s *Server) orgHome(ctx context.Context, r *http.Request) (string, *Page, error) {
	orgID := r.PathValue("org")
	p, err := s.layout(ctx, orgID, "Projects", "projects")
	if err != nil {
		return "", nil, err
	}
	cursor := r.URL.Query().Get("cursor")
	page, err := s.Projects.ListProjects(ctx, orgID, slate.PageRequest{Cursor: cursor})
	if err != nil {
		return "", nil, err
	}
	p.Projects, p.ProjectsPager = page.Items, pagerOf("projects", "/orgs/"+url.PathEscape(orgID), cursor, page.NextCursor)
	p.Title = p.Org.Name
	p.Data = projectChoices{Formats: slate.Formats, AspectRatios: slate.AspectRatios, FrameRates: slate.FrameRates}
	return "org", p, nil
}

// newOrg is the page of a user without an organisation.
func (s *Server) newOrg(ctx context.Context, _ *http.Request) (string, *Page, error) {
	p := &Page{Title: "New organisation", Data: s.catalog().Plans}
	return "org-new", p, s.switcher(ctx, p)
}

// projectPage renders the whole project page, the panel chosen by the
// query (?shot=, ?scene=, ?act=) and the tree filtered by ?tag=.
func (s *Server) projectPage(ctx context.Context, r *http.Request) (string, *Page, error) {
	tree, err := s.treeView(ctx, r.PathValue("project"), r.URL.Query().Get("tag"))
	if err != nil {
		return "", nil, err
	}
	p, err := s.layout(ctx, tree.Project.OrgID, tree.Project.Title, "projects")
	if err != nil {
		return "", nil, err
	}
	tree.Can = p.Can
	view := &ProjectView{Tree: tree}
	q := r.URL.Query()
	kind, id := "", ""
	for _, k := range []string{"shot", "scene", "act"} {
		if q.Get(k) != "" {
			kind, id = k, q.Get(k)
			break
		}
	}
	if view.Panel, view.Data, err = s.panelOf(ctx, tree.Full, kind, id, p.Can); err != nil {
		return "", nil, err
	}
	p.Data = view
	return "project", p, nil
}

// treeFragment renders the left navigation alone, for live refreshes.
func (s *Server) treeFragment(ctx context.Context, r *http.Request) (string, any, error) {
	tree, err := s.treeView(ctx, r.PathValue("project"), r.URL.Query().Get("tag"))
	if err != nil {
		return "", nil, err
	}
	if tree.Can, err = s.can(ctx, tree.Project.OrgID); err != nil {
		return "", nil, err
	}
	return "tree", tree, nil
}

// can returns the signed-in member's permissions in an organisation.
func (s *Server) can(ctx context.Context, orgID string) (Can, error) {
	o, err := s.Orgs.GetOrg(ctx, orgID)
	if err != nil {
		return Can{}, err
	}
	return canOf(o.Permissions), nil
}

func (s *Server) treeView(ctx context.Context, projectID, tag string) (*TreeView, error) {
	t, err := s.Projects.Tree(ctx, projectID)
	if err != nil {
		return nil, err
	}
	v := &TreeView{Project: t.Project, Acts: t.Acts, Tag: tag, Tags: tagsOf(t), Full: t}
	if tag != "" {
		shots, err := s.Tree.ResolveSelection(ctx, projectID, slate.Selection{Tags: []string{tag}})
		if err != nil {
			return nil, err
		}
		v.Acts = only(t.Acts, shots)
	}
	for _, a := range v.Acts {
		for _, sc := range a.Scenes {
			v.Shots += len(sc.Shots)
		}
	}
	if v.States, err = s.renderStates(ctx, t.Project); err != nil {
		return nil, err
	}
	return v, nil
}

// liveStates are the job states a shot's badge shows; a finished job shows
// as the take it made.
var liveStates = []slate.JobState{slate.JobRunning, slate.JobQueued, slate.JobPaused,
	slate.JobAwaitingApproval, slate.JobCancelRequested, slate.JobFailed}

// renderStates maps shots to the state of their unfinished (or failed)
// jobs, the most pressing state winning.
func (s *Server) renderStates(ctx context.Context, p *slate.Project) (map[string]slate.JobState, error) {
	states := map[string]slate.JobState{}
	for i := len(liveStates) - 1; i >= 0; i-- {
		st := liveStates[i]
		cursor := ""
		for {
			page, err := s.Queue.Jobs(ctx, p.OrgID, slate.JobFilter{State: st, ProjectID: p.ID,
				PageRequest: slate.PageRequest{Limit: 500, Cursor: cursor}})
			if err != nil {
				return nil, err
			}
			for _, j := range page.Items {
				if j.ShotID != "" {
					states[j.ShotID] = st
				}
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
	}
	return states, nil
}

// only keeps the shots listed, and the scenes and acts that hold them.
func only(acts []*slate.TreeAct, keep []*slate.Shot) []*slate.TreeAct {
	ids := make(map[string]bool, len(keep))
	for _, sh := range keep {
		ids[sh.ID] = true
	}
	var out []*slate.TreeAct
	for _, a := range acts {
		na := &slate.TreeAct{Act: a.Act}
		for _, sc := range a.Scenes {
			ns := &slate.TreeScene{Scene: sc.Scene}
			for _, sh := range sc.Shots {
				if ids[sh.ID] {
					ns.Shots = append(ns.Shots, sh)
				}
			}
			if len(ns.Shots) > 0 {
				na.Scenes = append(na.Scenes, ns)
			}
		}
		if len(na.Scenes) > 0 {
			out = append(out, na)
		}
	}
	return out
}

func tagsOf(t *slate.Tree) []string {
	seen := map[string]bool{}
	var tags []string
	add := func(ts []string) {
		for _, tag := range ts {
			if !seen[tag] {
				seen[tag] = true
				tags = append(tags, tag)
			}
		}
	}
	for _, a := range t.Acts {
		for _, sc := range a.Scenes {
			add(sc.Tags)
			for _, sh := range sc.Shots {
				add(sh.Tags)
			}
		}
	}
	slices.Sort(tags)
	return tags
}
