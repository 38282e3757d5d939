package store

import (
	"context"
	"database/sql"
	"errors"

	"slate"
	"slate/ledger"
)

// Budget reads an organisation's limits and alert thresholds.
func (s *DB) Budget(ctx context.Context, orgID string) (*slate.Budget, error) {
	var out slate.Budget
	err := s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermRead); err != nil {
			return err
		}
		b, err := s.readBalance(ctx, tx, orgID)
		if err == nil {
			out = normalBudget(b.budget.Budget)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// normalBudget gives empty lists rather than nulls to clients.
func normalBudget(b slate.Budget) slate.Budget {
	if b.AlertPercentUsed == nil {
		b.AlertPercentUsed = []int64{}
	}
	if b.AlertAvailableBelow == nil {
		b.AlertAvailableBelow = []int64{}
	}
	return b
}

// SetBudget replaces an organisation's limits and thresholds. A threshold
// already crossed fires at once.
func (s *DB) SetBudget(ctx context.Context, orgID string, in slate.Budget) (*slate.Budget, error) {
	if err := ledger.ValidateBudget(in); err != nil {
		return nil, err
	}
	in = normalBudget(in)
	err := s.withTx(ctx, func(tx *Tx) error {
		u, _, err := tx.requireOrg(ctx, orgID, slate.PermBilling)
		if err != nil {
			return err
		}
		for user := range in.MemberLimits {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM members WHERE org_id = $1 AND user_id = $2`, orgID, user).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return slate.Invalidf("member_limits", "%q is not a member of this organisation", user)
			}
			if err != nil {
				return err
			}
		}
		b, err := tx.lockBalance(ctx, orgID)
		if err != nil {
			return err
		}
		b.budget.Budget = in
		if err := tx.saveBalance(ctx, b); err != nil {
			return err
		}
		if err := tx.audit(ctx, orgID, "", u.ID, "budget.change", nil, "budget and alert thresholds changed"); err != nil {
			return err
		}
		return tx.alert(ctx, b)
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// ProjectBudget reads a project's budget and what it has spent: charges
// and open holds over the project's life.
func (s *DB) ProjectBudget(ctx context.Context, projectID string) (*slate.ProjectBudget, error) {
	var out *slate.ProjectBudget
	err := s.withReadTx(ctx, func(tx *Tx) error {
		p, _, err := tx.requireProject(ctx, projectID, slate.PermRead)
		if err != nil {
			return err
		}
		b, err := s.readBalance(ctx, tx, p.OrgID)
		if err != nil {
			return err
		}
		out, err = tx.projectBudget(ctx, b, projectID)
		return err
	})
	return out, err
}

func (tx *Tx) projectBudget(ctx context.Context, b *balance, projectID string) (*slate.ProjectBudget, error) {
	out := &slate.ProjectBudget{ProjectID: projectID}
	if n, ok := b.budget.Projects[projectID]; ok {
		out.Budget = &n
	}
	err := tx.QueryRowContext(ctx, `SELECT `+spentSum+` FROM holds WHERE project_id = $1`, projectID).Scan(&out.Spent)
	return out, err
}

// SetProjectBudget sets or, with nil, removes a project's budget.
func (s *DB) SetProjectBudget(ctx context.Context, projectID string, budget *int64) (*slate.ProjectBudget, error) {
	if budget != nil && *budget < 0 {
		return nil, slate.Invalidf("budget", "a budget must not be negative, got %d", *budget)
	}
	var out *slate.ProjectBudget
	err := s.withTx(ctx, func(tx *Tx) error {
		p, u, err := tx.requireProject(ctx, projectID, slate.PermBilling)
		if err != nil {
			return err
		}
		b, err := tx.lockBalance(ctx, p.OrgID)
		if err != nil {
			return err
		}
		projects := map[string]int64{}
		for id, n := range b.budget.Projects {
			projects[id] = n
		}
		delete(projects, projectID)
		if budget != nil {
			projects[projectID] = *budget
		}
		b.budget.Projects = projects
		if err := tx.saveBalance(ctx, b); err != nil {
			return err
		}
		if err := tx.audit(ctx, p.OrgID, p.ID, u.ID, "budget.change", nil, "project budget changed"); err != nil {
			return err
		}
		out, err = tx.projectBudget(ctx, b, projectID)
		return err
	})
	return out, err
}
