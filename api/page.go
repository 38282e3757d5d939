package api

import "slate"

// PageQuery is the cursor and size of one page of a list. Every list
// operation embeds it, so every list pages alike: the limits in its tags are
// slate.DefaultPageLimit and slate.MaxPageLimit (a test holds them equal),
// and a cursor no list gave out is a 400 from the store.
type PageQuery struct {
	Cursor string `query:"cursor" maxLength:"200" doc:"The next_cursor of the page before; empty for the first page"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Items per page"`
}

// Page is the request the query makes of a service.
func (q PageQuery) Page() slate.PageRequest {
	return slate.PageRequest{Cursor: q.Cursor, Limit: q.Limit}
}
