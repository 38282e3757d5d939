package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"slate"
)

// chain is an element with the path above it: its project, parent, place
// among siblings, and the locks of its act, scene and shot (nil where
// unlocked or below the element's level). A write checks the chain, since a
// lock freezes everything under it.
type chain struct {
	el        slate.ElementRef
	lv        level
	projectID string
	orgID     string
	parentID  string
	position  int
	// ids and locks run act, scene, shot.
	ids   [3]string
	locks [3]*slate.Lock
	// project and user are set once access is checked.
	project *slate.Project
	user    *slate.User
}

// lock returns the outermost lock on the path: the one to lift first.
func (c *chain) lock() *slate.Lock { return slate.FirstLock(c.locks[:]...) }

// own returns the element's own lock.
func (c *chain) own() *slate.Lock { return c.locks[c.lv.depth] }

// chainQueries hold, per depth, the one query that reads an element joined to
// its scene and act. On PostgreSQL the FOR UPDATE form also locks those rows
// (and for an act its project), so the parent's row serializes writers that
// shift its children's positions or check its locks.
var chainQueries = func() [3]string {
	var qs [3]string
	for depth, lv := range levels {
		cols := []string{lv.alias + ".project_id", lv.alias + ".org_id", lv.alias + "." + lv.parentCol, lv.alias + ".position"}
		from := lv.table + " " + lv.alias
		for d := 0; d <= depth; d++ {
			a := levels[d].alias
			cols = append(cols, a+".id", a+".name", a+".locked_by", a+".locked_at", a+".lock_reason")
		}
		for d := depth - 1; d >= 0; d-- {
			up, down := levels[d], levels[d+1]
			from += " JOIN " + up.table + " " + up.alias + " ON " + up.alias + ".id = " + down.alias + "." + down.parentCol
		}
		if depth == 0 {
			from += " JOIN projects p ON p.id = a.project_id"
		}
		qs[depth] = "SELECT " + strings.Join(cols, ", ") + " FROM " + from + " WHERE " + lv.alias + ".id = $1"
	}
	return qs
}()

// loadChain reads el's chain in one query; in a write transaction it locks
// the project and then the chain's rows until the transaction ends. An
// unknown element is ENOTFOUND.
func (tx *Tx) loadChain(ctx context.Context, el slate.ElementRef) (*chain, error) {
	lv, err := levelOf(el.Kind)
	if err != nil {
		return nil, err
	}
	if tx.write {
		if err := tx.lockProjectOf(ctx, lv, el.ID); err != nil {
			return nil, err
		}
	}
	c := &chain{el: el, lv: lv}
	var names [3]string
	var lcs [3]lockCols
	dest := []any{&c.projectID, &c.orgID, &c.parentID, &c.position}
	for d := 0; d <= lv.depth; d++ {
		dest = append(dest, &c.ids[d], &names[d])
		dest = append(dest, lcs[d].dest()...)
	}
	q := chainQueries[lv.depth]
	if tx.write {
		q += tx.db.dialect.forUpdate()
	}
	err = tx.QueryRowContext(ctx, q, el.ID).Scan(dest...)
	if err != nil {
		return nil, errNoRows(err, string(el.Kind), el.ID)
	}
	for d := 0; d <= lv.depth; d++ {
		c.locks[d] = lcs[d].lock(levels[d].kind, c.ids[d], names[d])
	}
	c.el.Name = names[lv.depth]
	return c, tx.nameLocks(ctx, c.locks[:]...)
}

// lockProjectOf locks the project of element id before its chain. Every
// tree write in a project takes this lock first, so writers that touch two
// parents (a move) queue in one order instead of deadlocking on each other's
// scenes.
func (tx *Tx) lockProjectOf(ctx context.Context, lv level, id string) error {
	var projectID string
	err := tx.QueryRowContext(ctx, `SELECT project_id FROM `+lv.table+` WHERE id = $1`, id).Scan(&projectID)
	if err != nil {
		return errNoRows(err, string(lv.kind), id)
	}
	return tx.lockProjectRow(ctx, projectID)
}

