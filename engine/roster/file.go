// Package roster is the deployment's engines: it reads the engines file
// (`--engines FILE`), checks every entry against the environment and the
// price book, builds each entry's adapter, and answers what the rest of
// Slate asks of the engines as a set: which to serve, what each offers,
// and what a render cost at its provider. `slate serve` and `slate worker`
// read the same file, so every process agrees on names and limits.
package roster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// File is the engines file.
type File struct {
	// Currency is what provider costs are converted into for the margin
	// report; "USD" when empty.
	Currency string `json:"currency,omitempty"`
	// CreditValue is what one credit sells for in Currency ("0.01"); the
	// margin report shows revenue and margin only when it is set.
	CreditValue string  `json:"credit_value,omitempty"`
	Engines     []Entry `json:"engines"`

	// dir is the file's directory, against which relative paths resolve.
	dir string
}

// Entry is one engine.
type Entry struct {
	Name    string `json:"name"`
	Adapter string `json:"adapter"`
	Model   string `json:"model,omitempty"`
	// APIKeyEnv names the environment variable holding the key. The key
	// itself is never written in the file.
	APIKeyEnv string `json:"api_key_env,omitempty"`
	BaseURL   string `json:"base_url,omitempty"`
	// MaxConcurrent is the most jobs of this engine running at once across
	// every worker; 0 is no limit but the plans'.
	MaxConcurrent int `json:"max_concurrent,omitempty"`
	// Timeout bounds one render, waiting at the provider included ("20m");
	// empty is the worker's --render-timeout.
	Timeout string `json:"timeout,omitempty"`
	// PollInterval is how often a hosted render's status is asked after
	// ("5s"); empty is two seconds. Throttling and failures back off
	// from it. A ComfyUI entry polls /history this often besides its
	// websocket; empty is one second there.
	PollInterval string `json:"poll_interval,omitempty"`
	// Tiers maps each tier the engine offers to the provider's resolution
	// name; empty keeps the adapter's defaults.
	Tiers map[string]string `json:"tiers,omitempty"`
	// Input maps shot fields to a Replicate model's inputs.
	Input map[string]any `json:"input,omitempty"`
	// Options are the adapter's own settings.
	Options json.RawMessage `json:"options,omitempty"`
	// Cost says how the provider prices a render.
	Cost *Cost `json:"cost,omitempty"`
	// Workflow is a ComfyUI entry's workflow template file.
	Workflow string `json:"workflow,omitempty"`
	// GPUHourCost prices a self-hosted engine's GPU time, in Currency per
	// hour the job held the GPU.
	GPUHourCost string `json:"gpu_hour_cost,omitempty"`
}

// Cost is a provider's price for a render, as decimals in its Unit.
type Cost struct {
	// Unit is the provider's unit ("USD", "runway_credit"); the file's
	// Currency when empty.
	Unit      string            `json:"unit,omitempty"`
	PerSecond string            `json:"per_second,omitempty"`
	PerTier   map[string]string `json:"per_second_by_tier,omitempty"`
	// PerComputeSecond prices machine time (Replicate bills many models by
	// the second of GPU).
	PerComputeSecond string `json:"per_compute_second,omitempty"`
	PerRequest       string `json:"per_request,omitempty"`
	// UnitValue is what one Unit is worth in Currency; needed when Unit is
	// not the Currency.
	UnitValue string `json:"unit_value,omitempty"`
}

// Load reads the engines file at path.
func Load(path string) (File, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("engines file: %w", err)
	}
	f, err := Parse(body)
	if err != nil {
		return File{}, err
	}
	f.dir = filepath.Dir(path)
	return f, nil
}

// Parse reads an engines file's body. Unknown fields are refused, so a
// misspelt setting is not silently ignored.
func Parse(body []byte) (File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("engines file: %w", err)
	}
	if dec.More() {
		return File{}, fmt.Errorf("engines file: unexpected data after the JSON object")
	}
	return f, nil
}

// path resolves a path in the file against the file's directory.
func (f File) path(p string) string {
	if p == "" || filepath.IsAbs(p) || f.dir == "" {
		return p
	}
	return filepath.Join(f.dir, p)
}
