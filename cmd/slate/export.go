package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// exportCommand queues an export and, when asked, follows it to the end and
// saves its file and EDL.
func (a *app) exportCommand() *cobra.Command {
	var preset, reframe, out, edl string
	var priority int
	var watch bool
	cmd := &cobra.Command{
		Use:   "export [PROJECT] (selection flags) --preset P [--reframe crop|pad] [--watch] [-o FILE] [--edl FILE]",
		Short: "Cut the selected shots' takes into a delivery file (ProRes, MP4, WebM, social)",
		Long: "Export queues a cut of the selected shots, in tree order, each with its\n" +
			"selected take, encoded with a preset:\n  " + strings.Join(slate.ExportPresets, ", ") + ".\n" +
			"Takes of another shape are cropped to the centre (--reframe crop, the\n" +
			"default) or padded (--reframe pad). A shot with no take refuses the whole\n" +
			"export, listing every such shot. --watch follows the export with a progress\n" +
			"bar fed by ffmpeg's own progress; -o and --edl wait for it too, then save\n" +
			"the file and the CMX 3600 EDL.",
		Args: cobra.MaximumNArgs(1),
	}
	selection := selectionFlags(cmd)
	fs := cmd.Flags()
	fs.StringVar(&preset, "preset", "", "one of "+strings.Join(slate.ExportPresets, ", "))
	fs.StringVar(&reframe, "reframe", "", "fit takes of another shape by crop (default) or pad")
	fs.IntVar(&priority, "priority", slate.DefaultPriority, "queue priority, 0–100; higher runs first")
	fs.BoolVarP(&watch, "watch", "w", false, "follow the export until it finishes")
	fs.StringVarP(&out, "output", "o", "", "save the finished file as `FILE` (implies --watch)")
	fs.StringVar(&edl, "edl", "", "save the cut's EDL as `FILE` (implies --watch)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		sel, err := selection()
		if err != nil {
			return err
		}
		if !slate.ValidPreset(preset) {
			return usagef("--preset %q: want one of %s", preset, strings.Join(slate.ExportPresets, ", "))
		}
		if r := slate.Reframe(reframe); r != "" && r != slate.ReframeCrop && r != slate.ReframePad {
			return usagef("--reframe %q: want crop or pad", reframe)
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
		in := slate.ExportInput{Selection: sel, Preset: preset, Reframe: slate.Reframe(reframe)}
		if cmd.Flags().Changed("priority") {
			in.Priority = &priority
		}
		e, err := c.CreateExport(ctx, pid, in)
		if err != nil {
			return err
		}
		if !watch && out == "" && edl == "" {
			return a.emit(e, func(t table) {
				exportRows(t, e)
				t.row("")
				t.row("follow it with: slate export show " + e.ID + " (or slate queue watch)")
			})
		}
		if e, err = a.followExport(ctx, c, e); err != nil {
			return err
		}
		return a.saveExport(ctx, c, e, out, edl)
	}
	cmd.AddCommand(a.exportShowCommand(), a.exportListCommand(), a.exportDownloadCommand(), a.exportCancelCommand())
	return cmd
}

// followExport watches the export's job with the queue's watcher until it
// finishes, and answers the export as it ended.
func (a *app) followExport(ctx context.Context, c *client.Client, e *client.Export) (*client.Export, error) {
	j, err := c.Job(ctx, e.JobID)
	if err != nil {
		return nil, err
	}
	// Under --json stdout is the one answer scripts parse, the finished
	// export; the watch's lines go to stderr.
	wa := a
	if a.json {
		copied := *a
		copied.stdout = a.stderr
		wa = &copied
	}
	w := &watcher{a: wa, c: c, org: e.OrgID, batch: j.BatchID, jobs: map[string]*watched{}, tty: !a.json && isTerminal(a.stdout)}
	werr := w.run(ctx)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if e, err = c.Export(ctx, e.ID); err != nil {
		return nil, err
	}
	if werr != nil || e.State != slate.JobSucceeded {
		msg := fmt.Sprintf("export %s ended %s", e.ID, e.State)
		if e.Error != nil {
			msg += ": " + e.Error.Message + " (" + e.Error.Code + ")"
		}
		return nil, errors.New(msg)
	}
	return e, nil
}

// saveExport saves a finished export's file and EDL where asked, then shows
// the export.
func (a *app) saveExport(ctx context.Context, c *client.Client, e *client.Export, out, edl string) error {
	var saved []string
	if out != "" {
		n, err := downloadTo(out, func(w io.Writer) (int64, error) { return c.ExportFile(ctx, e.ID, w) })
		if err != nil {
			return err
		}
		saved = append(saved, fmt.Sprintf("saved %s to %s (%s)", e.ID, out, byteSize(n)))
	}
	if edl != "" {
		if _, err := downloadTo(edl, func(w io.Writer) (int64, error) { return c.ExportEDL(ctx, e.ID, w) }); err != nil {
			return err
		}
		saved = append(saved, fmt.Sprintf("saved the EDL of %s to %s", e.ID, edl))
	}
	return a.emit(e, func(t table) {
		exportRows(t, e)
		for _, s := range saved {
			t.row(s)
		}
	})
}

func (a *app) exportShowCommand() *cobra.Command {
	return a.leaf("show EXPORT", "Show an export: state, progress, cut and file", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			e, err := c.Export(ctx, args[0])
			if err != nil {
				return err
			}
			return a.emit(e, func(t table) {
				exportRows(t, e)
				t.row("")
				t.row("#", "SHOT", "TAKE", "LENGTH")
				for _, cl := range e.Clips {
					t.row(cl.Position, cl.ShotName, cl.TakeID, seconds(cl.DurationMS))
				}
			})
		})
}

