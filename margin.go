package slate

import (
	"context"
	"time"
)

// MaxMarginMonths bounds one margin report, which reads a month at a time.
const MaxMarginMonths = 24

// MarginFilter picks the months a margin report covers: the calendar
// months (UTC) from From's to To's, inclusive.
type MarginFilter struct {
	From time.Time
	To   time.Time
}

// Months lists the first instant of each month the filter covers, and the
// instant after the last, refusing a backwards or overlong range.
func (f MarginFilter) Months() ([]time.Time, error) {
	start := monthOf(f.From)
	end := monthOf(f.To).AddDate(0, 1, 0)
	if !start.Before(end) {
		return nil, Invalidf("from", "from must not be after to")
	}
	var out []time.Time
	for m := start; !m.After(end); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
		if len(out) > MaxMarginMonths+1 {
			return nil, Invalidf("to", "a margin report covers at most %d months", MaxMarginMonths)
		}
	}
	return out, nil
}

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// MarginRow is one engine's takes in one month: the credits they were
// charged against what their provider was paid.
type MarginRow struct {
	Month  string `json:"month"` // "2026-12"
	Engine string `json:"engine"`
	Takes  int64  `json:"takes"`
	// Credits are the credits the takes were charged.
	Credits int64 `json:"credits"`
	// ProviderCost is what the provider was paid, in millionths of
	// Currency; takes whose engine has no cost in the engines file add
	// nothing and are counted in Unpriced.
	ProviderCost int64  `json:"provider_cost"`
	Currency     string `json:"currency,omitempty"`
	Unpriced     int64  `json:"unpriced,omitempty"`
	// Revenue is what the credits sold for and Margin what is left after
	// the provider, in millionths of Currency, when the deployment says
	// what a credit is worth.
	Revenue *int64 `json:"revenue,omitempty"`
	Margin  *int64 `json:"margin,omitempty"`
}

// MarginReport is an organisation's margin per engine and month.
type MarginReport struct {
	// CreditValue is what one credit sells for, in millionths of Currency;
	// 0 when the deployment does not say.
	CreditValue int64       `json:"credit_value,omitempty"`
	Currency    string      `json:"currency,omitempty"`
	Rows        []MarginRow `json:"rows"`
}

// Value fills each row's revenue and margin at creditValue millionths of
// currency per credit; a row priced in another currency is left alone.
func (r *MarginReport) Value(creditValue int64, currency string) {
	r.CreditValue, r.Currency = creditValue, currency
	if creditValue <= 0 {
		return
	}
	for i := range r.Rows {
		row := &r.Rows[i]
		if row.Currency != "" && row.Currency != currency {
			continue
		}
		revenue := row.Credits * creditValue
		if creditValue != 0 && revenue/creditValue != row.Credits {
			continue // beyond counting; leave it unvalued
		}
		margin := revenue - row.ProviderCost
		row.Revenue, row.Margin = &revenue, &margin
	}
}

// MarginService reports what renders earned against what their providers
// were paid; it needs billing.
type MarginService interface {
	Margin(ctx context.Context, orgID string, f MarginFilter) (*MarginReport, error)
}
