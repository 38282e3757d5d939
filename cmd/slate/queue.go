package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// queueCommands are rendering, the queue, jobs, batches and takes.
func (a *app) queueCommands() []*cobra.Command {
	return []*cobra.Command{a.renderCommand(), a.queueCommand(), a.jobCommand(), a.batchCommand(), a.takesCommand(), a.exportCommand()}
}

func (a *app) queueCommand() *cobra.Command {
	var state, batch string
	var pages pageFlags
	cmd := a.leaf("queue [--state S] [--project P] [--batch B]", "Show the organisation's render queue, newest first", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			page, err := readPages(&pages, func(p slate.PageRequest) (*slate.Page[*slate.Job], error) {
				return c.Jobs(ctx, org, slate.JobFilter{State: slate.JobState(state), ProjectID: a.projectFlag,
					BatchID: batch, PageRequest: p})
			})
			if err != nil {
				return err
			}
			names := a.memberNames(ctx, c, org)
			return a.emit(page, func(t table) {
				jobRows(t, page.Items, names)
				if page.NextCursor != "" {
					t.row(more("slate queue", page.NextCursor))
				}
			})
		})
	fs := cmd.Flags()
	fs.StringVar(&state, "state", "", "only jobs in this state: "+stateNames())
	fs.StringVar(&batch, "batch", "", "only the jobs of this batch")
	pages.register(fs, "jobs")
	cmd.AddCommand(a.watchCommand())
	return cmd
}

func stateNames() string {
	s := make([]string, len(slate.JobStates))
	for i, st := range slate.JobStates {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// memberNames maps the organisation's members' ids to their names, for
// tables; without it (or under --json, which has no use for it) they show
// ids.
func (a *app) memberNames(ctx context.Context, c *client.Client, org string) map[string]string {
	if a.json {
		return nil
	}
	members, err := c.ListMembers(ctx, org)
	if err != nil {
		return nil
	}
	names := make(map[string]string, len(members))
	for _, m := range members {
		names[m.UserID] = or(m.Name, m.Email)
	}
	return names
}

// jobRows is the queue table: one row per job.
func jobRows(t table, jobs []*slate.Job, names map[string]string) {
	t.row("ID", "SHOT", "ENGINE", "TIER", "STATE", "PRIORITY", "PROGRESS", "ETA", "HELD/CHARGED", "SUBMITTER", "ERROR")
	for _, j := range jobs {
		t.row(j.ID, clip(j.ShotName, 32), j.Engine, j.Tier, j.State, j.Priority, fmt.Sprintf("%d%%", j.Progress),
			eta(j), num(j.CostHeld)+"/"+num(j.CostCharged), or(names[j.SubmittedBy], j.SubmittedBy), jobError(j))
	}
}

// eta is how long a running job has left, as its engine last said.
func eta(j *slate.Job) string {
	if j.ETA == nil || j.State.Finished() {
		return "-"
	}
	d := time.Until(*j.ETA).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String()
}

func jobError(j *slate.Job) string {
	if j.Error == nil {
		return "-"
	}
	return j.Error.Code + ": " + j.Error.Message
}

// clip shortens s to n characters for a table cell.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// jobDetail shows one job, every field.
func jobDetail(t table, j *slate.Job, names map[string]string) {
	t.row("JOB", j.ID)
	t.row("BATCH", j.BatchID)
	t.row("SHOT", j.ShotName+" ("+j.ShotID+")")
	t.row("ENGINE", j.Engine)
	t.row("TIER", j.Tier)
	t.row("LENGTH", seconds(j.DurationMS))
	t.row("STATE", j.State)
	t.row("PRIORITY", j.Priority)
	t.row("PROGRESS", fmt.Sprintf("%d%%", j.Progress))
	t.row("ETA", eta(j))
	t.row("COST", num(j.Cost))
	t.row("HELD", num(j.CostHeld))
	t.row("CHARGED", num(j.CostCharged))
	t.row("SUBMITTED BY", or(names[j.SubmittedBy], j.SubmittedBy))
	t.row("CREATED", when(j.CreatedAt))
	if j.StartedAt != nil {
		t.row("STARTED", when(*j.StartedAt))
	}
	if j.FinishedAt != nil {
		t.row("FINISHED", when(*j.FinishedAt))
	}
	t.row("ATTEMPTS", j.Attempts)
	if j.TakeID != "" {
		t.row("TAKE", j.TakeID+" (slate takes download "+j.TakeID+")")
	}
	if j.Error != nil {
		t.row("ERROR", jobError(j))
	}
}

// jobActions are what `slate job ACTION JOB` may do, in the order help
// lists them.
var jobActions = []struct {
	action slate.JobAction
	short  string
}{
	{slate.ActionPause, "Pause a queued job"},
	{slate.ActionResume, "Put a paused job back in the queue"},
	{slate.ActionCancel, "Cancel a job (a running one stops at its worker's next heartbeat)"},
	{slate.ActionRetry, "Queue a failed or cancelled job again"},
	{slate.ActionApprove, "Approve a job waiting for approval (needs use_credits)"},
	{slate.ActionReject, "Reject a job waiting for approval (needs use_credits)"},
	{slate.ActionTop, "Move a job above every queued job"},
}

func (a *app) jobCommand() *cobra.Command {
	show := a.leaf("show JOB", "Show a job", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			j, err := c.Job(ctx, args[0])
			if err != nil {
				return err
			}
			return a.emit(j, func(t table) { jobDetail(t, j, a.memberNames(ctx, c, j.OrgID)) })
		})
	priority := a.leaf("priority JOB N", "Change a job's priority (0–100; higher runs first)", cobra.ExactArgs(2),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			var n int
			if _, err := fmt.Sscan(args[1], &n); err != nil || fmt.Sprint(n) != args[1] {
				return usagef("priority %q: want a whole number from %d to %d", args[1], slate.MinPriority, slate.MaxPriority)
			}
			j, err := c.SetPriority(ctx, args[0], n)
			if err != nil {
				return err
			}
			return a.emit(j, func(t table) { jobDetail(t, j, a.memberNames(ctx, c, j.OrgID)) })
		})
	job := group("job", "Show, steer, approve or reject one render job", show, priority)
	for _, ja := range jobActions {
		job.AddCommand(a.leaf(string(ja.action)+" JOB", ja.short, cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
				j, err := c.JobAction(ctx, args[0], ja.action)
				if err != nil {
					return err
				}
				return a.emit(j, func(t table) { jobDetail(t, j, a.memberNames(ctx, c, j.OrgID)) })
			}))
	}
	return job
}

