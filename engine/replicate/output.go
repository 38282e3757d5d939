package replicate

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

// fetch downloads the prediction's video to dst.
func (e *Engine) fetch(ctx context.Context, p *prediction, dst string) error {
	u, err := p.video()
	if err != nil {
		return err
	}
	f := provider.Fetch{URL: u, HTTP: e.cfg.HTTP, Pacing: e.cfg.Pacing}
	if e.trusted(u) {
		f.Header = http.Header{"Authorization": {"Bearer " + e.cfg.APIKey}}
	}
	return provider.Download(ctx, "replicate", f, dst)
}

// trusted reports whether the token may go with a download from u. The
// API documents that output files want the Authorization header and are
// served from replicate.delivery and its subdomains; a model may output
// any URL, so the token goes nowhere else but the API's own host.
func (e *Engine) trusted(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	if parsed.Scheme == e.client.Base.Scheme && parsed.Host == e.client.Base.Host {
		return true
	}
	host := parsed.Hostname()
	return parsed.Scheme == "https" && (host == "replicate.delivery" || strings.HasSuffix(host, ".replicate.delivery"))
}

// videoExts are the files taken as the video when a model outputs several.
var videoExts = []string{".mp4", ".mov", ".webm", ".mkv", ".m4v"}

// video is the URL of the video the prediction made: its output is a URL,
// or a list or object of them, of which the first video is taken.
func (p *prediction) video() (string, error) {
	var urls []string
	var collect func(v any)
	collect = func(v any) {
		switch v := v.(type) {
		case string:
			if u, err := url.Parse(v); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
				urls = append(urls, v)
			}
		case []any:
			for _, e := range v {
				collect(e)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				collect(v[k])
			}
		}
	}
	var out any
	if len(p.Output) > 0 {
		_ = decodeJSON(p.Output, &out)
	}
	collect(out)
	for _, u := range urls {
		parsed, _ := url.Parse(u)
		if slices.Contains(videoExts, strings.ToLower(path.Ext(parsed.Path))) {
			return u, nil
		}
	}
	if len(urls) > 0 {
		return urls[0], nil
	}
	if p.DataRemoved || out == nil {
		return "", engine.Errorf(slate.JobErrEngineFailed, true,
			"replicate: prediction %s has no output any more (Replicate removes an API prediction's files after an hour)", p.ID)
	}
	return "", engine.Errorf(slate.JobErrEngineFailed, false, "replicate: prediction %s succeeded but its output holds no file URL: %s", p.ID, clip(string(p.Output)))
}