// access loads el's chain and checks the acting user holds need on its
// project. An element in a project the user cannot see is ENOTFOUND under
// its own name, so the project's id does not leak.
func (tx *Tx) access(ctx context.Context, el slate.ElementRef, need ...slate.Permission) (*chain, error) {
	c, err := tx.loadChain(ctx, el)
	if err != nil {
		return nil, err
	}
	c.project, c.user, err = tx.requireProject(ctx, c.projectID, need...)
	if slate.ErrorCode(err) == slate.ENOTFOUND {
		return nil, slate.NotFound(string(el.Kind), el.ID)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// writable is access for a write that a lock refuses: editing, moving or
// deleting el, or creating a child in it. It answers 423 naming the
// outermost lock on el's path.
func (tx *Tx) writable(ctx context.Context, el slate.ElementRef) (*chain, error) {
	c, err := tx.access(ctx, el, slate.PermModify)
	if err != nil {
		return nil, err
	}
	if l := c.lock(); l != nil {
		return nil, slate.Locked(l)
	}
	return c, nil
}

// destination loads the new parent of a move of c: it must be in c's
// project and free of locks. field names the input at fault.
func (tx *Tx) destination(ctx context.Context, c *chain, parent slate.ElementRef, field string) (*chain, error) {
	d, err := tx.loadChain(ctx, parent)
	if err != nil {
		return nil, err
	}
	if d.projectID != c.projectID {
		return nil, slate.Invalidf(field, "cannot move into another project")
	}
	if l := d.lock(); l != nil {
		return nil, slate.Locked(l)
	}
	return d, nil
}

// lockUnderQuery reads the outermost lock among the levels from depth `from`
// down whose refCol is $1: the locks below an element, or in a whole project.
func lockUnderQuery(refCol string, from int) string {
	var parts []string
	for d := from; d < len(levels); d++ {
		below := levels[d]
		parts = append(parts, "SELECT "+strconv.Itoa(d)+" AS depth, '"+string(below.kind)+"' AS kind, id, name, locked_by, locked_at, lock_reason FROM "+
			below.table+" WHERE "+refCol+" = $1 AND locked_at IS NOT NULL")
	}
	if len(parts) == 0 {
		return ""
	}
	return "SELECT kind, id, name, locked_by, locked_at, lock_reason FROM (" +
		strings.Join(parts, " UNION ALL ") + ") x ORDER BY depth, locked_at, id LIMIT 1"
}

// lockUnderQueries hold, per depth, the query for the locks below an element;
// projectLockQuery the one for every lock in a project.
var (
	lockUnderQueries = func() [3]string {
		var qs [3]string
		for depth, lv := range levels {
			qs[depth] = lockUnderQuery(lv.refCol, depth+1)
		}
		return qs
	}()
	projectLockQuery = lockUnderQuery("project_id", 0)
)

// refuseLockedUnder answers 423 when anything below the element id of level
// lv is locked.
func (tx *Tx) refuseLockedUnder(ctx context.Context, lv level, id string) error {
	return tx.refuseLock(ctx, lockUnderQueries[lv.depth], id)
}

// refuseLockedIn answers 423 when anything in the project is locked, naming
// the outermost lock.
func (tx *Tx) refuseLockedIn(ctx context.Context, projectID string) error {
	return tx.refuseLock(ctx, projectLockQuery, projectID)
}

func (tx *Tx) refuseLock(ctx context.Context, q, id string) error {
	if q == "" {
		return nil
	}
	var kind, lockedID, name string
	var lc lockCols
	err := tx.QueryRowContext(ctx, q, id).Scan(append([]any{&kind, &lockedID, &name}, lc.dest()...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	l := lc.lock(slate.ElementKind(kind), lockedID, name)
	if err := tx.nameLocks(ctx, l); err != nil {
		return err
	}
	return slate.Locked(l)
}
