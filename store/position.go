package store

import (
	"context"
	"database/sql"
	"errors"

	"slate"
)

// level is one tier of the tree as stored. Acts, scenes and shots differ only
// in these names, so positions, locks and deletes are written once for all
// three.
type level struct {
	kind  slate.ElementKind
	table string
	// parentCol holds the id of the parent whose children are ordered
	// together: the project of an act, the act of a scene, the scene of a shot.
	parentCol string
	// refCol is the column by which rows below this level name it: scenes
	// and shots carry act_id, shots carry scene_id.
	refCol string
	// alias names the table in the lock-chain join.
	alias string
	depth int
}

var (
	actLevel   = level{slate.KindAct, "acts", "project_id", "act_id", "a", 0}
	sceneLevel = level{slate.KindScene, "scenes", "act_id", "scene_id", "sc", 1}
	shotLevel  = level{slate.KindShot, "shots", "scene_id", "shot_id", "sh", 2}
	levels     = []level{actLevel, sceneLevel, shotLevel}
)

// levelOf returns the stored level of an element kind.
func levelOf(k slate.ElementKind) (level, error) {
	for _, lv := range levels {
		if lv.kind == k {
			return lv, nil
		}
	}
	return level{}, slate.Invalidf("kind", "kind %q is not one of act, scene, shot", k)
}

func invalidPosition(pos, max int) error {
	return slate.Invalidf("position", "position must be between 1 and %d, got %d", max, pos)
}

func (tx *Tx) childCount(ctx context.Context, lv level, parentID string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+lv.table+` WHERE `+lv.parentCol+` = $1`, parentID).Scan(&n)
	return n, err
}

// openSlot makes room for a new child of parentID at pos (0 appends) and
// returns the position it gets. An out-of-range pos is refused before
// anything is written.
func (tx *Tx) openSlot(ctx context.Context, lv level, parentID string, pos int) (int, error) {
	n, err := tx.childCount(ctx, lv, parentID)
	if err != nil {
		return 0, err
	}
	if pos == 0 {
		return n + 1, nil
	}
	if pos < 1 || pos > n+1 {
		return 0, invalidPosition(pos, n+1)
	}
	_, err = tx.ExecContext(ctx, `UPDATE `+lv.table+` SET position = position + 1
		WHERE `+lv.parentCol+` = $1 AND position >= $2`, parentID, pos)
	return pos, err
}

// closeSlot closes the gap a child leaving pos under parentID leaves, so
// positions stay dense.
func (tx *Tx) closeSlot(ctx context.Context, lv level, parentID string, pos int) error {
	_, err := tx.ExecContext(ctx, `UPDATE `+lv.table+` SET position = position - 1
		WHERE `+lv.parentCol+` = $1 AND position > $2`, parentID, pos)
	return err
}

// place puts the element of c at pos under parentID, which is either its own
// parent (a move among siblings) or a new one (a move to another parent), and
// returns its position. A nil pos keeps the place among the same siblings, or
// appends to a new parent. The caller has checked the destination. A move
// carries everything under the element along, so a lock under it refuses
// the move; siblings shifting by one as a neighbour moves are not moved.
func (tx *Tx) place(ctx context.Context, c *chain, parentID string, pos *int) (int, error) {
	lv := c.lv
	if pos != nil && *pos < 1 {
		return 0, slate.Invalidf("position", "position must be 1 or more, got %d", *pos)
	}
	same := parentID == c.parentID
	if same && (pos == nil || *pos == c.position) {
		return c.position, nil
	}
	if err := tx.refuseLockedUnder(ctx, lv, c.el.ID); err != nil {
		return 0, err
	}
	if same {
		return *pos, tx.moveWithin(ctx, c, *pos)
	}
	to := 0
	if pos != nil {
		to = *pos
	}
	to, err := tx.openSlot(ctx, lv, parentID, to)
	if err != nil {
		return 0, err
	}
	if err := tx.closeSlot(ctx, lv, c.parentID, c.position); err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE `+lv.table+` SET `+lv.parentCol+` = $1, position = $2 WHERE id = $3`,
		parentID, to, c.el.ID)
	return to, err
}

// moveWithin moves c's element to position to among its siblings, shifting
// those in between by one.
func (tx *Tx) moveWithin(ctx context.Context, c *chain, to int) error {
	lv, from := c.lv, c.position
	n, err := tx.childCount(ctx, lv, c.parentID)
	if err != nil {
		return err
	}
	if to > n {
		return invalidPosition(to, n)
	}
	shift := `UPDATE ` + lv.table + ` SET position = position + 1 WHERE ` + lv.parentCol + ` = $1 AND position >= $2 AND position < $3`
	lo, hi := to, from
	if to > from {
		shift = `UPDATE ` + lv.table + ` SET position = position - 1 WHERE ` + lv.parentCol + ` = $1 AND position > $2 AND position <= $3`
		lo, hi = from, to
	}
	if _, err := tx.ExecContext(ctx, shift, c.parentID, lo, hi); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE `+lv.table+` SET position = $1 WHERE id = $2`, to, c.el.ID)
	return err
}

