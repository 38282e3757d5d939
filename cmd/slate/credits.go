package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// creditCommands are the balance, its history and forecast, packs, plans,
// the price book, budgets and estimates.
func (a *app) creditCommands() []*cobra.Command {
	credits := a.leaf("credits", "Show the organisation's balance", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			cr, err := c.Credits(ctx, org)
			if err != nil {
				return err
			}
			return a.emit(cr, func(t table) { creditRows(t, cr) })
		})
	credits.AddCommand(a.historyCommand(), a.forecastCommand(), a.buyCommand(), a.packsCommand(), a.marginCommand())
	return []*cobra.Command{credits, a.enginesCommand(), a.plansCommand(), a.planCommand(), a.priceBookCommand(),
		a.budgetCommand(), a.estimateCommand(), a.ledgerCommand()}
}

// creditRows shows a balance the way the spec names its parts; the rollover
// bank users see is rollover plus purchased.
func creditRows(t table, cr *slate.Credits) {
	t.row("PLAN", cr.Plan)
	t.row("PERIOD", when(cr.PeriodStart)+" → "+when(cr.PeriodEnd))
	t.row("MONTHLY", num(cr.Monthly))
	t.row("ROLLOVER", num(cr.Rollover))
	t.row("PURCHASED", num(cr.Purchased))
	t.row("ROLLOVER BANK", num(cr.Rollover+cr.Purchased))
	t.row("HELD", num(cr.Held))
	t.row("AVAILABLE", num(cr.Available))
	switch {
	case cr.Cancelled:
		t.row("CANCELLED", "the plan has ended; choose one with: slate plan set PLAN")
	case cr.CancelAtPeriodEnd:
		t.row("CANCELS", "at "+when(cr.PeriodEnd)+"; rollover and purchased credits go then")
	case cr.PendingPlan != "":
		t.row("PENDING", cr.PendingPlan+" from "+when(cr.PeriodEnd))
	}
}

func (a *app) historyCommand() *cobra.Command {
	var member, kind, from, to string
	var pages pageFlags
	cmd := a.leaf("history", "Show the ledger, newest first", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			f := slate.TransactionFilter{ProjectID: a.projectFlag, Kind: slate.EntryKind(kind)}
			var err error
			if f.From, err = dateFlag("from", from); err != nil {
				return err
			}
			if f.To, err = dateFlag("to", to); err != nil {
				return err
			}
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			if member != "" {
				if f.MemberID, err = a.userID(ctx, c, org, member); err != nil {
					return err
				}
			}
			page, err := readPages(&pages, func(p slate.PageRequest) (*slate.Page[*slate.Transaction], error) {
				f.Page = p
				return c.Transactions(ctx, org, f)
			})
			if err != nil {
				return err
			}
			return a.emit(page, func(t table) {
				t.row("DATE", "KIND", "SHOT", "ENGINE", "TIER", "LENGTH", "AMOUNT", "BALANCE AFTER")
				for _, e := range page.Items {
					length := "-"
					if e.DurationMS > 0 {
						length = seconds(e.DurationMS)
					}
					t.row(when(e.At), e.Kind, or(e.ShotName, or(e.Note, "-")), or(e.Engine, "-"), or(e.Tier, "-"),
						length, amount(e), num(e.BalanceAfter))
				}
				if page.NextCursor != "" {
					t.row(more("slate credits history", page.NextCursor))
				}
			})
		})
	fs := cmd.Flags()
	fs.StringVar(&member, "member", "", "only entries this member (id or email) caused")
	fs.StringVar(&kind, "kind", "", "only entries of this kind: allocation, rollover, expiry, purchase, hold, release, charge, adjustment")
	fs.StringVar(&from, "from", "", "only entries at or after this `TIME` (2026-03-01 or RFC 3339)")
	fs.StringVar(&to, "to", "", "only entries before this `TIME` (2026-04-01 or RFC 3339)")
	pages.register(fs, "entries")
	return cmd
}

// dateFlag reads a day (local midnight) or an RFC 3339 time; empty is no
// bound.
func dateFlag(name, v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, time.Local)
	if err != nil {
		return nil, usagef("--%s %q: want a date (2026-03-01) or an RFC 3339 time", name, v)
	}
	return &t, nil
}

// amount is what an entry did to the balance: a charge's cost, a change to
// the buckets, for holds and releases the change to held credits, and for
// moves between buckets (a rollover) each bucket's change.
func amount(e *slate.Transaction) string {
	switch {
	case e.Kind == slate.EntryCharge:
		return "-" + num(e.Cost)
	case e.Amount != 0:
		return signed(e.Amount)
	case e.Held != 0:
		return "held " + signed(e.Held)
	}
	var moves []string
	for _, b := range []struct {
		name string
		n    int64
	}{{"monthly", e.Monthly}, {"rollover", e.Rollover}, {"purchased", e.Purchased}} {
		if b.n != 0 {
			moves = append(moves, b.name+" "+signed(b.n))
		}
	}
	if len(moves) == 0 {
		return "0"
	}
	return strings.Join(moves, ", ")
}

func (a *app) forecastCommand() *cobra.Command {
	return a.leaf("forecast", "Project the balance to the end of the period", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			f, err := c.Forecast(ctx, org)
			if err != nil {
				return err
			}
			return a.emit(f, func(t table) {
				t.row("AVAILABLE", num(f.Available))
				t.row("HELD BY QUEUED WORK", num(f.Held))
				t.row("SPENT THIS PERIOD", num(f.SpentInPeriod))
				t.row("SPENT LAST 7 DAYS", num(f.Spent7Days))
				t.row("BURN PER DAY", num(f.BurnPerDay))
				t.row("PERIOD ENDS", when(f.PeriodEnd))
				t.row("PROJECTED AT PERIOD END", num(f.ProjectedAtPeriodEnd))
				if f.ZeroAt != nil {
					t.row("RUNS OUT", when(*f.ZeroAt))
				}
			})
		})
}

func (a *app) buyCommand() *cobra.Command {
	var key string
	cmd := a.leaf("buy PACK", "Buy a credit pack (plans that allow packs; needs billing)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			p, err := c.BuyCredits(ctx, org, slate.PurchaseInput{Pack: args[0], Key: key})
			if err != nil {
				return err
			}
			return a.emit(p, func(t table) {
				t.row("BOUGHT", p.Pack)
				t.row("CREDITS", num(p.Credits))
				t.row("PRICE", money(p.PriceCents))
				t.row("PAID BY", p.Provider+" "+p.Reference)
				t.row("AT", when(p.At))
			})
		})
	cmd.Flags().StringVar(&key, "key", "", "idempotency `KEY`: buying again with the same key buys once")
	return cmd
}

func (a *app) packsCommand() *cobra.Command {
	return a.leaf("packs", "List the credit packs on sale", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			packs, err := c.ListCreditPacks(ctx)
			if err != nil {
				return err
			}
			return a.emit(packs, func(t table) {
				t.row("PACK", "CREDITS", "PRICE")
				for _, p := range packs {
					t.row(p.Name, num(p.Credits), money(p.PriceCents))
				}
			})
		})
}

// num, signed and money are the CLI's short names for how Slate writes
// amounts for people (slate.FormatCredits and friends).
func num(n int64) string       { return slate.FormatCredits(n) }
func signed(n int64) string    { return slate.FormatChange(n) }
func money(cents int64) string { return slate.FormatCents(cents) }
