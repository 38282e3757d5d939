package main

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

func (a *app) budgetCommand() *cobra.Command {
	show := func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
		org, err := a.orgID(ctx, c)
		if err != nil {
			return err
		}
		b, err := c.Budget(ctx, org)
		if err != nil {
			return err
		}
		return a.emit(b, func(t table) { a.budgetRows(ctx, c, org, t, b) })
	}
	budget := a.leaf("budget", "Show the organisation's spend cap, member limits and alerts", cobra.NoArgs, show)

	var percents, below []string
	var spendCap, memberLimit int64
	var members []string
	var clear, noCap, noMemberLimit bool
	set := a.leaf("set", "Change the spend cap, member limits or alerts (needs billing)", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, _ []string) error {
			fs := cmd.Flags()
			if fs.Changed("cap") && noCap || fs.Changed("member-limit") && noMemberLimit {
				return usagef("--cap and --no-cap (or --member-limit and --no-member-limit) contradict each other")
			}
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			// The API replaces the whole budget, so start from the current
			// one and change only what the flags name.
			b := &slate.Budget{}
			if !clear {
				if b, err = c.Budget(ctx, org); err != nil {
					return err
				}
			}
			if fs.Changed("alert-percent") {
				if b.AlertPercentUsed, err = int64List("alert-percent", percents); err != nil {
					return err
				}
			}
			if fs.Changed("alert-below") {
				if b.AlertAvailableBelow, err = int64List("alert-below", below); err != nil {
					return err
				}
			}
			if fs.Changed("cap") {
				b.MonthlySpendCap = &spendCap
			}
			if noCap {
				b.MonthlySpendCap = nil
			}
			if fs.Changed("member-limit") {
				b.MemberMonthlyLimit = &memberLimit
			}
			if noMemberLimit {
				b.MemberMonthlyLimit = nil
			}
			for _, m := range members {
				who, n, ok := strings.Cut(m, "=")
				if !ok || who == "" {
					return usagef("--member %q: want USER=CREDITS, or USER= to remove the member's own limit", m)
				}
				uid, err := a.userID(ctx, c, org, who)
				if err != nil {
					return err
				}
				if b.MemberLimits == nil {
					b.MemberLimits = map[string]int64{}
				}
				if n == "" {
					delete(b.MemberLimits, uid)
					continue
				}
				v, err := strconv.ParseInt(n, 10, 64)
				if err != nil {
					return usagef("--member %q: %q is not a whole number of credits", m, n)
				}
				b.MemberLimits[uid] = v
			}
			out, err := c.SetBudget(ctx, org, *b)
			if err != nil {
				return err
			}
			return a.emit(out, func(t table) { a.budgetRows(ctx, c, org, t, out) })
		})
	fs := set.Flags()
	fs.StringSliceVar(&percents, "alert-percent", nil, "alert when these percents of the monthly allocation are used (e.g. 50,80; none for no alerts)")
	fs.StringSliceVar(&below, "alert-below", nil, "alert when available credits drop below these amounts (repeatable; none for no alerts)")
	fs.Int64Var(&spendCap, "cap", 0, "monthly spend cap: work that would cross it is refused")
	fs.BoolVar(&noCap, "no-cap", false, "remove the monthly spend cap")
	fs.Int64Var(&memberLimit, "member-limit", 0, "monthly limit of every member without one of their own: work over it waits for approval")
	fs.BoolVar(&noMemberLimit, "no-member-limit", false, "remove the limit for every member")
	fs.StringArrayVar(&members, "member", nil, "one member's monthly limit as USER=CREDITS (id or email); USER= removes it (repeatable)")
	fs.BoolVar(&clear, "clear", false, "start from an empty budget: no cap, no limits, no alerts, then apply the other flags")
	budget.AddCommand(set)
	return budget
}

// budgetRows shows member limits by email where the member list is readable,
// since ids are for machines.
func (a *app) budgetRows(ctx context.Context, c *client.Client, orgID string, t table, b *slate.Budget) {
	t.row("ALERT AT % USED", listText(b.AlertPercentUsed))
	t.row("ALERT BELOW", listText(b.AlertAvailableBelow))
	t.row("MONTHLY SPEND CAP", optional(b.MonthlySpendCap))
	t.row("MEMBER MONTHLY LIMIT", optional(b.MemberMonthlyLimit))
	if len(b.MemberLimits) == 0 {
		return
	}
	emails := map[string]string{}
	if ms, err := c.ListMembers(ctx, orgID); err == nil {
		for _, m := range ms {
			emails[m.UserID] = m.Email
		}
	}
	ids := make([]string, 0, len(b.MemberLimits))
	for id := range b.MemberLimits {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.row("LIMIT OF "+or(emails[id], id), num(b.MemberLimits[id]))
	}
}

// int64List reads a list flag of whole numbers, where "none" (or nothing)
// is the empty list, so one kind of alert can be removed alone.
func int64List(name string, vs []string) ([]int64, error) {
	out := []int64{}
	for _, v := range vs {
		v = strings.TrimSpace(v)
		if v == "" || strings.EqualFold(v, "none") {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, usagef("--%s %q: want whole numbers, or none", name, v)
		}
		out = append(out, n)
	}
	return out, nil
}

func listText(ns []int64) string {
	if len(ns) == 0 {
		return "none"
	}
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = num(n)
	}
	return strings.Join(s, ", ")
}

func optional(n *int64) string {
	if n == nil {
		return "none"
	}
	return num(*n)
}

// projectBudgetCommand is `slate project budget`: show, set or clear one
// project's budget.
func (a *app) projectBudgetCommand() *cobra.Command {
	var clear bool
	cmd := a.leaf("budget [PROJECT] [--set CREDITS | --clear]", "Show or change a project's budget (changes need billing)", cobra.MaximumNArgs(1),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			id, err := a.projectID(args)
			if err != nil {
				return err
			}
			set := int64Flag(cmd, "set")
			if set != nil && clear {
				return usagef("--set and --clear contradict each other")
			}
			var pb *slate.ProjectBudget
			switch {
			case set != nil:
				pb, err = c.SetProjectBudget(ctx, id, set)
			case clear:
				pb, err = c.SetProjectBudget(ctx, id, nil)
			default:
				pb, err = c.ProjectBudget(ctx, id)
			}
			if err != nil {
				return err
			}
			return a.emit(pb, func(t table) {
				t.row("PROJECT", pb.ProjectID)
				t.row("BUDGET", optional(pb.Budget))
				t.row("SPENT", num(pb.Spent))
				if pb.Budget != nil {
					t.row("LEFT", num(*pb.Budget-pb.Spent))
				}
			})
		})
	cmd.Flags().Int64("set", 0, "set the budget to `CREDITS`")
	cmd.Flags().BoolVar(&clear, "clear", false, "remove the budget")
	return cmd
}
