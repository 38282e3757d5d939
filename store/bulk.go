package store

import (
	"context"

	"slate"
)

// Bulk applies a tag, untag, lock or unlock action to every selected shot in
// one transaction: all of them change, or none. Shots that already are as
// the action would leave them count as selected but not changed.
func (s *DB) Bulk(ctx context.Context, projectID string, in slate.Bulk) (*slate.BulkResult, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var tag string
	if in.Action == slate.BulkTag || in.Action == slate.BulkUntag {
		norm, err := slate.NormalizeTags([]string{in.Tag})
		if err != nil {
			return nil, err
		}
		tag = norm[0]
	}
	var res *slate.BulkResult
	err := s.withTx(ctx, func(tx *Tx) error {
		res = &slate.BulkResult{Action: in.Action, ShotIDs: []string{}}
		p, u, err := tx.requireProject(ctx, projectID, slate.PermModify)
		if err != nil {
			return err
		}
		shots, err := tx.selectShots(ctx, p, in.Selection)
		if err != nil {
			return err
		}
		res.Selected = len(shots)
		for _, sh := range shots {
			res.ShotIDs = append(res.ShotIDs, sh.ID)
		}
		apply, err := tx.bulkAction(ctx, p, u, in, tag, shots)
		if err != nil {
			return err
		}
		for _, sh := range shots {
			changed, err := apply(sh)
			if err != nil {
				return err
			}
			if changed {
				res.Changed++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// bulkAction checks in against every selected shot before anything is
// written, then returns the change to apply to each shot.
func (tx *Tx) bulkAction(ctx context.Context, p *slate.Project, u *slate.User, in slate.Bulk, tag string, shots []*slate.Shot) (func(*slate.Shot) (bool, error), error) {
	ref := func(sh *slate.Shot) slate.ElementRef {
		return slate.ElementRef{Kind: slate.KindShot, ID: sh.ID, Name: sh.Name}
	}
	switch in.Action {
	case slate.BulkTag:
		for _, sh := range shots {
			if !slate.ContainsTag(sh.Tags, tag) && len(sh.Tags) >= slate.MaxTagsPer {
				return nil, slate.Invalidf("tag", "shot %s already has %d tags, the most a shot may carry", sh.ID, slate.MaxTagsPer)
			}
		}
		return func(sh *slate.Shot) (bool, error) {
			if slate.ContainsTag(sh.Tags, tag) {
				return false, nil
			}
			return true, tx.addTag(ctx, shotTags, sh.ID, p.ID, tag)
		}, nil
	case slate.BulkUntag:
		return func(sh *slate.Shot) (bool, error) {
			res, err := tx.ExecContext(ctx, `DELETE FROM shot_tags WHERE shot_id = $1 AND tag_key = $2`, sh.ID, slate.TagKey(tag))
			n, err := affected(res, err)
			return n > 0, err
		}, nil
	case slate.BulkLock:
		by, err := tx.lockHolder(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		return func(sh *slate.Shot) (bool, error) {
			l, err := tx.lockElement(ctx, p.OrgID, p.ID, ref(sh), by, in.Reason)
			return l != nil, err
		}, nil
	default: // slate.BulkUnlock; Validate allows nothing else.
		return func(sh *slate.Shot) (bool, error) {
			return tx.unlockElement(ctx, p.OrgID, p.ID, ref(sh), u.ID)
		}, nil
	}
}
