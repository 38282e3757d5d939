package store

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"slate"
)

// pageLimit resolves a requested page size: 0 means the default and anything
// above the maximum is cut to it.
func pageLimit(n int) (int, error) {
	switch {
	case n < 0:
		return 0, slate.Invalidf("limit", "limit must not be negative")
	case n == 0:
		return slate.DefaultPageLimit, nil
	case n > slate.MaxPageLimit:
		return slate.MaxPageLimit, nil
	}
	return n, nil
}

// pageOf makes a page of items read with one row more than limit: the extra
// row only says that another page follows, which then starts after the
// last item shown.
func pageOf[T any](items []T, limit int, cursor func(T) string) *slate.Page[T] {
	p := &slate.Page[T]{Items: items}
	if p.Items == nil {
		p.Items = []T{}
	}
	if len(items) > limit {
		p.Items = items[:limit]
		p.NextCursor = cursor(items[limit-1])
	}
	return p
}

// Cursors are opaque to clients, so the encoding can change without
// breaking them, and each decoder accepts only what its own list gives
// out: a cursor of another list is refused rather than read as a key.
func badCursor(c string) error {
	return slate.Invalidf("cursor", "cursor %q is not one this list gave out", c)
}

// isID reports whether id is one the store made with prefix ("prj").
func isID(id, prefix string) bool {
	u, ok := strings.CutPrefix(id, prefix+"_")
	if !ok {
		return false
	}
	_, err := ulid.ParseStrict(u)
	return err == nil
}

// Cursors of lists ordered by ULID id are the last id of the page before.
func encodeIDCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// decodeIDCursor reads a cursor of ids with the given prefix ("aud").
func decodeIDCursor(c, prefix string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !isID(string(b), prefix) {
		return "", badCursor(c)
	}
	return string(b), nil
}

// Cursors of lists ordered by creation are the creation time and id of the
// last item of the page before: the id breaks ties between rows made in
// one millisecond, so the pair is unique and the order total.
func encodeTimeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("t:" + strconv.FormatInt(ms(at), 10) + ":" + id))
}

// timeKey is a decoded creation cursor; the zero key starts at the top.
type timeKey struct {
	at int64
	id string
}

// decodeTimeCursor reads a creation cursor of ids with the given prefix.
func decodeTimeCursor(c, prefix string) (timeKey, error) {
	if c == "" {
		return timeKey{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return timeKey{}, badCursor(c)
	}
	rest, ok := strings.CutPrefix(string(b), "t:")
	at, id, ok2 := strings.Cut(rest, ":")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || !ok2 || err != nil || n < 0 || !isID(id, prefix) {
		return timeKey{}, badCursor(c)
	}
	return timeKey{at: n, id: id}, nil
}

// Transaction cursors are the seq of the last entry of the page before.
func encodeSeqCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("seq:" + strconv.FormatInt(seq, 10)))
}

func decodeSeqCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(b) > 4 && string(b[:4]) == "seq:" {
		if n, err := strconv.ParseInt(string(b[4:]), 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	return 0, badCursor(c)
}
