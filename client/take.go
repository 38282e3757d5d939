package client

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"slate"
)

// Takes lists a shot's takes, newest first.
func (c *Client) Takes(ctx context.Context, shotID string) ([]*slate.Take, error) {
	takes, err := all[*slate.Take](ctx, c, pathf("/api/v1/shots/%s/takes", shotID))
	if takes == nil && err == nil {
		takes = []*slate.Take{}
	}
	return takes, err
}

// SelectTake makes a take its shot's selected take and answers the shot.
func (c *Client) SelectTake(ctx context.Context, takeID string) (*slate.Shot, error) {
	return send[slate.Shot](ctx, c, http.MethodPost, pathf("/api/v1/takes/%s/select", takeID), nil)
}

// TakeMedia downloads a take's video into w and returns how many bytes it
// wrote. A video may be large, so the download is bounded by ctx rather
// than by the client's timeout.
func (c *Client) TakeMedia(ctx context.Context, takeID string, w io.Writer) (int64, error) {
	path := pathf("/api/v1/takes/%s/media", takeID)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+path, nil)
	if err != nil {
		return 0, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Accept", "video/*, application/problem+json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	hc := http.Client{}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("client: GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return 0, decodeError(resp, data)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("client: GET %s: %w", path, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("client: GET %s: got %d of %d bytes", path, n, resp.ContentLength)
	}
	return n, nil
}
