package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// cameraFlags name the camera fields on the command line.
var cameraFlags = []struct {
	flag, usage string
	field       func(*slate.Camera) *string
}{
	{"shot-type", "shot type (wide, close-up, …)", func(c *slate.Camera) *string { return &c.ShotType }},
	{"angle", "camera angle (eye level, low, …)", func(c *slate.Camera) *string { return &c.Angle }},
	{"movement", "camera movement (static, dolly in, …)", func(c *slate.Camera) *string { return &c.Movement }},
	{"lens", "lens (35mm, …)", func(c *slate.Camera) *string { return &c.Lens }},
}

func shotFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.Duration("duration", 5*time.Second, "length, 1s to 60s (e.g. 4s, 2500ms)")
	fs.String("prompt", "", "what to generate")
	fs.String("negative", "", "negative prompt")
	fs.Int64("seed", 0, "seed")
	fs.String("engine", "", "engine override (empty: the project's default)")
	fs.String("tier", "", "tier override (empty: the project's default)")
	fs.String("start-take", "", "render from a frame of this `TAKE` (image-to-video engines); \"\" on edit takes the start frame away")
	fs.Duration("start-at", 0, "the start frame's time in the take (default: its last frame)")
	for _, f := range cameraFlags {
		fs.String(f.flag, "", f.usage)
	}
}

// camera overlays the given camera flags on base; nil when none was given,
// so an edit of the prompt leaves the camera alone.
func camera(cmd *cobra.Command, base slate.Camera) *slate.Camera {
	changed := false
	for _, f := range cameraFlags {
		if v := strFlag(cmd, f.flag); v != nil {
			*f.field(&base) = *v
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return &base
}

func (a *app) shotCommand() *cobra.Command {
	add := a.leaf("add SCENE NAME", "Add a shot to a scene", cobra.ExactArgs(2),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			in := slate.ShotInput{Name: args[1], Camera: camera(cmd, slate.Camera{})}
			deref(&in.DurationMS, durationFlag(cmd, "duration"))
			if in.DurationMS == 0 {
				in.DurationMS = (5 * time.Second).Milliseconds()
			}
			deref(&in.Prompt, strFlag(cmd, "prompt"))
			deref(&in.NegativePrompt, strFlag(cmd, "negative"))
			deref(&in.Engine, strFlag(cmd, "engine"))
			deref(&in.Tier, strFlag(cmd, "tier"))
			deref(&in.Position, intFlag(cmd, "position"))
			in.Seed = int64Flag(cmd, "seed")
			in.StartFrame = startFrame(cmd)
			return a.emitElement(c.CreateShot(ctx, args[0], in))
		})
	shotFlags(add)
	add.Flags().Int("position", 0, "1-based place among the scene's shots (default: last)")

	show := a.leaf("show SHOT", "Show a shot", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			return a.emitElement(c.GetShot(ctx, args[0]))
		})
	edit := a.leaf("edit SHOT", "Edit a shot", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			pt := slate.ShotPatch{
				Name: strFlag(cmd, "name"), DurationMS: durationFlag(cmd, "duration"),
				Prompt: strFlag(cmd, "prompt"), NegativePrompt: strFlag(cmd, "negative"),
				Seed: int64Flag(cmd, "seed"), Engine: strFlag(cmd, "engine"), Tier: strFlag(cmd, "tier"),
				StartFrame: startFrame(cmd),
			}
			if cam := camera(cmd, slate.Camera{}); cam != nil {
				// The API replaces the camera whole; keep the fields not given.
				cur, err := c.GetShot(ctx, args[0])
				if err != nil {
					return err
				}
				pt.Camera = camera(cmd, cur.Camera)
			}
			return a.emitElement(c.UpdateShot(ctx, args[0], pt))
		})
	shotFlags(edit)
	edit.Flags().String("name", "", "new name")

	move := a.leaf("move SHOT --position N [--scene SCENE]", "Move a shot within its scene or to another scene", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error {
			return a.emitElement(c.UpdateShot(ctx, args[0], slate.ShotPatch{
				SceneID: strFlag(cmd, "scene"), Position: intFlag(cmd, "position"),
			}))
		})
	moveFlags(move, "scene")
	return group("shot", "Add, show, edit, move, delete and order shots", add, show, edit, move,
		a.deleteCommand(slate.KindShot, (*client.Client).DeleteShot),
		a.orderCommand(slate.KindScene))
}

// startFrame is the start frame the flags give, nil when --start-take is
// not given.
func startFrame(cmd *cobra.Command) *slate.StartFrame {
	take := strFlag(cmd, "start-take")
	if take == nil {
		return nil
	}
	return &slate.StartFrame{TakeID: *take, AtMS: durationFlag(cmd, "start-at")}
}

func shotRows(t table, s *slate.Shot) {
	t.row("ID", s.ID)
	t.row("NAME", s.Name)
	t.row("POSITION", s.Position)
	t.row("SCENE", s.SceneID)
	t.row("DURATION", seconds(s.DurationMS))
	t.row("PROMPT", or(s.Prompt, "-"))
	if s.NegativePrompt != "" {
		t.row("NEGATIVE", s.NegativePrompt)
	}
	if s.Seed != nil {
		t.row("SEED", *s.Seed)
	}
	cam := s.Camera
	t.row("CAMERA", or(cam.ShotType, "-"), or(cam.Angle, "-"), or(cam.Movement, "-"), or(cam.Lens, "-"))
	t.row("ENGINE/TIER", or(s.EffectiveEngine, s.Engine)+"/"+or(s.EffectiveTier, s.Tier))
	if f := s.StartFrame; f != nil {
		at := "last frame"
		if f.AtMS != nil {
			at = seconds(*f.AtMS)
		}
		t.row("START FRAME", f.TakeID+" at "+at)
	}
	review := s.ReviewStatus
	if s.ReviewNote != "" {
		review += ": " + s.ReviewNote
	}
	t.row("REVIEW", review)
	t.row("TAGS", tagList(s.Tags))
	t.row("LOCK", lockMark(s.Lock))
}
