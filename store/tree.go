package store

import (
	"cmp"
	"context"
	"slices"

	"slate"
)

var _ slate.TreeService = (*DB)(nil)

// Tree reads a whole project in order, with tags and locks.
func (s *DB) Tree(ctx context.Context, projectID string) (*slate.Tree, error) {
	var t *slate.Tree
	err := s.withReadTx(ctx, func(tx *Tx) error {
		p, _, err := tx.requireProject(ctx, projectID, slate.PermRead)
		if err != nil {
			return err
		}
		t, err = tx.loadTree(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// loadTree reads p's tree in a fixed number of queries whatever its size:
// acts, scenes, shots, the tags of scenes and of shots, and the names of lock
// holders. Rows come unordered and are put in order here, which is cheaper
// than a sort in the database over the shots' wide rows.
func (tx *Tx) loadTree(ctx context.Context, p *slate.Project) (*slate.Tree, error) {
	var locks []*slate.Lock
	acts, err := queryAll(ctx, tx, `SELECT `+actColumns+` FROM acts WHERE project_id = $1`, scanAct, p.ID)
	if err != nil {
		return nil, err
	}
	scenes, err := queryAll(ctx, tx, `SELECT `+sceneColumns+` FROM scenes WHERE project_id = $1`, scanScene, p.ID)
	if err != nil {
		return nil, err
	}
	shots, err := queryAll(ctx, tx, `SELECT `+shotColumns+` FROM shots WHERE project_id = $1`, scanShot, p.ID)
	if err != nil {
		return nil, err
	}

	t := &slate.Tree{Project: p, Acts: make([]*slate.TreeAct, 0, len(acts))}
	actByID := make(map[string]*slate.TreeAct, len(acts))
	for _, a := range acts {
		ta := &slate.TreeAct{Act: *a, Scenes: []*slate.TreeScene{}}
		actByID[a.ID] = ta
		t.Acts = append(t.Acts, ta)
		locks = append(locks, a.Lock)
	}
	sceneByID := make(map[string]*slate.TreeScene, len(scenes))
	for _, sc := range scenes {
		ts := &slate.TreeScene{Scene: *sc, Shots: []*slate.Shot{}}
		sceneByID[sc.ID] = ts
		if ta := actByID[sc.ActID]; ta != nil {
			ta.Scenes = append(ta.Scenes, ts)
		}
		locks = append(locks, sc.Lock)
	}
	shotByID := make(map[string]*slate.Shot, len(shots))
	for _, sh := range shots {
		sh.Resolve(p)
		shotByID[sh.ID] = sh
		if ts := sceneByID[sh.SceneID]; ts != nil {
			ts.Shots = append(ts.Shots, sh)
		}
		if sh.Lock != nil {
			locks = append(locks, sh.Lock)
		}
	}
	err = tx.eachProjectTag(ctx, sceneTags, p.ID, func(id []byte, tag string) {
		if ts := sceneByID[string(id)]; ts != nil {
			ts.Tags = append(ts.Tags, tag)
		}
	})
	if err != nil {
		return nil, err
	}
	err = tx.eachProjectTag(ctx, shotTags, p.ID, func(id []byte, tag string) {
		if sh := shotByID[string(id)]; sh != nil {
			sh.Tags = append(sh.Tags, tag)
		}
	})
	if err != nil {
		return nil, err
	}

	slices.SortFunc(t.Acts, func(a, b *slate.TreeAct) int { return cmp.Compare(a.Position, b.Position) })
	for _, ta := range t.Acts {
		slices.SortFunc(ta.Scenes, func(a, b *slate.TreeScene) int { return cmp.Compare(a.Position, b.Position) })
		for _, ts := range ta.Scenes {
			sortTags(ts.Tags)
			for _, sh := range ts.Shots {
				sortTags(sh.Tags)
			}
			slices.SortFunc(ts.Shots, func(a, b *slate.Shot) int { return cmp.Compare(a.Position, b.Position) })
		}
	}
	return t, tx.nameLocks(ctx, locks...)
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, tx *Tx, query string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