func (a *app) batchCommand() *cobra.Command {
	show := a.leaf("show BATCH", "Show a batch: its jobs, estimate, spend and progress", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			b, err := c.Batch(ctx, args[0])
			if err != nil {
				return err
			}
			return a.emit(b, func(t table) { batchRows(t, b, a.memberNames(ctx, c, b.OrgID)) })
		})
	batch := group("batch", "Show a batch, or pause, resume, cancel, approve, reject or retry its jobs", show)
	for _, ja := range []struct {
		action slate.JobAction
		short  string
	}{
		{slate.ActionPause, "Pause a batch's queued jobs (running ones finish)"},
		{slate.ActionResume, "Put a batch's paused jobs back in the queue"},
		{slate.ActionCancel, "Cancel every unfinished job of a batch"},
		{slate.ActionApprove, "Approve a batch's jobs waiting for approval (needs use_credits)"},
		{slate.ActionReject, "Reject a batch's jobs waiting for approval (needs use_credits)"},
		{slate.ActionRetry, "Queue a batch's failed and cancelled jobs again"},
	} {
		batch.AddCommand(a.leaf(string(ja.action)+" BATCH", ja.short, cobra.ExactArgs(1),
			func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
				res, err := c.BatchAction(ctx, args[0], ja.action)
				if err != nil {
					return err
				}
				return a.emit(res, func(t table) {
					t.row(string(ja.action), "changed", len(res.Changed), "skipped", res.Skipped)
					if len(res.Changed) > 0 {
						t.row("")
						jobRows(t, res.Changed, a.memberNames(ctx, c, res.Changed[0].OrgID))
					}
				})
			}))
	}
	return batch
}
