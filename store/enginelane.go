package store

import (
	"context"
	"slices"
)

// An engine with a concurrency limit (max_concurrent in the engines file)
// has a row in engine_lanes. A claim of one of its jobs locks that row and
// counts the engine's running jobs under the lock, so workers on many
// servers never together run more than the limit. The count is read from
// the jobs themselves rather than kept beside them, so it cannot drift, and
// a process whose engines file lacks the limit cannot unbalance it.

// addEngineLanes makes sure every limited engine has its row.
func (s *DB) addEngineLanes(ctx context.Context) error {
	for name, o := range s.offers {
		if o.MaxConcurrent <= 0 {
			continue
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO engine_lanes (engine) VALUES ($1) ON CONFLICT (engine) DO NOTHING`, name); err != nil {
			return err
		}
	}
	return nil
}

// limit is the most jobs of engine that may run at once, 0 for no limit.
func (s *DB) limit(engine string) int {
	return s.offers[engine].MaxConcurrent
}

// runningOf counts the engine's jobs that hold a worker.
func (tx *Tx) runningOf(ctx context.Context, engine string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE engine = $1 AND state IN ('running', 'cancel_requested')`,
		engine).Scan(&n)
	return n, err
}

// withRoom drops the engines already at their limit, as far as a read
// without a lock can tell; the claim checks again under the lock.
func (tx *Tx) withRoom(ctx context.Context, engines []string) ([]string, error) {
	out := make([]string, 0, len(engines))
	for _, e := range engines {
		if max := tx.db.limit(e); max > 0 {
			n, err := tx.runningOf(ctx, e)
			if err != nil {
				return nil, err
			}
			if n >= max {
				continue
			}
		}
		out = append(out, e)
	}
	return slices.Clip(out), nil
}

// takeEngineRoom locks engine's row and reports whether one more of its
// jobs may start. A claim takes at most one such lock, and takes it last,
// so two claims never wait on each other in a circle.
func (tx *Tx) takeEngineRoom(ctx context.Context, engine string) (bool, error) {
	max := tx.db.limit(engine)
	if max <= 0 {
		return true, nil
	}
	var name string
	if err := tx.QueryRowContext(ctx, `SELECT engine FROM engine_lanes WHERE engine = $1`+tx.db.dialect.forUpdate(),
		engine).Scan(&name); err != nil {
		return false, err
	}
	n, err := tx.runningOf(ctx, engine)
	return n < max, err
}
