package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"slate"
)

const timeFormat = "2006-01-02 15:04"

// table writes aligned columns.
type table struct{ tw *tabwriter.Writer }

func (t table) row(cols ...any) {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = fmt.Sprint(c)
	}
	fmt.Fprintln(t.tw, strings.Join(s, "\t"))
}

// emit prints v as JSON under --json, else as the table draw makes of it.
func (a *app) emit(v any, draw func(t table)) error {
	if a.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	draw(table{tw})
	return tw.Flush()
}

// done reports an action that answers nothing; under --json it still prints
// an object, so scripts can parse every command's output.
func (a *app) done(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return a.emit(map[string]any{"ok": true, "message": msg}, func(t table) { t.row(msg) })
}

// Flag helpers for patches: a field is sent only when its flag was given, so
// `--name ""` and "no --name" stay different.

func strFlag(cmd *cobra.Command, name string) *string {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	v, _ := cmd.Flags().GetString(name)
	return &v
}

func intFlag(cmd *cobra.Command, name string) *int {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	v, _ := cmd.Flags().GetInt(name)
	return &v
}

func int64Flag(cmd *cobra.Command, name string) *int64 {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	v, _ := cmd.Flags().GetInt64(name)
	return &v
}

// durationFlag reads a duration flag ("4s", "1500ms") as milliseconds.
func durationFlag(cmd *cobra.Command, name string) *int64 {
	if !cmd.Flags().Changed(name) {
		return nil
	}
	v, _ := cmd.Flags().GetDuration(name)
	ms := v.Milliseconds()
	return &ms
}

func permsFlag(fs *pflag.FlagSet, dst *[]string) {
	fs.StringSliceVar(dst, "perm", nil, "permission: read, modify, run_ai, use_credits, billing, owner (repeat or comma-separate)")
}

func toPerms(names []string) []slate.Permission {
	out := make([]slate.Permission, len(names))
	for i, n := range names {
		out[i] = slate.Permission(strings.TrimSpace(n))
	}
	return out
}

func permList(ps []slate.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

func seconds(ms int64) string {
	return fmt.Sprintf("%.1fs", float64(ms)/1000)
}

// clockTime formats a running time as m:ss.
func clockTime(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func tagList(tags []string) string {
	if len(tags) == 0 {
		return "-"
	}
	return "[" + strings.Join(tags, ", ") + "]"
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(timeFormat)
}

// lockMark shows an element's own lock in a table cell.
func lockMark(l *slate.Lock) string {
	if l == nil {
		return "-"
	}
	s := "LOCKED by " + or(l.ByName, l.By)
	if l.Reason != "" {
		s += ": " + l.Reason
	}
	return s
}
