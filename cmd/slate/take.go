package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

func (a *app) takesCommand() *cobra.Command {
	takes := a.leaf("takes SHOT", "List a shot's takes, newest first", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			ts, err := c.Takes(ctx, args[0])
			if err != nil {
				return err
			}
			return a.emit(ts, func(t table) { takeRows(t, ts) })
		})
	sel := a.leaf("select TAKE", "Make a take its shot's selected take (resets review to pending; needs modify)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			sh, err := c.SelectTake(ctx, args[0])
			if err != nil {
				return err
			}
			return a.emit(sh, func(t table) {
				t.row("SHOT", sh.Name+" ("+sh.ID+")")
				t.row("SELECTED TAKE", sh.SelectedTakeID)
				t.row("REVIEW", sh.ReviewStatus)
			})
		})
	var out string
	download := a.leaf("download TAKE [-o FILE]", "Download a take's video (to TAKE.mp4 by default; -o - for stdout)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			id := args[0]
			if out == "-" {
				_, err := c.TakeMedia(ctx, id, a.stdout)
				return err
			}
			file := out
			if file == "" {
				file = filepath.Base(id) + ".mp4"
			}
			n, err := downloadTo(file, func(w io.Writer) (int64, error) { return c.TakeMedia(ctx, id, w) })
			if err != nil {
				return err
			}
			res := struct {
				Take  string `json:"take"`
				File  string `json:"file"`
				Bytes int64  `json:"bytes"`
			}{id, file, n}
			return a.emit(res, func(t table) { t.row(fmt.Sprintf("saved take %s to %s (%s)", id, file, byteSize(n))) })
		})
	download.Flags().StringVarP(&out, "output", "o", "", "write to `FILE` (- for stdout)")
	takes.AddCommand(sel, download)
	return takes
}

// downloadTo saves what fetch writes next to file first and renames it
// into place once whole, so an interrupted download never leaves a file
// that looks finished.
func downloadTo(file string, fetch func(w io.Writer) (int64, error)) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".part-*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	// A temporary file is private; the download is an ordinary file.
	err = f.Chmod(0o644)
	var n int64
	if err == nil {
		n, err = fetch(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return n, nil
}

func takeRows(t table, ts []*slate.Take) {
	t.row("ID", "CREATED", "ENGINE", "TIER", "RESOLUTION", "FPS", "LENGTH", "SIZE", "COST", "SELECTED")
	for _, tk := range ts {
		selected := "-"
		if tk.Selected {
			selected = "yes"
		}
		t.row(tk.ID, when(tk.CreatedAt), tk.Engine, tk.Tier, fmt.Sprintf("%dx%d", tk.Width, tk.Height), tk.FrameRate,
			seconds(tk.DurationMS), byteSize(tk.Size), num(tk.Cost), selected)
	}
}

// byteSize writes a byte count the way people read file sizes.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
