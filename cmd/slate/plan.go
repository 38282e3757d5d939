package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

func (a *app) plansCommand() *cobra.Command {
	return a.leaf("plans", "List the subscription plans", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			plans, err := c.ListPlans(ctx)
			if err != nil {
				return err
			}
			return a.emit(plans, func(t table) {
				t.row("PLAN", "MONTHLY", "ROLLOVER CAP", "RENDERS", "4K", "PACKS")
				for _, p := range plans {
					bank := num(p.RolloverCap)
					if p.RolloverCap == slate.NoRolloverCap {
						bank = "none"
					}
					t.row(p.Name, num(p.MonthlyCredits), bank, p.ConcurrentRenders, yesNo(p.Allow4K), yesNo(p.AllowPacks))
				}
			})
		})
}

func (a *app) planCommand() *cobra.Command {
	set := a.leaf("set PLAN", "Change plan: an upgrade at once, a downgrade at the end of the period", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			cr, err := c.SetPlan(ctx, org, args[0])
			if err != nil {
				return err
			}
			return a.emit(cr, func(t table) { creditRows(t, cr) })
		})
	cancel := a.leaf("cancel", "Cancel the plan at the end of the period", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			cr, err := c.CancelPlan(ctx, org)
			if err != nil {
				return err
			}
			return a.emit(cr, func(t table) { creditRows(t, cr) })
		})
	return group("plan", "Change or cancel the organisation's plan (needs billing)", set, cancel)
}

func (a *app) priceBookCommand() *cobra.Command {
	return a.leaf("price-book", "Show the price book in force", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			b, err := c.PriceBook(ctx)
			if err != nil {
				return err
			}
			return a.emit(b, func(t table) {
				t.row(fmt.Sprintf("price book version %d: cost = ceil(rate × multiplier × seconds)", b.Version))
				t.row("TIER", "MULTIPLIER", "SHORT SIDE")
				for _, tr := range b.Tiers {
					t.row(tr.Name, tr.Multiplier, tr.ShortSide)
				}
				t.row("ENGINE", "CREDITS/S AT DRAFT", "PARTIAL WORK BILLED")
				for _, e := range b.Engines {
					t.row(e.Name, e.CreditsPerSecond, yesNo(e.PartialBillable))
				}
				ac := b.Actions
				t.row("ACTION", "PRICE")
				t.row("script", fmt.Sprintf("%d per run", ac.ScriptPerRun))
				t.row("set or prop", fmt.Sprintf("%d per run", ac.SetPerRun))
				t.row("speech", fmt.Sprintf("%d per 100 characters", ac.SpeechPer100Chars))
				t.row("upscale", fmt.Sprintf("%d per second per tier step", ac.UpscalePerSecondPerStep))
				t.row("export", fmt.Sprintf("%d per second", ac.ExportPerSecond))
			})
		})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
