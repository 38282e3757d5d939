package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// Pacing of `slate queue watch`: the live feed drives it, and a poll every
// few seconds catches what the feed could not tell (changes made before it
// connected, or a server without one). A job the feed spoke of within the
// poll interval keeps the feed's word, which is the newer.
const (
	watchPoll   = 2 * time.Second
	watchRedraw = 100 * time.Millisecond
	barWidth    = 16
)

func (a *app) watchCommand() *cobra.Command {
	var batch string
	cmd := a.leaf("watch [--batch B]", "Follow the queue live: a progress bar per job, and the balance", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			w := &watcher{a: a, c: c, org: org, batch: batch, project: a.projectFlag, jobs: map[string]*watched{},
				tty: !a.json && isTerminal(a.stdout)}
			return w.run(ctx)
		})
	cmd.Long = "Watch shows every unfinished job of the organisation (or of --project, or\n" +
		"--batch) with its progress and ETA, and the balance, updated live from the\n" +
		"event stream. On a terminal it redraws in place; otherwise (a pipe, a log\n" +
		"file) it prints one line per change of state. With --batch it exits once\n" +
		"every job of the batch has finished, with status 1 if any failed; otherwise\n" +
		"it runs until interrupted. --json prints each change as a JSON object per line."
	cmd.Flags().StringVar(&batch, "batch", "", "follow only this batch, and exit once all its jobs have finished")
	return cmd
}

// watched is a job as watch shows it.
type watched struct {
	job *slate.Job
	// heard is when the feed last spoke of the job.
	heard time.Time
}

type watcher struct {
	a              *app
	c              *client.Client
	org            string
	batch, project string
	tty            bool

	jobs    map[string]*watched
	order   []string
	credits *slate.Credits
	drawn   int // lines of the last redraw
	dirty   bool
}

// run shows the starting state, then follows the feed until the batch is
// done or ctx ends.
func (w *watcher) run(ctx context.Context) error {
	if err := w.poll(ctx, true); err != nil {
		return err
	}
	if w.batch != "" && len(w.order) == 0 {
		return fmt.Errorf("batch %s has no jobs", w.batch)
	}
	w.flush()

	feed, stop := context.WithCancel(ctx)
	defer stop()
	events := make(chan slate.Event, 256)
	feedErr := make(chan error, 1)
	go func() {
		feedErr <- w.c.Events(feed, w.org, "", func(e slate.Event) error {
			select {
			case events <- e:
				return nil
			case <-feed.Done():
				return feed.Err()
			}
		})
	}()
	tick := time.NewTicker(watchPoll)
	defer tick.Stop()
	redraw := time.NewTicker(watchRedraw)
	defer redraw.Stop()
	for !w.done() {
		select {
		case <-ctx.Done():
			w.flush()
			return nil
		case e := <-events:
			w.event(e)
			if !w.tty {
				w.flush()
			}
		case err := <-feedErr:
			if ctx.Err() != nil {
				continue
			}
			// The feed refused us (or is not served): polling still works.
			fmt.Fprintf(w.a.stderr, "live events unavailable (%v); polling every %s\n", err, watchPoll)
			feedErr = nil
		case <-tick.C:
			if err := w.poll(ctx, false); err != nil && ctx.Err() == nil {
				fmt.Fprintf(w.a.stderr, "poll: %v\n", err)
			}
			w.flush()
		case <-redraw.C:
			if w.dirty {
				w.flush()
			}
		}
	}
	w.flush()
	return w.summary()
}

// done reports whether a watched batch has finished.
func (w *watcher) done() bool {
	if w.batch == "" || len(w.order) == 0 {
		return false
	}
	for _, id := range w.order {
		if !w.jobs[id].job.State.Finished() {
			return false
		}
	}
	return true
}

