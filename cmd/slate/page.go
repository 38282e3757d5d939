package main

import (
	"github.com/spf13/pflag"

	"slate"
)

// Lists people keep (organisations, projects, members, invitations, takes,
// webhooks) are shown whole: the client follows their cursors. Logs that
// grow without end (the queue, the ledger, the audit log, a webhook's
// deliveries) show one page, newest first, with the command for the next;
// --all follows the cursors to the end.

// pageFlags are a log command's --cursor, --limit and --all.
type pageFlags struct {
	cursor string
	limit  int
	all    bool
}

func (p *pageFlags) register(fs *pflag.FlagSet, noun string) {
	fs.StringVar(&p.cursor, "cursor", "", "continue from a previous page")
	fs.IntVar(&p.limit, "limit", slate.DefaultPageLimit, noun+" per page (1 to 200)")
	fs.BoolVar(&p.all, "all", false, "follow the pages to the end")
}

func (p *pageFlags) request() slate.PageRequest {
	return slate.PageRequest{Cursor: p.cursor, Limit: p.limit}
}

// readPages reads the page the flags ask for and, with --all, every page
// after it, as one page.
func readPages[T any](p *pageFlags, read func(slate.PageRequest) (*slate.Page[T], error)) (*slate.Page[T], error) {
	req := p.request()
	page, err := read(req)
	if err != nil {
		return nil, err
	}
	for p.all && page.NextCursor != "" {
		// A server that repeated a cursor would loop forever.
		if page.NextCursor == req.Cursor {
			page.NextCursor = ""
			break
		}
		req.Cursor = page.NextCursor
		next, err := read(req)
		if err != nil {
			return nil, err
		}
		page.Items, page.NextCursor = append(page.Items, next.Items...), next.NextCursor
	}
	return page, nil
}

// more is the last row of a page with another after it: how to read it.
func more(command, cursor string) string {
	return "more: " + command + " --cursor " + cursor + " (or --all)"
}
