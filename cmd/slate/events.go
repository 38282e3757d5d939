package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// eventsCommand follows the organisation's live feed, one line per event;
// with --json one JSON object per line, for scripts to read as it comes.
func (a *app) eventsCommand() *cobra.Command {
	var after string
	var kinds []string
	var noFollow bool
	cmd := a.leaf("events", "Follow the organisation's live events (jobs, balance, alerts, locks)", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			kinds = trimAll(kinds)
			show := func(e slate.Event) error {
				if len(kinds) > 0 && !slices.Contains(kinds, e.Kind) {
					return nil
				}
				if a.json {
					return json.NewEncoder(a.stdout).Encode(e)
				}
				_, err := fmt.Fprintf(a.stdout, "%s  %-7s  %s\n", e.At.Local().Format("2006-01-02 15:04:05"), e.Kind, eventText(e))
				return err
			}
			if noFollow {
				evs, err := c.StoredEvents(ctx, org, after)
				if err != nil {
					return err
				}
				for _, e := range evs {
					if err := show(e); err != nil {
						return err
					}
				}
				return nil
			}
			err = c.Events(ctx, org, after, show)
			if errors.Is(err, context.Canceled) {
				// Interrupted: the way a follow ends.
				return nil
			}
			return err
		})
	fs := cmd.Flags()
	fs.StringVar(&after, "after", "", "start after this event `ID` (default: from now; with --no-follow, from the first)")
	fs.StringSliceVar(&kinds, "kinds", nil, "only these kinds: alert, balance, job, lock")
	fs.BoolVar(&noFollow, "no-follow", false, "print the stored events and exit instead of waiting for more")
	return cmd
}

// eventText is a line about an event for people; --json has all of it.
func eventText(e slate.Event) string {
	p := e.Payload
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	switch e.Kind {
	case slate.EventLock:
		el, _ := p["element"].(map[string]any)
		what := fmt.Sprintf("%s %s%s", str(el, "kind"), str(el, "id"), quoted(str(el, "name")))
		if lock, ok := p["lock"].(map[string]any); ok && p["locked"] == true {
			s := what + " locked by " + or(str(lock, "by_name"), str(lock, "by"))
			if r := str(lock, "reason"); r != "" {
				s += ": " + r
			}
			return s
		}
		return what + " unlocked"
	case slate.EventJob:
		progress, _ := p["progress"].(float64)
		return fmt.Sprintf("%s%s %s %d%%", str(p, "id"), quoted(str(p, "shot_name")), str(p, "state"), int(progress))
	case slate.EventBalance:
		if v, ok := p["available"].(float64); ok {
			return "available " + num(int64(v))
		}
	}
	b, _ := json.Marshal(p)
	return oneLine(string(b), 120)
}
