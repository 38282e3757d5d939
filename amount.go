package slate

import (
	"fmt"
	"strings"
)

// FormatCredits writes an amount of credits as people read balances, with
// thousands separators ("12,500"). The CLI and the web app both show
// credits this way, so a figure reads the same in either.
func FormatCredits(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FormatChange writes a change of credits with its sign spelled out: a
// ledger line of 5,000 must read as credits coming in ("+5,000"), not as a
// balance.
func FormatChange(n int64) string {
	if n > 0 {
		return "+" + FormatCredits(n)
	}
	return FormatCredits(n)
}

// FormatCents writes a price in cents ("225.05"). Slate names no currency;
// the operator's payment provider does.
func FormatCents(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}
