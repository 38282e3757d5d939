package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
	"slate/pricing"
)

// enginesCommand lists the server's engines and checks their providers.
func (a *app) enginesCommand() *cobra.Command {
	cmd := a.leaf("engines", "List the engines the server renders with, and whether each provider answers", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			infos, err := c.Engines(ctx)
			if err != nil {
				return err
			}
			return a.emit(infos, func(t table) {
				t.row("ENGINE", "ADAPTER", "MODEL", "MAX", "TIERS", "DURATIONS", "START IMAGE", "CREDITS/S", "PROVIDER COST", "REACHABLE")
				for _, e := range infos {
					t.row(e.Name, e.Adapter, dash(e.Model), limitText(e.MaxConcurrent), tiersText(e.Tiers),
						durationsText(e.EngineOffer), dash(e.StartImage), e.CreditsPerSecond, dash(e.ProviderCost), reachText(e))
				}
			})
		})
	cmd.AddCommand(a.leaf("check NAME", "Make one cheap authenticated call to an engine's provider", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			e, err := c.CheckEngine(ctx, args[0])
			if err != nil {
				return err
			}
			if err := a.emit(e, func(t table) {
				t.row("ENGINE", e.Name)
				t.row("ADAPTER", e.Adapter)
				t.row("MODEL", dash(e.Model))
				t.row("REACHABLE", reachText(e))
			}); err != nil {
				return err
			}
			if e.Reachable != nil && !*e.Reachable {
				return fmt.Errorf("engine %s: its provider did not answer: %s", e.Name, e.Problem)
			}
			return nil
		}))
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func limitText(n int) string {
	if n <= 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func tiersText(tiers []string) string {
	if len(tiers) == 0 {
		return "all"
	}
	return strings.Join(tiers, ",")
}

func durationsText(o slate.EngineOffer) string {
	sec := func(ms int64) string { return strings.TrimSuffix(fmt.Sprintf("%g", float64(ms)/1000), ".0") }
	switch {
	case len(o.DurationsMS) > 0:
		parts := make([]string, len(o.DurationsMS))
		for i, d := range o.DurationsMS {
			parts[i] = sec(d)
		}
		return strings.Join(parts, "/") + " s"
	case o.MinMS > 0 || o.MaxMS > 0:
		return sec(o.MinMS) + "–" + sec(o.MaxMS) + " s"
	}
	return "any"
}

func reachText(e *slate.EngineInfo) string {
	switch {
	case e.Reachable == nil:
		return "-"
	case *e.Reachable:
		return "yes"
	}
	return "no: " + e.Problem
}

// marginCommand shows credits charged against providers' cost.
func (a *app) marginCommand() *cobra.Command {
	var from, to string
	cmd := a.leaf("margin", "Credits charged against what providers were paid, per engine and month (needs billing)", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			r, err := c.Margin(ctx, org, from, to)
			if err != nil {
				return err
			}
			return a.emit(r, func(t table) {
				t.row("MONTH", "ENGINE", "TAKES", "CREDITS", "PROVIDER COST", "REVENUE", "MARGIN")
				for _, row := range r.Rows {
					cost := pricing.FormatMicros(row.ProviderCost) + " " + row.Currency
					if row.Unpriced > 0 {
						cost += fmt.Sprintf(" (%d unpriced)", row.Unpriced)
					}
					t.row(row.Month, row.Engine, row.Takes, num(row.Credits), cost, microsText(row.Revenue, r.Currency),
						microsText(row.Margin, r.Currency))
				}
			})
		})
	cmd.Flags().StringVar(&from, "from", "", "first `MONTH` (YYYY-MM); this month when absent")
	cmd.Flags().StringVar(&to, "to", "", "last `MONTH` (YYYY-MM); --from's month when absent")
	return cmd
}

func microsText(m *int64, currency string) string {
	if m == nil {
		return "-"
	}
	return pricing.FormatMicros(*m) + " " + currency
}
