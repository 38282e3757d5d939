package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// renderCommand estimates a selection, shows what it costs and what it
// leaves, asks, and submits it with the quote, so what runs is what was
// shown.
func (a *app) renderCommand() *cobra.Command {
	var engine, tier string
	var priority int
	var partial, yes bool
	cmd := &cobra.Command{
		Use:   "render [PROJECT] (selection flags) [--engine E] [--tier T] [--priority N] [--partial] [--yes]",
		Short: "Estimate a selection of shots, confirm, and queue it for rendering",
		Long: "Render prices the selected shots first and shows the estimate: each shot, the\n" +
			"total, and the balance before and after. It asks before submitting (unless\n" +
			"--yes) and submits the quote it showed, so the prices are the ones you saw.\n" +
			"Work that does not fit is refused with the shortfall and what would fix it;\n" +
			"with --partial, as many shots as fit are queued.",
		Args: cobra.MaximumNArgs(1),
	}
	selection := selectionFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&engine, "engine", "", "render every shot with this engine instead of its own")
	fs.StringVar(&tier, "tier", "", "render every shot at this tier instead of its own")
	fs.IntVar(&priority, "priority", slate.DefaultPriority, "queue priority, 0–100; higher runs first")
	fs.BoolVar(&partial, "partial", false, "queue as many shots as fit instead of refusing the whole selection")
	fs.BoolVarP(&yes, "yes", "y", false, "submit without asking")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		sel, err := selection()
		if err != nil {
			return err
		}
		if priority < slate.MinPriority || priority > slate.MaxPriority {
			return usagef("--priority %d: want %d–%d", priority, slate.MinPriority, slate.MaxPriority)
		}
		pid, err := a.projectID(args)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		q, err := c.Estimate(ctx, pid, slate.EstimateInput{Selection: sel, Engine: engine, Tier: tier})
		if err != nil {
			return err
		}
		// The estimate is for people; under --json it goes to stderr so
		// stdout stays the one answer scripts parse.
		if err := a.tableTo(a.estimateOut(), func(t table) { quoteRows(t, q) }); err != nil {
			return err
		}
		if q.Shortfall > 0 && !partial {
			return &slate.Error{Code: slate.ECREDITS, Shortfall: q.Shortfall, Remedies: q.Remedies,
				Message: fmt.Sprintf("the selection costs %s credits and %s are available: nothing submitted (--partial queues what fits)",
					num(q.Total), num(q.BalanceBefore))}
		}
		if !yes {
			what := fmt.Sprintf("Render %d shot(s) for %s credits?", len(q.Lines), num(q.Total))
			if q.Shortfall > 0 {
				what = fmt.Sprintf("Render the shots that fit of %d (%s credits for all)?", len(q.Lines), num(q.Total))
			}
			ok, err := a.confirm(what)
			if err != nil {
				return err
			}
			if !ok {
				return errors.New("not submitted")
			}
		}
		in := slate.BatchInput{QuoteID: q.ID, Partial: partial}
		if cmd.Flags().Changed("priority") {
			in.Priority = &priority
		}
		// One quote is one submission: a retry after a lost answer finds
		// the batch instead of queueing it twice.
		b, err := c.Submit(client.WithIdempotencyKey(ctx, "render-"+q.ID), pid, in)
		if err != nil {
			return err
		}
		return a.emit(b, func(t table) { batchRows(t, b, a.memberNames(ctx, c, b.OrgID)) })
	}
	return cmd
}

// estimateOut is where render shows its estimate: stdout for people,
// stderr under --json.
func (a *app) estimateOut() io.Writer {
	if a.json {
		return a.stderr
	}
	return a.stdout
}

// tableTo draws a table on w whatever --json says.
func (a *app) tableTo(w io.Writer, draw func(t table)) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	draw(table{tw})
	return tw.Flush()
}

// confirm asks a yes/no question on stderr and reads the answer from
// stdin; anything but yes is no. With nothing to read it is a usage error,
// so a script that forgot --yes fails plainly instead of waiting.
func (a *app) confirm(question string) (bool, error) {
	fmt.Fprintf(a.stderr, "%s [y/N] ", question)
	if a.lines == nil {
		a.lines = bufio.NewReader(a.stdin)
	}
	line, err := a.lines.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		fmt.Fprintln(a.stderr)
		return false, usagef("no answer on stdin: pass --yes to submit without asking")
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// batchRows shows a batch: its totals, then each job, then what to do next.
func batchRows(t table, b *slate.Batch, names map[string]string) {
	t.row("BATCH", b.ID)
	t.row("JOBS", fmt.Sprintf("%d (%s)", b.Jobs, stateCounts(b.States)))
	t.row("ESTIMATE", num(b.Estimate))
	t.row("HELD", num(b.Held))
	t.row("SPENT", num(b.Spent))
	t.row("PROGRESS", fmt.Sprintf("%d%%", b.Progress))
	for _, id := range b.Skipped {
		t.row("SKIPPED", id+" (did not fit)")
	}
	t.row("")
	jobRows(t, b.Items, names)
	switch {
	case b.States[slate.JobAwaitingApproval] > 0:
		t.row("")
		t.row("waiting for approval by a member with use_credits: slate batch approve " + b.ID)
	case finishedJobs(b) < b.Jobs:
		t.row("")
		t.row("follow it with: slate queue watch --batch " + b.ID)
	}
}

// finishedJobs counts a batch's jobs that can change no more.
func finishedJobs(b *slate.Batch) int {
	n := 0
	for s, k := range b.States {
		if s.Finished() {
			n += k
		}
	}
	return n
}

// stateCounts lists how many jobs are in each state, in the states' order.
func stateCounts(states map[slate.JobState]int) string {
	var parts []string
	for _, s := range slate.JobStates {
		if n := states[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
