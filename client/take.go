package client

import (
	"context"
	"io"
	"net/http"

	"slate"
)

// Takes lists a shot's takes, newest first.
func (c *Client) Takes(ctx context.Context, shotID string) ([]*slate.Take, error) {
	return all[*slate.Take](ctx, c, pathf("/api/v1/shots/%s/takes", shotID))
}

// SelectTake makes a take its shot's selected take and answers the shot.
func (c *Client) SelectTake(ctx context.Context, takeID string) (*slate.Shot, error) {
	return send[slate.Shot](ctx, c, http.MethodPost, pathf("/api/v1/takes/%s/select", takeID), nil)
}

// TakeMedia downloads a take's video into w and returns how many bytes it
// wrote. A video may be large, so the download is bounded by ctx rather
// than by the client's timeout.
func (c *Client) TakeMedia(ctx context.Context, takeID string, w io.Writer) (int64, error) {
	return c.download(ctx, pathf("/api/v1/takes/%s/media", takeID), "video/*", w)
}