// summary ends a batch's watch: what it cost, and an error if any job
// failed, so scripts can tell.
func (w *watcher) summary() error {
	states := map[slate.JobState]int{}
	var spent int64
	for _, id := range w.order {
		j := w.jobs[id].job
		states[j.State]++
		spent += j.CostCharged
	}
	msg := fmt.Sprintf("batch %s finished: %s; %s credits spent", w.batch, stateCounts(states), num(spent))
	if !w.a.json {
		fmt.Fprintln(w.a.stdout, msg)
	}
	if n := states[slate.JobFailed]; n > 0 {
		return fmt.Errorf("%d job(s) of batch %s failed: see slate queue --batch %s", n, w.batch, w.batch)
	}
	return nil
}

// watches reports whether j belongs on the screen.
func (w *watcher) watches(j *slate.Job) bool {
	return (w.batch == "" || j.BatchID == w.batch) && (w.project == "" || j.ProjectID == w.project)
}

// poll reads the jobs and the balance. At the start it takes everything;
// later it adds jobs it did not know and changes the feed has been quiet
// about.
func (w *watcher) poll(ctx context.Context, first bool) error {
	var jobs []*slate.Job
	if w.batch != "" {
		b, err := w.c.Batch(ctx, w.batch)
		if err != nil {
			return err
		}
		jobs = b.Items
	} else {
		// The newest jobs are the ones that change; older unfinished ones
		// are looked up one by one while they are on the screen.
		page, err := w.c.Jobs(ctx, w.org, slate.JobFilter{ProjectID: w.project, PageRequest: slate.PageRequest{Limit: 200}})
		if err != nil {
			return err
		}
		jobs = page.Items
		listed := map[string]bool{}
		for _, j := range jobs {
			listed[j.ID] = true
		}
		for _, id := range w.order {
			if j := w.jobs[id].job; !listed[id] && !j.State.Finished() {
				if fresh, err := w.c.Job(ctx, id); err == nil {
					jobs = append(jobs, fresh)
				}
			}
		}
		if first {
			// Oldest first on the screen, like the order they will run in.
			for i, j := 0, len(jobs)-1; i < j; i, j = i+1, j-1 {
				jobs[i], jobs[j] = jobs[j], jobs[i]
			}
		}
	}
	now := time.Now()
	for _, j := range jobs {
		if !w.watches(j) {
			continue
		}
		known := w.jobs[j.ID]
		switch {
		case known == nil && w.batch == "" && j.State.Finished():
			// History, not the queue.
		case known == nil, now.Sub(known.heard) >= watchPoll:
			w.update(j, time.Time{})
		}
	}
	cr, err := w.c.Credits(ctx, w.org)
	if err != nil {
		return err
	}
	w.balance(cr)
	return nil
}

// event applies one event of the feed.
func (w *watcher) event(e slate.Event) {
	raw, err := json.Marshal(e.Payload)
	if err != nil {
		return
	}
	switch e.Kind {
	case slate.EventJob:
		var j slate.Job
		if json.Unmarshal(raw, &j) == nil && j.ID != "" && w.watches(&j) {
			w.update(&j, time.Now())
		}
	case slate.EventBalance:
		var cr slate.Credits
		if json.Unmarshal(raw, &cr) == nil {
			w.balance(&cr)
		}
	}
}

// update records j; without a terminal, a change of state is a line.
func (w *watcher) update(j *slate.Job, heard time.Time) {
	old := w.jobs[j.ID]
	if old == nil {
		old = &watched{}
		w.jobs[j.ID] = old
		w.order = append(w.order, j.ID)
	}
	if !heard.IsZero() {
		old.heard = heard
	}
	changed := old.job == nil || old.job.State != j.State
	moved := old.job == nil || old.job.Progress != j.Progress || !sameETA(old.job.ETA, j.ETA)
	old.job = j
	switch {
	case w.a.json && (changed || moved):
		w.print(map[string]any{"kind": slate.EventJob, "job": j})
	case w.tty && (changed || moved):
		w.dirty = true
	case !w.tty && changed:
		w.line(strings.TrimRight(fmt.Sprintf("%s  %-28s  %-17s %s", j.ID, clip(j.ShotName, 28), j.State, jobNote(j)), " "))
	}
}

