package main

import (
	"context"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// selectionFlags adds the flags that make a selection and returns a reader
// for it, shared by `select` and `bulk` so the two always agree.
func selectionFlags(cmd *cobra.Command) func() (slate.Selection, error) {
	var sel slate.Selection
	fs := cmd.Flags()
	fs.StringSliceVar(&sel.Shots, "shot", nil, "shot id (repeatable)")
	fs.StringSliceVar(&sel.Scenes, "scene", nil, "every shot of a scene (repeatable)")
	fs.StringSliceVar(&sel.Acts, "act", nil, "every shot of an act (repeatable)")
	fs.StringArrayVar(&sel.Tags, "tag", nil, "shots tagged so, or in a scene tagged so (repeatable)")
	fs.BoolVar(&sel.All, "all", false, "every shot of the project")
	return func() (slate.Selection, error) {
		if err := sel.Validate(); err != nil {
			return sel, usagef("select something: --shot, --scene, --act, --tag or --all")
		}
		return sel, nil
	}
}

func (a *app) selectionCommands() []*cobra.Command {
	sel := a.selectionLeaf("select (selection flags)", "List the shots a selection picks, in tree order", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, pid string, s slate.Selection, _ []string) error {
			shots, err := c.ResolveSelection(ctx, pid, s)
			if err != nil {
				return err
			}
			return a.emit(shots, func(t table) {
				t.row("ID", "NAME", "LENGTH", "REVIEW", "TAGS", "LOCK")
				var total int64
				for _, sh := range shots {
					total += sh.DurationMS
					t.row(sh.ID, sh.Name, seconds(sh.DurationMS), sh.ReviewStatus, tagList(sh.Tags), lockMark(sh.Lock))
				}
				t.row("", len(shots), clockTime(total))
			})
		})

	bulk := group("bulk", "Tag, untag, lock or unlock every shot of a selection")
	for _, op := range []struct {
		action, use, short string
		args               cobra.PositionalArgs
	}{
		{slate.BulkTag, "tag TAG (selection flags)", "Add a tag to the selected shots", cobra.ExactArgs(1)},
		{slate.BulkUntag, "untag TAG (selection flags)", "Remove a tag from the selected shots", cobra.ExactArgs(1)},
		{slate.BulkLock, "lock [--reason TEXT] (selection flags)", "Lock the selected shots", cobra.NoArgs},
		{slate.BulkUnlock, "unlock (selection flags)", "Unlock the selected shots", cobra.NoArgs},
	} {
		var reason string
		cmd := a.selectionLeaf(op.use, op.short, op.args, func(ctx context.Context, c *client.Client, pid string, s slate.Selection, args []string) error {
			in := slate.Bulk{Selection: s, Action: op.action, Reason: reason}
			if len(args) > 0 {
				in.Tag = args[0]
			}
			res, err := c.Bulk(ctx, pid, in)
			if err != nil {
				return err
			}
			return a.emit(res, func(t table) {
				t.row(res.Action, "selected", res.Selected, "changed", res.Changed)
			})
		})
		if op.action == slate.BulkLock {
			cmd.Flags().StringVar(&reason, "reason", "", "why they are locked")
		}
		bulk.AddCommand(cmd)
	}
	return []*cobra.Command{sel, bulk}
}

// selectionLeaf builds a command on a selection of the current project: it
// reads the selection flags before anything reaches the server.
func (a *app) selectionLeaf(use, short string, args cobra.PositionalArgs,
	run func(ctx context.Context, c *client.Client, projectID string, s slate.Selection, args []string) error,
) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: args}
	selection := selectionFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		s, err := selection()
		if err != nil {
			return err
		}
		pid, err := a.projectID(nil)
		if err != nil {
			return err
		}
		c, err := a.client()
		if err != nil {
			return err
		}
		return run(cmd.Context(), c, pid, s, args)
	}
	return cmd
}
