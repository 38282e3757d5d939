package client

import (
	"context"
	"net/http"
	"net/url"

	"slate"
)

// Engines lists the engines the server renders with, checking their
// providers when the last check is stale.
func (c *Client) Engines(ctx context.Context) ([]*slate.EngineInfo, error) {
	return all[*slate.EngineInfo](ctx, c, "/api/v1/engines")
}

// CheckEngine makes the server call the engine's provider with its key.
func (c *Client) CheckEngine(ctx context.Context, name string) (*slate.EngineInfo, error) {
	return send[slate.EngineInfo](ctx, c, http.MethodPost, pathf("/api/v1/engines/%s/check", name), nil)
}

// Margin reads credits charged against providers' cost per engine and
// month, from and to being months such as "2026-12" (empty: this month).
func (c *Client) Margin(ctx context.Context, orgID, from, to string) (*slate.MarginReport, error) {
	return send[slate.MarginReport](ctx, c, http.MethodGet,
		withQuery(pathf("/api/v1/orgs/%s/credits/margin", orgID), url.Values{"from": {from}, "to": {to}}), nil)
}
