package store

import (
	"context"

	"slate"
)

// Margin sums an organisation's takes per month and engine: the credits
// charged and what their providers were paid. It reads a month at a time,
// each with one grouped query over the takes_org_created index.
func (s *DB) Margin(ctx context.Context, orgID string, f slate.MarginFilter) (*slate.MarginReport, error) {
	months, err := f.Months()
	if err != nil {
		return nil, err
	}
	out := &slate.MarginReport{Rows: []slate.MarginRow{}}
	err = s.withReadTx(ctx, func(tx *Tx) error {
		if _, _, err := tx.requireOrg(ctx, orgID, slate.PermBilling); err != nil {
			return err
		}
		for i := 0; i+1 < len(months); i++ {
			rows, err := tx.QueryContext(ctx, `SELECT engine, provider_currency, COUNT(*), SUM(cost), SUM(provider_cost),
				SUM(CASE WHEN provider_unit = '' THEN 1 ELSE 0 END)
				FROM takes WHERE org_id = $1 AND created_at >= $2 AND created_at < $3
				GROUP BY engine, provider_currency ORDER BY engine, provider_currency`,
				orgID, ms(months[i]), ms(months[i+1]))
			if err != nil {
				return err
			}
			for rows.Next() {
				r := slate.MarginRow{Month: months[i].Format("2006-01")}
				if err := rows.Scan(&r.Engine, &r.Currency, &r.Takes, &r.Credits, &r.ProviderCost, &r.Unpriced); err != nil {
					rows.Close()
					return err
				}
				out.Rows = append(out.Rows, r)
			}
			if err := rows.Err(); err != nil {
				rows.Close()
				return err
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