func (a *app) exportListCommand() *cobra.Command {
	return a.leaf("list [PROJECT]", "List a project's exports, newest first", cobra.MaximumNArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			pid, err := a.projectID(args)
			if err != nil {
				return err
			}
			page, err := c.Exports(ctx, pid, slate.PageRequest{Limit: 100})
			if err != nil {
				return err
			}
			return a.emit(page.Items, func(t table) {
				t.row("ID", "CREATED", "PRESET", "REFRAME", "STATE", "PROGRESS", "LENGTH", "SIZE")
				for _, e := range page.Items {
					t.row(e.ID, when(e.CreatedAt), e.Preset, e.Reframe, e.State, fmt.Sprintf("%d%%", e.Progress),
						clockTime(e.DurationMS), byteSize(e.Size))
				}
			})
		})
}

func (a *app) exportDownloadCommand() *cobra.Command {
	var out, edl string
	cmd := a.leaf("download EXPORT [-o FILE] [--edl FILE]", "Save a finished export's file (under its own name by default) and EDL",
		cobra.ExactArgs(1), func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			e, err := c.Export(ctx, args[0])
			if err != nil {
				return err
			}
			// The file goes under its own name unless -o names another; an
			// unfinished export has only its EDL to give.
			if out == "" {
				out = e.FileName
			}
			if out == "" && edl == "" {
				return fmt.Errorf("export %s is %s: it has no file yet (its EDL is ready: --edl FILE)", e.ID, e.State)
			}
			return a.saveExport(ctx, c, e, out, edl)
		})
	cmd.Flags().StringVarP(&out, "output", "o", "", "save the file as `FILE`")
	cmd.Flags().StringVar(&edl, "edl", "", "save the EDL as `FILE`")
	return cmd
}

func (a *app) exportCancelCommand() *cobra.Command {
	return a.leaf("cancel EXPORT", "Cancel an export (a running one stops and leaves no file)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			e, err := c.Export(ctx, args[0])
			if err != nil {
				return err
			}
			j, err := c.JobAction(ctx, e.JobID, slate.ActionCancel)
			if err != nil {
				return err
			}
			return a.emit(j, func(t table) { t.row(fmt.Sprintf("export %s: %s", e.ID, j.State)) })
		})
}

func exportRows(t table, e *client.Export) {
	t.row("EXPORT", e.ID)
	t.row("PRESET", e.Preset+" ("+string(e.Reframe)+")")
	t.row("STATE", e.State)
	t.row("PROGRESS", fmt.Sprintf("%d%%", e.Progress))
	t.row("SHOTS", fmt.Sprintf("%d, %s at %d fps", len(e.Clips), clockTime(e.DurationMS), e.FrameRate))
	if e.Cost > 0 {
		t.row("COST", num(e.Cost))
	}
	if e.Error != nil {
		t.row("ERROR", e.Error.Message+" ("+e.Error.Code+")")
	}
	if e.FileName != "" {
		t.row("FILE", fmt.Sprintf("%s (%dx%d, %s)", e.FileName, e.Width, e.Height, byteSize(e.Size)))
	}
	t.row("JOB", e.JobID)
}
