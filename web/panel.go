package web

import (
	"context"
	"net/http"

	"slate"
)

// ShotView is the shot panel.
type ShotView struct {
	Shot    *slate.Shot
	Project *slate.Project
	Scene   *slate.Scene
	// Locked is the lock that freezes the shot, its own or an ancestor's.
	Locked *slate.Lock
	Takes  []*slate.Take
	Scenes []SceneChoice
	// Cost is what generating the shot at its engine and tier costs now;
	// CostError says why it cannot be priced.
	Cost      int64
	CostError string
	Engines   []string
	Tiers     []string
	Can       Can
}

// SceneChoice is a scene a shot can move to.
type SceneChoice struct {
	ID, Name, Act string
}

// SceneView is the scene panel.
type SceneView struct {
	Scene    *slate.TreeScene
	Act      *slate.TreeAct
	Project  *slate.Project
	Locked   *slate.Lock
	Approved int
	Acts     []*slate.TreeAct
	Engines  []string
	Tiers    []string
	Can      Can
}

// ActView is the act panel.
type ActView struct {
	Act     *slate.TreeAct
	Project *slate.Project
	Shots   int
	Can     Can
}

// ProjectPanel is the panel of the project itself.
type ProjectPanel struct {
	Project *slate.Project
	Acts    []*slate.TreeAct
	Shots   int
	Engines []string
	Tiers   []string
	Can     Can
}

// panel renders one panel for the script to swap in.
func (s *Server) panel(ctx context.Context, r *http.Request) (string, any, error) {
	t, err := s.Projects.Tree(ctx, r.PathValue("project"))
	if err != nil {
		return "", nil, err
	}
	can, err := s.can(ctx, t.Project.OrgID)
	if err != nil {
		return "", nil, err
	}
	return s.panelOf(ctx, t, r.PathValue("kind"), r.PathValue("id"), can)
}

// panelOf builds the panel of an element of tree t ("" kind for the
// project's own).
func (s *Server) panelOf(ctx context.Context, t *slate.Tree, kind, id string, can Can) (string, any, error) {
	book := s.catalog().PriceBook
	engines, tiers := s.engineNames(), book.TierNames()
	switch kind {
	case "":
		v := &ProjectPanel{Project: t.Project, Acts: t.Acts, Engines: engines, Tiers: tiers, Can: can}
		for _, a := range t.Acts {
			for _, sc := range a.Scenes {
				v.Shots += len(sc.Shots)
			}
		}
		return "project-panel", v, nil
	case "act":
		for _, a := range t.Acts {
			if a.ID == id {
				v := &ActView{Act: a, Project: t.Project, Can: can}
				for _, sc := range a.Scenes {
					v.Shots += len(sc.Shots)
				}
				return "act-panel", v, nil
			}
		}
	case "scene":
		for _, a := range t.Acts {
			for _, sc := range a.Scenes {
				if sc.ID != id {
					continue
				}
				v := &SceneView{Scene: sc, Act: a, Project: t.Project, Acts: t.Acts,
					Locked: slate.FirstLock(a.Lock, sc.Lock), Engines: engines, Tiers: tiers, Can: can}
				for _, sh := range sc.Shots {
					if sh.ReviewStatus == slate.ReviewApproved {
						v.Approved++
					}
				}
				return "scene-panel", v, nil
			}
		}
	case "shot":
		return s.shotPanel(ctx, t, id, can)
	}
	return "", nil, slate.Errorf(slate.ENOTFOUND, "%s %s not found in this project", kind, id)
}

func (s *Server) shotPanel(ctx context.Context, t *slate.Tree, id string, can Can) (string, any, error) {
	v := &ShotView{Project: t.Project, Engines: s.engineNames(), Tiers: s.catalog().PriceBook.TierNames(), Can: can}
	for _, a := range t.Acts {
		for _, sc := range a.Scenes {
			v.Scenes = append(v.Scenes, SceneChoice{ID: sc.ID, Name: sc.Name, Act: a.Name})
			for _, sh := range sc.Shots {
				if sh.ID == id {
					v.Shot, v.Scene = sh, &sc.Scene
					v.Locked = slate.FirstLock(a.Lock, sc.Lock, sh.Lock)
				}
			}
		}
	}
	if v.Shot == nil {
		return "", nil, slate.Errorf(slate.ENOTFOUND, "shot %s not found in this project", id)
	}
	var err error
	// Every take, so the selected one shows however old it is.
	if v.Takes, err = slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Take], error) {
		return s.Takes.Takes(ctx, id, p)
	}); err != nil {
		return "", nil, err
	}
	v.Cost, err = s.catalog().PriceBook.ShotCost(v.Shot.EffectiveEngine, v.Shot.EffectiveTier, v.Shot.DurationMS)
	if err != nil {
		v.CostError = slate.ErrorMessage(err)
	}
	return "shot-panel", v, nil
}
