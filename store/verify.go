package store

import (
	"context"
	"fmt"

	"slate"
)

// VerifyLedger recomputes every organisation's balance from its entries and
// reports each whose stored balance differs, whose entries skip a sequence
// number, or whose held credits differ from its open holds, and how many
// organisations it checked. It reads one consistent snapshot.
func (s *DB) VerifyLedger(ctx context.Context) (int, []slate.LedgerMismatch, error) {
	out := []slate.LedgerMismatch{}
	checked := 0
	err := s.withReadTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT b.org_id, b.monthly, b.rollover, b.purchased, b.held, b.entries,
			COALESCE(e.monthly, 0), COALESCE(e.rollover, 0), COALESCE(e.purchased, 0), COALESCE(e.held, 0),
			COALESCE(e.n, 0), COALESCE(e.last, 0), COALESCE(h.held, 0)
			FROM balances b
			LEFT JOIN (SELECT org_id, SUM(monthly) AS monthly, SUM(rollover) AS rollover, SUM(purchased) AS purchased,
				SUM(held) AS held, COUNT(*) AS n, MAX(seq) AS last FROM ledger_entries GROUP BY org_id) e ON e.org_id = b.org_id
			LEFT JOIN (SELECT org_id, SUM(amount) AS held FROM holds WHERE state = 'open' GROUP BY org_id) h ON h.org_id = b.org_id
			ORDER BY b.org_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m slate.LedgerMismatch
			var entries, n, last, open int64
			if err := rows.Scan(&m.OrgID, &m.Stored.Monthly, &m.Stored.Rollover, &m.Stored.Purchased, &m.Stored.Held, &entries,
				&m.Summed.Monthly, &m.Summed.Rollover, &m.Summed.Purchased, &m.Summed.Held, &n, &last, &open); err != nil {
				return err
			}
			checked++
			var problems []string
			if m.Stored.Monthly != m.Summed.Monthly || m.Stored.Rollover != m.Summed.Rollover ||
				m.Stored.Purchased != m.Summed.Purchased || m.Stored.Held != m.Summed.Held {
				problems = append(problems, "stored balance differs from the sum of its entries")
			}
			if n != entries || last != entries {
				problems = append(problems, fmt.Sprintf("balance counts %d entries, ledger has %d up to seq %d", entries, n, last))
			}
			if open != m.Summed.Held {
				problems = append(problems, fmt.Sprintf("open holds total %d, entries hold %d", open, m.Summed.Held))
			}
			if len(problems) > 0 {
				m.Stored.Available = m.Stored.Monthly + m.Stored.Rollover + m.Stored.Purchased - m.Stored.Held
				m.Summed.Available = m.Summed.Monthly + m.Summed.Rollover + m.Summed.Purchased - m.Summed.Held
				m.Detail = fmt.Sprint(problems)
				out = append(out, m)
			}
		}
		return rows.Err()
	})
	return checked, out, err
}
