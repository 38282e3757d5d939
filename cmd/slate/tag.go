package main

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// element parses "KIND ID" arguments, allowing only the kinds given.
func element(kind, id string, allowed ...slate.ElementKind) (slate.ElementRef, error) {
	k := slate.ElementKind(strings.ToLower(kind))
	if !slices.Contains(allowed, k) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return slate.ElementRef{}, usagef("%q is not one of %s", kind, strings.Join(names, ", "))
	}
	return slate.ElementRef{Kind: k, ID: id}, nil
}

var lockable = []slate.ElementKind{slate.KindAct, slate.KindScene, slate.KindShot}

func (a *app) tagCommands() []*cobra.Command {
	// Each tag subcommand computes the new tag list from the current one.
	ops := []struct {
		name, short string
		apply       func(cur, given []string) []string
	}{
		{"set", "Replace the tags of a scene or shot", func(_, given []string) []string { return given }},
		{"add", "Add tags to a scene or shot", func(cur, given []string) []string { return append(cur, given...) }},
		{"remove", "Remove tags from a scene or shot (case-insensitive)", func(cur, given []string) []string {
			return slices.DeleteFunc(cur, func(t string) bool { return slate.ContainsTag(given, t) })
		}},
	}
	tag := group("tag", "Set, add or remove tags on scenes and shots")
	for _, op := range ops {
		min := 3
		if op.name == "set" {
			min = 2 // `tag set shot ID` with no tags clears them
		}
		tag.AddCommand(a.leaf(op.name+" (scene|shot) ID TAG…", op.short, cobra.MinimumNArgs(min),
			func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
				el, err := element(args[0], args[1], slate.KindScene, slate.KindShot)
				if err != nil {
					return err
				}
				var cur []string
				if op.name != "set" {
					if cur, err = a.currentTags(ctx, c, el); err != nil {
						return err
					}
				}
				tags, err := c.SetTags(ctx, el, op.apply(cur, args[2:]))
				if err != nil {
					return err
				}
				return a.emit(map[string]any{"element": el, "tags": tags}, func(t table) {
					t.row(string(el.Kind), el.ID, tagList(tags))
				})
			}))
	}

	var reason string
	lock := a.leaf("lock (act|scene|shot) ID [--reason TEXT]", "Lock an element and everything under it", cobra.ExactArgs(2),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			el, err := element(args[0], args[1], lockable...)
			if err != nil {
				return err
			}
			l, err := c.Lock(ctx, el, reason)
			if err != nil {
				return err
			}
			return a.emit(l, func(t table) { t.row(string(el.Kind), el.ID, lockMark(l), when(l.At)) })
		})
	lock.Flags().StringVar(&reason, "reason", "", "why it is locked (shown to everyone who is refused)")
	unlock := a.leaf("unlock (act|scene|shot) ID", "Lift an element's lock", cobra.ExactArgs(2),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			el, err := element(args[0], args[1], lockable...)
			if err != nil {
				return err
			}
			if err := c.Unlock(ctx, el); err != nil {
				return err
			}
			return a.done("unlocked %s %s", el.Kind, el.ID)
		})

	var note string
	review := a.leaf("review SHOT (approved|flagged|pending) [--note TEXT]", "Set a shot's review status", cobra.ExactArgs(2),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			status := strings.ToLower(args[1])
			if !slices.Contains([]string{slate.ReviewApproved, slate.ReviewFlagged, slate.ReviewPending}, status) {
				return usagef("review status %q is not one of approved, flagged, pending", args[1])
			}
			return a.emitElement(c.SetReview(ctx, args[0], slate.Review{Status: status, Note: note}))
		})
	review.Flags().StringVar(&note, "note", "", "what to fix, or why it is approved")
	return []*cobra.Command{tag, lock, unlock, review}
}

// currentTags reads an element's tags. There is no scene endpoint, so a
// scene's tags come from the current project's tree.
func (a *app) currentTags(ctx context.Context, c *client.Client, el slate.ElementRef) ([]string, error) {
	if el.Kind == slate.KindShot {
		s, err := c.GetShot(ctx, el.ID)
		if err != nil {
			return nil, err
		}
		return s.Tags, nil
	}
	pid, err := a.projectID(nil)
	if err != nil {
		return nil, err
	}
	tr, err := c.Tree(ctx, pid)
	if err != nil {
		return nil, err
	}
	for _, act := range tr.Acts {
		for _, s := range act.Scenes {
			if s.ID == el.ID {
				return s.Tags, nil
			}
		}
	}
	return nil, slate.NotFound("scene", el.ID+" in project "+pid)
}
