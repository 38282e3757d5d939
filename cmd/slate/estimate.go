package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"slate"
)

// estimateCommand prices a selection of a project (the whole project when
// nothing is selected) and keeps the quote for later submission.
func (a *app) estimateCommand() *cobra.Command {
	var engine, tier string
	cmd := &cobra.Command{
		Use:   "estimate [PROJECT] (selection flags) [--engine E] [--tier T]",
		Short: "Price a selection of shots before rendering it (the whole project by default)",
		Args:  cobra.MaximumNArgs(1),
	}
	selection := selectionFlags(cmd)
	cmd.Flags().StringVar(&engine, "engine", "", "price every shot at this engine instead of its own")
	cmd.Flags().StringVar(&tier, "tier", "", "price every shot at this tier instead of its own")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		// Pricing a whole project is the common question, so no selection
		// means all of it.
		picked := false
		for _, f := range []string{"shot", "scene", "act", "tag", "all"} {
			picked = picked || cmd.Flags().Changed(f)
		}
		if !picked {
			_ = cmd.Flags().Set("all", "true")
		}
		sel, err := selection()
		if err != nil {
			return err
		}
		pid, err := a.projectID(args)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		q, err := c.Estimate(cmd.Context(), pid, slate.EstimateInput{Selection: sel, Engine: engine, Tier: tier})
		if err != nil {
			return err
		}
		return a.emit(q, func(t table) { quoteRows(t, q) })
	}
	return cmd
}

func quoteRows(t table, q *slate.Quote) {
	t.row("SHOT", "ENGINE", "TIER", "LENGTH", "COST")
	var length int64
	for _, l := range q.Lines {
		length += l.DurationMS
		t.row(l.ShotName, l.Engine, l.Tier, seconds(l.DurationMS), num(l.Cost))
	}
	t.row("TOTAL", fmt.Sprintf("%d shots", len(q.Lines)), "", clockTime(length), num(q.Total))
	t.row(fmt.Sprintf("quote %s, price book v%d, valid until %s", q.ID, q.PriceBookVersion, when(q.ExpiresAt)))
	t.row("BALANCE BEFORE", num(q.BalanceBefore))
	t.row("BALANCE AFTER", num(q.BalanceAfter))
	if q.Shortfall == 0 {
		t.row("DRAW", fmt.Sprintf("monthly %s, rollover %s, purchased %s",
			num(q.Draw.Monthly), num(q.Draw.Rollover), num(q.Draw.Purchased)))
		return
	}
	t.row("SHORTFALL", num(q.Shortfall))
	for i, r := range q.Remedies {
		t.row(fmt.Sprintf("REMEDY %d", i+1), remedyText(r))
	}
}

// remedyText says what to do, with the command that does it.
func remedyText(r slate.Remedy) string {
	switch r.Kind {
	case "tier":
		return fmt.Sprintf("render at %s for %s credits (--tier %s)", r.Tier, num(r.Cost), r.Tier)
	case "pack":
		return fmt.Sprintf("buy %s for %s credits (slate credits buy %s)", r.Pack, num(r.Credits), r.Pack)
	case "plan":
		return fmt.Sprintf("upgrade to %s for %s more credits now (slate plan set %s)", r.Plan, num(r.Credits), r.Plan)
	}
	return r.Kind
}
