package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

func (a *app) treeCommands() []*cobra.Command {
	tree := a.leaf("tree [PROJECT]", "Show a project's acts, scenes and shots in order", cobra.MaximumNArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			id, err := a.projectID(args)
			if err != nil {
				return err
			}
			tr, err := c.Tree(ctx, id)
			if err != nil {
				return err
			}
			return a.emit(tr, func(t table) { drawTree(t, tr) })
		})
	return []*cobra.Command{tree, a.actCommand(), a.sceneCommand(), a.shotCommand()}
}

// drawTree prints one row per element, indented by level, with the lock of
// an element above shown on everything under it: that is what refuses edits.
func drawTree(t table, tr *slate.Tree) {
	var total int64
	shots := 0
	for _, a := range tr.Acts {
		for _, s := range a.Scenes {
			for _, sh := range s.Shots {
				total += sh.DurationMS
				shots++
			}
		}
	}
	p := tr.Project
	// One cell only, so the title does not widen the first column.
	t.row(fmt.Sprintf("%s  %s  (%s, %s, %d fps, %s/%s)  %d shots, %s", p.Title, p.ID, p.Format, p.AspectRatio,
		p.FrameRate, p.DefaultEngine, p.DefaultTier, shots, clockTime(total)))
	t.row("POS  NAME", "LENGTH", "REVIEW", "TAGS", "LOCK", "ID")
	for i, act := range tr.Acts {
		apos := fmt.Sprint(i + 1)
		t.row(apos+"  "+act.Name, clockTime(actLength(act)), "", "", lockMark(act.Lock), act.ID)
		for j, sc := range act.Scenes {
			spos := fmt.Sprintf("%s.%d", apos, j+1)
			name := sc.Name
			if where := strings.Trim(sc.Location+", "+sc.TimeOfDay, ", "); where != "" {
				name += " (" + where + ")"
			}
			t.row("  "+spos+"  "+name, clockTime(sceneLength(sc)), sceneReview(sc), tagList(sc.Tags),
				inherited(sc.Lock, act.Lock), sc.ID)
			for k, sh := range sc.Shots {
				review := sh.ReviewStatus
				if sh.ReviewNote != "" {
					review += ": " + sh.ReviewNote
				}
				t.row(fmt.Sprintf("    %s.%d  %s", spos, k+1, sh.Name), seconds(sh.DurationMS), review,
					tagList(sh.Tags), inherited(sh.Lock, sc.Lock, act.Lock), sh.ID)
			}
		}
	}
}

// inherited shows an element's own lock, or marks it as frozen by a lock
// above.
func inherited(own *slate.Lock, above ...*slate.Lock) string {
	if own != nil {
		return lockMark(own)
	}
	if l := slate.FirstLock(above...); l != nil {
		return "(locked " + string(l.Element.Kind) + ")"
	}
	return "-"
}

func actLength(a *slate.TreeAct) int64 {
	var n int64
	for _, s := range a.Scenes {
		n += sceneLength(s)
	}
	return n
}

func sceneLength(s *slate.TreeScene) int64 {
	var n int64
	for _, sh := range s.Shots {
		n += sh.DurationMS
	}
	return n
}

// sceneReview says how far review got; a scene is complete when all its
// shots are approved.
func sceneReview(s *slate.TreeScene) string {
	approved := 0
	for _, sh := range s.Shots {
		if sh.ReviewStatus == slate.ReviewApproved {
			approved++
		}
	}
	if len(s.Shots) > 0 && approved == len(s.Shots) {
		return "complete"
	}
	return fmt.Sprintf("%d/%d approved", approved, len(s.Shots))
}

func (a *app) actCommand() *cobra.Command {
	add := a.leaf("add NAME", "Add an act to the project", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			pid, err := a.projectID(nil)
			if err != nil {
				return err
			}
			in := slate.ActInput{Name: args[0]}
			deref(&in.Description, strFlag(cmd, "description"))
			deref(&in.Position, intFlag(cmd, "position"))
			return a.emitElement(c.CreateAct(ctx, pid, in))
		})
	edit := a.leaf("edit ACT", "Edit or move an act", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			return a.emitElement(c.UpdateAct(ctx, args[0], slate.ActPatch{
				Name: strFlag(cmd, "name"), Description: strFlag(cmd, "description"), Position: intFlag(cmd, "position"),
			}))
		})
	for _, c := range []*cobra.Command{add, edit} {
		c.Flags().String("description", "", "what happens in the act")
		c.Flags().Int("position", 0, "1-based place among the project's acts")
	}
	edit.Flags().String("name", "", "new name")
	return group("act", "Add, edit, delete and order acts", add, edit,
		a.deleteCommand(slate.KindAct, (*client.Client).DeleteAct),
		a.orderCommand(slate.KindProject))
}

