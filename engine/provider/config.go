package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Config is one engines-file entry as an adapter's New reads it. The
// catalog (package engine/catalog) fills it from the file and the
// environment; adapters never read either themselves.
type Config struct {
	// Name is the engine's name in Slate ("veo-3.1"); Model the provider's
	// model id ("veo-3.1-generate-preview").
	Name  string
	Model string
	// APIKey is the key read from the entry's api_key_env. It is sent to
	// the provider and nowhere else: never logged, stored or echoed.
	APIKey string
	// BaseURL overrides the provider's documented endpoint ("" keeps it);
	// tests and proxies set it.
	BaseURL string
	// HTTP makes every call; nil is a plain http.Client.
	HTTP *http.Client
	// Timeout bounds each API call; 0 is 30 seconds.
	Timeout time.Duration
	// Pacing paces status polls.
	Pacing Pacing
	// Tiers maps each tier the entry offers to the provider's resolution
	// name ("720p"); nil keeps the adapter's defaults.
	Tiers map[string]string
	// Options are the entry's adapter-specific settings, as JSON.
	Options json.RawMessage
	// Input is Replicate's template from shot fields to model inputs.
	Input map[string]any
}

// Checker is an engine that can make one cheap authenticated call to say
// whether its provider is reachable with its key (`slate engines check`).
type Checker interface {
	Check(ctx context.Context) error
}
