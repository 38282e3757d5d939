package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"slate"
	"slate/client"
)

// projectFlags are shared by create and edit; edit sends only those given.
// The title is create's argument, so only edit has a --title flag.
func projectFlags(fs *pflag.FlagSet) {
	fs.String("format", "", "film, episode, short, social or commercial")
	fs.String("aspect", "", "aspect ratio: 16:9, 9:16 or 1:1")
	fs.Int("fps", 0, "frame rate: 24, 25, 30, 48, 50 or 60")
	fs.String("engine", "", "default engine: preview, comfyui, wan-2.1, grok-video, veo-3.1")
	fs.String("tier", "", "default tier: draft, standard, high, 4k")
}

func projectPatch(cmd *cobra.Command) slate.ProjectPatch {
	return slate.ProjectPatch{
		Title: strFlag(cmd, "title"), Format: strFlag(cmd, "format"), AspectRatio: strFlag(cmd, "aspect"),
		FrameRate: intFlag(cmd, "fps"), DefaultEngine: strFlag(cmd, "engine"), DefaultTier: strFlag(cmd, "tier"),
	}
}

func (a *app) projectCommands() []*cobra.Command {
	create := a.leaf("create TITLE", "Create a project in the organisation", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			pt := projectPatch(cmd)
			in := slate.ProjectInput{Title: args[0]}
			deref(&in.Format, pt.Format)
			deref(&in.AspectRatio, pt.AspectRatio)
			deref(&in.FrameRate, pt.FrameRate)
			deref(&in.DefaultEngine, pt.DefaultEngine)
			deref(&in.DefaultTier, pt.DefaultTier)
			p, err := c.CreateProject(ctx, org, in)
			if err != nil {
				return err
			}
			// Like `org create`: the first project becomes the current one.
			if a.cfg.Project == "" {
				a.cfg.Project = p.ID
				if err := a.saveConfig(); err != nil {
					return err
				}
			}
			return a.emit(p, func(t table) { projectRows(t, p) })
		})
	projectFlags(create.Flags())

	list := a.leaf("list", "List the organisation's projects", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			ps, err := c.ListProjects(ctx, org)
			if err != nil {
				return err
			}
			return a.emit(ps, func(t table) {
				t.row("", "ID", "TITLE", "FORMAT", "ASPECT", "FPS", "ENGINE/TIER", "RESTRICTED")
				for _, p := range ps {
					t.row(a.mark(p.ID == a.cfg.Project), p.ID, p.Title, p.Format, p.AspectRatio, p.FrameRate,
						p.DefaultEngine+"/"+p.DefaultTier, p.Restricted)
				}
			})
		})
	show := a.projectLeaf("show [PROJECT]", "Show a project", func(ctx context.Context, c *client.Client, cmd *cobra.Command, id string) (*slate.Project, error) {
		return c.GetProject(ctx, id)
	})
	edit := a.projectLeaf("edit [PROJECT]", "Edit a project's settings", func(ctx context.Context, c *client.Client, cmd *cobra.Command, id string) (*slate.Project, error) {
		return c.UpdateProject(ctx, id, projectPatch(cmd))
	})
	projectFlags(edit.Flags())
	edit.Flags().String("title", "", "new title")

	var restricted bool
	var members []string
	access := a.projectLeaf("access [PROJECT] --restricted --member USER…", "Restrict a project to named members, or open it",
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, id string) (*slate.Project, error) {
			if members == nil {
				members = []string{}
			}
			return c.SetProjectAccess(ctx, id, slate.ProjectAccess{Restricted: restricted, Members: members})
		})
	access.Flags().BoolVar(&restricted, "restricted", false, "only the listed members (and owners) see the project")
	access.Flags().StringSliceVar(&members, "member", nil, "user id allowed in a restricted project (repeatable)")

	use := a.projectLeaf("use PROJECT", "Choose the project later commands work on", func(ctx context.Context, c *client.Client, cmd *cobra.Command, id string) (*slate.Project, error) {
		p, err := c.GetProject(ctx, id)
		if err != nil {
			return nil, err
		}
		a.cfg.Project, a.cfg.Org = p.ID, p.OrgID
		return p, a.saveConfig()
	})
	use.Args = cobra.ExactArgs(1)

	del := a.leaf("delete PROJECT", "Delete a project and everything in it", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			if err := c.DeleteProject(ctx, args[0]); err != nil {
				return err
			}
			if a.cfg.Project == args[0] {
				a.cfg.Project = ""
				if err := a.saveConfig(); err != nil {
					return err
				}
			}
			return a.done("deleted project %s", args[0])
		})
	return []*cobra.Command{group("project", "Manage projects", create, list, show, edit, access, use, del, a.projectBudgetCommand())}
}

// projectLeaf is a command on one project (the argument or the current one)
// that answers the project.
func (a *app) projectLeaf(use, short string, call func(context.Context, *client.Client, *cobra.Command, string) (*slate.Project, error)) *cobra.Command {
	return a.leaf(use, short, cobra.MaximumNArgs(1),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			id, err := a.projectID(args)
			if err != nil {
				return err
			}
			p, err := call(ctx, c, cmd, id)
			if err != nil {
				return err
			}
			return a.emit(p, func(t table) { projectRows(t, p) })
		})
}

func projectRows(t table, p *slate.Project) {
	t.row("ID", p.ID)
	t.row("TITLE", p.Title)
	t.row("FORMAT", fmt.Sprintf("%s, %s, %d fps", p.Format, p.AspectRatio, p.FrameRate))
	t.row("DEFAULTS", p.DefaultEngine+"/"+p.DefaultTier)
	if p.Restricted {
		t.row("RESTRICTED TO", fmt.Sprint(p.Members))
	}
	t.row("CREATED", when(p.CreatedAt))
}

func deref[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
