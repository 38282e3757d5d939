package slate

import "fmt"

// Every list a user can grow pages by cursor: a request without a limit
// gets DefaultPageLimit items and none gets more than MaxPageLimit, so no
// answer grows with what members have made.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// Page is one page of a list; NextCursor is empty on the last page.
// Cursors are opaque: a list's next page starts after the last item of
// this one by a unique, ordered key, so rows added while a client walks
// the pages neither repeat an item nor skip one that was there already.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// PageRequest asks for one page of a list: the NextCursor of the page
// before (empty for the first) and a size (0 for the default).
type PageRequest struct {
	Cursor string
	Limit  int
}

// Collect follows a list's cursors to its end, MaxPageLimit items at a
// time, for a caller that needs the whole list at once (a table of names,
// a form's choices). list reads the page req asks for.
func Collect[T any](list func(req PageRequest) (*Page[T], error)) ([]T, error) {
	out := []T{}
	req := PageRequest{Limit: MaxPageLimit}
	for {
		p, err := list(req)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out, nil
		}
		// A list that hands back the cursor it was given would never end.
		if p.NextCursor == req.Cursor {
			return nil, fmt.Errorf("slate: list repeated cursor %q", req.Cursor)
		}
		req.Cursor = p.NextCursor
	}
}
