package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"slate"
)

// Export is an export as the API answers it: the export, and where to
// fetch its file and EDL.
type Export struct {
	slate.Export
	FileURL string `json:"file_url,omitempty"`
	EDLURL  string `json:"edl_url"`
}

// CreateExport queues an export of a selection of a project's shots.
func (c *Client) CreateExport(ctx context.Context, projectID string, in slate.ExportInput) (*Export, error) {
	return send[Export](ctx, c, http.MethodPost, pathf("/api/v1/projects/%s/exports", projectID), in)
}

// Export reads an export with its cut.
func (c *Client) Export(ctx context.Context, exportID string) (*Export, error) {
	return send[Export](ctx, c, http.MethodGet, pathf("/api/v1/exports/%s", exportID), nil)
}

// Exports lists one page of a project's exports, newest first.
func (c *Client) Exports(ctx context.Context, projectID string, page slate.PageRequest) (*slate.Page[*Export], error) {
	q := url.Values{}
	if page.Cursor != "" {
		q.Set("cursor", page.Cursor)
	}
	if page.Limit > 0 {
		q.Set("limit", strconv.Itoa(page.Limit))
	}
	return send[slate.Page[*Export]](ctx, c, http.MethodGet, withQuery(pathf("/api/v1/projects/%s/exports", projectID), q), nil)
}

// ExportFile downloads a finished export's file into w and returns how many
// bytes it wrote; like a take, it is bounded by ctx, not the client's
// timeout.
func (c *Client) ExportFile(ctx context.Context, exportID string, w io.Writer) (int64, error) {
	return c.download(ctx, pathf("/api/v1/exports/%s/file", exportID), "video/*", w)
}

// ExportEDL downloads the CMX 3600 EDL of an export's cut into w.
func (c *Client) ExportEDL(ctx context.Context, exportID string, w io.Writer) (int64, error) {
	return c.download(ctx, pathf("/api/v1/exports/%s/edl", exportID), "text/plain", w)
}

// download copies a file answer into w, checking it arrived whole.
func (c *Client) download(ctx context.Context, path, accept string, w io.Writer) (int64, error) {
	resp, err := c.openStream(ctx, path, accept, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("client: GET %s: %w", path, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("client: GET %s: got %d of %d bytes", path, n, resp.ContentLength)
	}
	return n, nil
}