func (a *app) sceneCommand() *cobra.Command {
	add := a.leaf("add ACT NAME", "Add a scene to an act", cobra.ExactArgs(2),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			in := slate.SceneInput{Name: args[1]}
			deref(&in.Description, strFlag(cmd, "description"))
			deref(&in.Location, strFlag(cmd, "location"))
			deref(&in.TimeOfDay, strFlag(cmd, "time"))
			deref(&in.Position, intFlag(cmd, "position"))
			return a.emitElement(c.CreateScene(ctx, args[0], in))
		})
	edit := a.leaf("edit SCENE", "Edit a scene", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			return a.emitElement(c.UpdateScene(ctx, args[0], slate.ScenePatch{
				Name: strFlag(cmd, "name"), Description: strFlag(cmd, "description"),
				Location: strFlag(cmd, "location"), TimeOfDay: strFlag(cmd, "time"),
			}))
		})
	for _, c := range []*cobra.Command{add, edit} {
		c.Flags().String("description", "", "what happens in the scene")
		c.Flags().String("location", "", "where it happens")
		c.Flags().String("time", "", "time of day")
	}
	add.Flags().Int("position", 0, "1-based place among the act's scenes")
	edit.Flags().String("name", "", "new name")
	move := a.leaf("move SCENE --position N [--act ACT]", "Move a scene within its act or to another act", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			return a.emitElement(c.UpdateScene(ctx, args[0], slate.ScenePatch{
				ActID: strFlag(cmd, "act"), Position: intFlag(cmd, "position"),
			}))
		})
	moveFlags(move, "act")
	return group("scene", "Add, edit, move, delete and order scenes", add, edit, move,
		a.deleteCommand(slate.KindScene, (*client.Client).DeleteScene),
		a.orderCommand(slate.KindAct))
}

func moveFlags(cmd *cobra.Command, parent string) {
	cmd.Flags().String(parent, "", "the "+parent+" to move into (default: stay)")
	cmd.Flags().Int("position", 0, "1-based place among the new siblings (default: last)")
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if !cmd.Flags().Changed(parent) && !cmd.Flags().Changed("position") {
			return usagef("say where to: --%s and/or --position", parent)
		}
		return nil
	}
}

func (a *app) deleteCommand(kind slate.ElementKind, del func(*client.Client, context.Context, string) error) *cobra.Command {
	upper := strings.ToUpper(string(kind))
	return a.leaf("delete "+upper, "Delete a "+string(kind)+" and everything in it", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			if err := del(c, ctx, args[0]); err != nil {
				return err
			}
			return a.done("deleted %s %s", kind, args[0])
		})
}

// orderCommand sets the order of a parent's children. The project is the
// current one, so `act order` takes only ids.
func (a *app) orderCommand(parent slate.ElementKind) *cobra.Command {
	use, min := "order "+strings.ToUpper(string(parent))+" ID…", 2
	if parent == slate.KindProject {
		use, min = "order ID…", 1
	}
	return a.leaf(use, "Set the order of all the children of a "+string(parent), cobra.MinimumNArgs(min),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			ref := slate.ElementRef{Kind: parent}
			if parent == slate.KindProject {
				id, err := a.projectID(nil)
				if err != nil {
					return err
				}
				ref.ID = id
			} else {
				ref.ID, args = args[0], args[1:]
			}
			if err := c.Reorder(ctx, ref, args); err != nil {
				return err
			}
			return a.done("reordered %s %s", parent, ref.ID)
		})
}

// emitElement prints what a create, edit or move answered: an act, scene or
// shot.
func (a *app) emitElement(v any, err error) error {
	if err != nil {
		return err
	}
	return a.emit(v, func(t table) {
		switch e := v.(type) {
		case *slate.Act:
			t.row("act", e.ID, e.Name, "position", e.Position)
		case *slate.Scene:
			t.row("scene", e.ID, e.Name, "position", e.Position, "in act", e.ActID)
		case *slate.Shot:
			shotRows(t, e)
		}
	})
}