// lockProjectRow holds the project row until the transaction ends: on
// PostgreSQL it serializes writers shifting the positions of its acts, as the
// lock chain does for an act's scenes and a scene's shots.
func (tx *Tx) lockProjectRow(ctx context.Context, projectID string) error {
	var id string
	return tx.QueryRowContext(ctx, `SELECT id FROM projects WHERE id = $1`+tx.db.dialect.forUpdate(), projectID).Scan(&id)
}

// deleteElement deletes an act, scene or shot with everything under it and
// closes the gap among its siblings. Nothing on its path or under it may be
// locked: deleting would delete the locked element too.
func (s *DB) deleteElement(ctx context.Context, el slate.ElementRef) error {
	return s.withTx(ctx, func(tx *Tx) error {
		c, err := tx.writable(ctx, el)
		if err != nil {
			return err
		}
		if err := tx.refuseLockedUnder(ctx, c.lv, c.el.ID); err != nil {
			return err
		}
		if err := tx.cancelJobsOf(ctx, c.lv.kind, c.el.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+c.lv.table+` WHERE id = $1`, c.el.ID); err != nil {
			return err
		}
		return tx.closeSlot(ctx, c.lv, c.parentID, c.position)
	})
}

// Reorder sets the order of all children of a project (its acts), an act
// (its scenes) or a scene (its shots). The parent's lock chain must be free,
// and a child that is locked or holds a lock keeps its place: a reorder that
// would move it is refused, as a PATCH of its position would be.
func (s *DB) Reorder(ctx context.Context, parent slate.ElementRef, ids []string) error {
	var lv level
	switch parent.Kind {
	case slate.KindProject:
		lv = actLevel
	case slate.KindAct:
		lv = sceneLevel
	case slate.KindScene:
		lv = shotLevel
	default:
		return slate.Invalidf("kind", "only a project, act or scene has children to reorder")
	}
	return s.withTx(ctx, func(tx *Tx) error {
		if parent.Kind == slate.KindProject {
			if _, _, err := tx.requireProject(ctx, parent.ID, slate.PermModify); err != nil {
				return err
			}
			if err := tx.lockProjectRow(ctx, parent.ID); err != nil {
				return err
			}
		} else if _, err := tx.writable(ctx, parent); err != nil {
			return err
		}
		kids, err := tx.children(ctx, lv, parent.ID)
		if err != nil {
			return err
		}
		if err := checkReorder(kids, ids); err != nil {
			return err
		}
		for i, id := range ids {
			if kids[id].position == i+1 {
				continue
			}
			if l := kids[id].lock; l != nil {
				if err := tx.nameLocks(ctx, l); err != nil {
					return err
				}
				return slate.Locked(l)
			}
			if err := tx.refuseLockedUnder(ctx, lv, id); err != nil {
				return err
			}
		}
		for i, id := range ids {
			if kids[id].position == i+1 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE `+lv.table+` SET position = $1 WHERE id = $2`, i+1, id); err != nil {
				return err
			}
		}
		return nil
	})
}

type child struct {
	position int
	lock     *slate.Lock
}

// children reads a parent's children with their positions and own locks.
func (tx *Tx) children(ctx context.Context, lv level, parentID string) (map[string]child, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, position, locked_by, locked_at, lock_reason
		FROM `+lv.table+` WHERE `+lv.parentCol+` = $1`, parentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	kids := map[string]child{}
	for rows.Next() {
		var id, name string
		var c child
		var lc lockCols
		if err := rows.Scan(append([]any{&id, &name, &c.position}, lc.dest()...)...); err != nil {
			return nil, err
		}
		c.lock = lc.lock(lv.kind, id, name)
		kids[id] = c
	}
	return kids, rows.Err()
}

// checkReorder insists ids name every child exactly once.
func checkReorder(kids map[string]child, ids []string) error {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if _, ok := kids[id]; !ok {
			return slate.Invalidf("ids", "%q is not a child of this parent", id)
		}
		if seen[id] {
			return slate.Invalidf("ids", "%q is listed twice", id)
		}
		seen[id] = true
	}
	if len(ids) != len(kids) {
		return slate.Invalidf("ids", "ids must list all %d children, got %d", len(kids), len(ids))
	}
	return nil
}

// errNoRows maps a missing row to the not-found error of what was asked for.
func errNoRows(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return slate.NotFound(what, id)
	}
	return err
}
