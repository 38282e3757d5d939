package store

import (
	"context"

	"slate"
)

// Batch reads a batch with its jobs in tree order and its totals.
func (s *DB) Batch(ctx context.Context, batchID string) (*slate.Batch, error) {
	var out *slate.Batch
	err := s.withReadTx(ctx, func(tx *Tx) error {
		b, err := tx.loadBatch(ctx, batchID)
		if err != nil {
			return err
		}
		if _, _, err := tx.requireProject(ctx, b.ProjectID, slate.PermRead); err != nil {
			return hideAs(err, "batch", batchID)
		}
		jobs, err := queryAll(ctx, tx, `SELECT `+jobColumns+` FROM jobs WHERE batch_id = $1 ORDER BY id`, scanJob, batchID)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			b.Items = append(b.Items, &j.Job)
		}
		b.Summarise()
		out = b
		return nil
	})
	return out, err
}

func (tx *Tx) loadBatch(ctx context.Context, batchID string) (*slate.Batch, error) {
	b := &slate.Batch{Items: []*slate.Job{}}
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT id, org_id, project_id, COALESCE(quote_id, ''), COALESCE(engine, ''),
		COALESCE(tier, ''), priority, submitted_by, created_at FROM batches WHERE id = $1`, batchID).Scan(
		&b.ID, &b.OrgID, &b.ProjectID, &b.QuoteID, &b.Engine, &b.Tier, &b.Priority, &b.SubmittedBy, &created)
	if err != nil {
		return nil, errNoRows(err, "batch", batchID)
	}
	b.CreatedAt = fromMS(created)
	return b, nil
}