func sameETA(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// jobNote is what a line about a job adds to its state.
func jobNote(j *slate.Job) string {
	switch {
	case j.Error != nil:
		return jobError(j)
	case j.State == slate.JobSucceeded && j.ExportID != "":
		return fmt.Sprintf("charged %s, export %s ready", num(j.CostCharged), j.ExportID)
	case j.State == slate.JobSucceeded:
		return fmt.Sprintf("charged %s, take %s", num(j.CostCharged), j.TakeID)
	case j.State == slate.JobRunning:
		return fmt.Sprintf("%d%%", j.Progress)
	}
	return ""
}

// balance records the balance; a change of what is available is news.
func (w *watcher) balance(cr *slate.Credits) {
	old := w.credits
	w.credits = cr
	if old != nil && old.Available == cr.Available && old.Held == cr.Held {
		return
	}
	switch {
	case w.a.json:
		w.print(map[string]any{"kind": slate.EventBalance, "balance": cr})
	case w.tty:
		w.dirty = true
	default:
		w.line(balanceText(cr))
	}
}

func balanceText(cr *slate.Credits) string {
	return fmt.Sprintf("balance: %s available, %s held", num(cr.Available), num(cr.Held))
}

// line prints one timestamped line, for output that is not a terminal.
func (w *watcher) line(s string) {
	fmt.Fprintf(w.a.stdout, "%s  %s\n", time.Now().Format("15:04:05"), s)
}

func (w *watcher) print(v any) {
	_ = json.NewEncoder(w.a.stdout).Encode(v)
}

// flush redraws the screen on a terminal: a line of totals and the
// balance, then a bar per job, over the previous drawing. Lines are kept
// within 80 columns, since a wrapped line would throw the redraw off.
func (w *watcher) flush() {
	if !w.tty {
		return
	}
	w.dirty = false
	var b strings.Builder
	if w.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", w.drawn)
	}
	done := 0
	for _, id := range w.order {
		if w.jobs[id].job.State.Finished() {
			done++
		}
	}
	head := fmt.Sprintf("%d of %d jobs finished", done, len(w.order))
	if w.credits != nil {
		head += " · " + balanceText(w.credits)
	}
	lines := []string{head}
	for _, id := range w.order {
		j := w.jobs[id].job
		lines = append(lines, fmt.Sprintf("%-22s %s %3d%%  %-9s %s", clip(j.ShotName, 22), bar(j), shown(j), j.State, ttyTail(j)))
	}
	for _, l := range lines {
		b.WriteString("\r\x1b[2K")
		b.WriteString(clip(strings.TrimRight(l, " "), 79))
		b.WriteByte('\n')
	}
	w.drawn = len(lines)
	_, _ = io.WriteString(w.a.stdout, b.String())
}

// shown is the percent a bar shows: finished jobs are full.
func shown(j *slate.Job) int {
	if j.State == slate.JobSucceeded {
		return 100
	}
	return j.Progress
}

func bar(j *slate.Job) string {
	n := shown(j) * barWidth / 100
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", barWidth-n) + "]"
}

// ttyTail is the end of a job's bar: its ETA while running, else what
// became of it, briefly; `slate job show` has the rest.
func ttyTail(j *slate.Job) string {
	switch {
	case j.State == slate.JobRunning || j.State == slate.JobCancelRequested:
		if e := eta(j); e != "-" {
			return "ETA " + e
		}
	case j.Error != nil:
		return j.Error.Code
	case j.State == slate.JobSucceeded:
		return "charged " + num(j.CostCharged)
	}
	return ""
}

// isTerminal reports whether w is a terminal that can be redrawn.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
