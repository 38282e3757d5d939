package store

import (
	"context"
	"time"
)

// DefaultHistory is how long finished jobs, batches, events and webhook
// deliveries are kept: the spec's queue history.
const DefaultHistory = 30 * 24 * time.Hour

// PruneHistory deletes what finished before the cutoff: finished jobs,
// batches left with no jobs, delivered or failed webhook deliveries, and
// events no pending delivery still needs. Ledger entries, holds and takes
// are kept: they are the money's history and the film's. It returns how
// many jobs and events it deleted. Exports and their jobs are kept, like
// takes. Several servers may prune at once; each delete is idempotent.
func (s *DB) PruneHistory(ctx context.Context, before time.Time) (jobs, events int64, err error) {
	err = s.withTx(ctx, func(tx *Tx) error {
		cut := ms(before)
		// An export's job stays as long as the export: it is the export's
		// state.
		res, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE state IN ('succeeded', 'failed', 'canceled')
			AND finished_at < $1 AND export_id IS NULL`, cut)
		if err != nil {
			return err
		}
		if jobs, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM batches WHERE created_at < $1
			AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.batch_id = batches.id)`, cut); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE status <> 'pending'
			AND created_at < $1`, cut); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM events WHERE at < $1
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = events.id)`, cut)
		if err != nil {
			return err
		}
		events, err = res.RowsAffected()
		return err
	})
	return jobs, events, err
}
