package store

import (
	"context"
	"slices"

	"slate"
)

// ResolveSelection returns the selected shots of a project in tree order,
// once each, with tags, own locks and effective engine and tier.
func (s *DB) ResolveSelection(ctx context.Context, projectID string, sel slate.Selection) ([]*slate.Shot, error) {
	if err := sel.Validate(); err != nil {
		return nil, err
	}
	var shots []*slate.Shot
	err := s.withReadTx(ctx, func(tx *Tx) error {
		p, _, err := tx.requireProject(ctx, projectID, slate.PermRead)
		if err != nil {
			return err
		}
		shots, err = tx.selectShots(ctx, p, sel)
		return err
	})
	if err != nil {
		return nil, err
	}
	return shots, nil
}

// selectShots resolves sel against p's tree. It reads the whole tree, whose
// cost is bounded by the project's size, rather than one query per kind of
// selector: a selection of a few ids is cheap either way, and one of
// thousands is served by the same fixed handful of queries.
func (tx *Tx) selectShots(ctx context.Context, p *slate.Project, sel slate.Selection) ([]*slate.Shot, error) {
	t, err := tx.loadTree(ctx, p)
	if err != nil {
		return nil, err
	}
	idx, shots := indexTree(t)
	picked, err := slate.Select(idx, sel)
	if err != nil {
		return nil, err
	}
	out := make([]*slate.Shot, len(picked))
	for i, k := range picked {
		out[i] = shots[k]
	}
	return out, nil
}

// indexTree flattens a tree into the index selection works on, with the
// shots in the same order as its places.
func indexTree(t *slate.Tree) (slate.ProjectIndex, []*slate.Shot) {
	var idx slate.ProjectIndex
	var shots []*slate.Shot
	keys := tagKeys{}
	for _, a := range t.Acts {
		idx.Acts = append(idx.Acts, a.ID)
		for _, sc := range a.Scenes {
			idx.Scenes = append(idx.Scenes, sc.ID)
			sceneKeys := keys.of(sc.Tags)
			for _, sh := range sc.Shots {
				idx.Places = append(idx.Places, slate.ShotPlace{
					ShotID: sh.ID, SceneID: sc.ID, ActID: a.ID,
					ShotTags: keys.of(sh.Tags), SceneTags: sceneKeys,
				})
				shots = append(shots, sh)
			}
		}
	}
	return idx, shots
}

// tagKeys remembers the key of each tag spelling: a project repeats a few
// spellings thousands of times.
type tagKeys map[string]string

// of returns the keys of tags, which is tags itself when every tag is
// already its own key, as most are.
func (c tagKeys) of(tags []string) []string {
	var out []string
	for i, t := range tags {
		k, ok := c[t]
		if !ok {
			k = slate.TagKey(t)
			c[t] = k
		}
		if k != t && out == nil {
			out = slices.Clone(tags)
		}
		if out != nil {
			out[i] = k
		}
	}
	if out == nil {
		return tags
	}
	return out
}
