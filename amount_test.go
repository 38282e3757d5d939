package slate_test

import (
	"testing"

	"slate"
)

func TestFormatAmounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n                      int64
		credits, change, money string
	}{
		{0, "0", "0", "0.00"},
		{7, "7", "+7", "0.07"},
		{999, "999", "+999", "9.99"},
		{1000, "1,000", "+1,000", "10.00"},
		{22_505, "22,505", "+22,505", "225.05"},
		{1_234_567, "1,234,567", "+1,234,567", "12345.67"},
		{-1200, "-1,200", "-1,200", "-12.00"},
		{-123_456, "-123,456", "-123,456", "-1234.56"},
	} {
		if got := slate.FormatCredits(tc.n); got != tc.credits {
			t.Errorf("FormatCredits(%d) = %q, want %q", tc.n, got, tc.credits)
		}
		if got := slate.FormatChange(tc.n); got != tc.change {
			t.Errorf("FormatChange(%d) = %q, want %q", tc.n, got, tc.change)
		}
		if got := slate.FormatCents(tc.n); got != tc.money {
			t.Errorf("FormatCents(%d) = %q, want %q", tc.n, got, tc.money)
		}
	}
}
