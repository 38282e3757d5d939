package roster_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"slate"
	"slate/clock"
	"slate/engine"
	"slate/engine/roster"
	"slate/pricing"
)

// book is the default price book with the engines these tests name.
func book() pricing.Book {
	b := pricing.DefaultBook()
	b.Engines = append(b.Engines, pricing.Engine{Name: "gen4", CreditsPerSecond: 6})
	return b
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func workflow(t *testing.T) string {
	t.Helper()
	body, err := os.ReadFile("../comfyui/testdata/wan_t2v.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "wan.json"), body, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Every refusal names the entry and the field, so an operator knows what
// to fix before the server starts.
func TestBuildRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"unknown field", `{"engines":[{"name":"comfyui","adapter":"comfyui","url":"x"}]}`, []string{`unknown field "url"`}},
		{"unknown adapter", `{"engines":[{"name":"gen4","adapter":"sora","model":"m","api_key_env":"K"}]}`, []string{`"gen4"`, "adapter", "sora"}},
		{"no price", `{"engines":[{"name":"kling","adapter":"comfyui","base_url":"http://x","workflow":"wan.json"}]}`, []string{`"kling"`, "name", "price book"}},
		{"duplicate", `{"engines":[{"name":"preview","adapter":"preview"},{"name":"preview","adapter":"preview"}]}`, []string{"entry 2", "name", "another entry"}},
		{"bad name", `{"engines":[{"name":"Veo 3","adapter":"preview"}]}`, []string{"name", "Veo 3"}},
		{"the export queue's name", `{"engines":[{"name":"export","adapter":"preview"}]}`, []string{"name", "export"}},
		{"negative limit", `{"engines":[{"name":"preview","adapter":"preview","max_concurrent":-1}]}`, []string{"max_concurrent"}},
		{"bad timeout", `{"engines":[{"name":"preview","adapter":"preview","timeout":"soon"}]}`, []string{"timeout", "soon"}},
		{"bad poll interval", `{"engines":[{"name":"preview","adapter":"preview","poll_interval":"-1s"}]}`, []string{"poll_interval", "-1s"}},
		{"unknown tier", `{"engines":[{"name":"preview","adapter":"preview","tiers":{"8k":"4320p"}}]}`, []string{"tiers", "8k"}},
		{"bad cost", `{"engines":[{"name":"preview","adapter":"preview","cost":{"per_second":"0,40"}}]}`, []string{"cost", "per_second"}},
		{"foreign unit without a value", `{"engines":[{"name":"preview","adapter":"preview","cost":{"unit":"runway_credit","per_second":"5"}}]}`,
			[]string{"cost", "unit_value"}},
		{"comfyui without a server", `{"engines":[{"name":"comfyui","adapter":"comfyui","workflow":"wan.json"}]}`, []string{"base_url"}},
		{"comfyui without a workflow", `{"engines":[{"name":"comfyui","adapter":"comfyui","base_url":"http://x"}]}`, []string{"workflow"}},
		{"comfyui with a missing workflow", `{"engines":[{"name":"comfyui","adapter":"comfyui","base_url":"http://x","workflow":"nope.json"}]}`,
			[]string{"workflow", "nope.json"}},
		{"bad credit value", `{"credit_value":"a cent","engines":[]}`, []string{"credit_value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := workflow(t)
			path := filepath.Join(dir, "engines.json")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := roster.Load(path)
			if err == nil {
				_, err = roster.Build(f, book(), roster.Deps{Getenv: env(nil)})
			}
			if err == nil {
				t.Fatal("built; want a refusal")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("refusal %q does not mention %q", err, w)
				}
			}
		})
	}
}

// A ComfyUI entry reads its workflow beside the file, is checked with one
// call, and prices the GPU time a render held; the preview engine is
// always there.
func TestBuildComfyUI(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/queue" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"queue_running":[],"queue_pending":[]}`))
	}))
	t.Cleanup(srv.Close)
	dir := workflow(t)
	path := filepath.Join(dir, "engines.json")
	// The entry docs/engines/comfyui.md shows, but for the server.
	body := `{"currency":"EUR","credit_value":"0.01","engines":[{"name":"comfyui","adapter":"comfyui","model":"wan2.1-t2v-14B",
		"base_url":"` + srv.URL + `","workflow":"wan.json","gpu_hour_cost":"2.50","max_concurrent":2,"timeout":"20m","poll_interval":"2s"}]}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := roster.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	r, err := roster.Build(f, book(), roster.Deps{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Names(), ","); got != "comfyui,preview" {
		t.Errorf("names %s", got)
	}
	if r.Timeout("comfyui") != 20*time.Minute || r.Timeout("preview") != 0 {
		t.Errorf("timeouts %v %v", r.Timeout("comfyui"), r.Timeout("preview"))
	}
	offers := r.Offers()
	if len(offers) != 2 || !reflect.DeepEqual(offers[0], slate.EngineOffer{Name: "comfyui", Adapter: "comfyui", Model: "wan2.1-t2v-14B", MaxConcurrent: 2}) {
		t.Errorf("offers %+v", offers)
	}
	// 90 GPU seconds at 2.50 an hour is 0.0625.
	tp := r.Cost("comfyui", "high", engine.Output{Usage: engine.Usage{VideoMS: 5000, ComputeMS: 90_000}})
	if tp.Amount != 90_000_000 || tp.Unit != "gpu_second" || tp.Cost != 62_500 || tp.Currency != "EUR" || tp.ComputeMS != 90_000 ||
		tp.Model != "wan2.1-t2v-14B" {
		t.Errorf("cost %+v", tp)
	}
	// The docs' worked example: a 5 s standard shot holding the GPU for
	// three minutes costs 0.125.
	if tp := r.Cost("comfyui", "standard", engine.Output{Usage: engine.Usage{VideoMS: 5000, ComputeMS: 180_000}}); tp.Cost != 125_000 {
		t.Errorf("three GPU minutes at 2.50 an hour cost %d millionths, want 125000", tp.Cost)
	}
	if r.CreditValue() != 10_000 || r.Currency() != "EUR" {
		t.Errorf("credit value %d %s", r.CreditValue(), r.Currency())
	}
	// Listing checks once; listing again within five minutes reuses it;
	// an explicit check after ten seconds asks again.
	ctx := context.Background()
	list, err := r.Engines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := list[0]; c.Reachable == nil || !*c.Reachable || c.CreditsPerSecond != 2 || c.ProviderCost != "1 gpu_second per compute second" {
		t.Errorf("listed %+v", c)
	}
	if p := list[1]; p.Reachable != nil {
		t.Errorf("preview has no check, listed %+v", p)
	}
	r.Engines(ctx)
	if n := calls.Load(); n != 1 {
		t.Errorf("two listings made %d calls; want 1", n)
	}
	clk.Advance(11 * time.Second)
	if _, err := r.CheckEngine(ctx, "comfyui"); err != nil || calls.Load() != 2 {
		t.Errorf("check: %v, %d calls; want 2", err, calls.Load())
	}
	srv.Close()
	clk.Advance(11 * time.Second)
	c, err := r.CheckEngine(ctx, "comfyui")
	if err != nil || c.Reachable == nil || *c.Reachable || c.Problem == "" {
		t.Errorf("check of a server gone: %+v, %v; want unreachable with a reason", c, err)
	}
	if _, err := r.CheckEngine(ctx, "nope"); slate.ErrorCode(err) != slate.ENOTFOUND {
		t.Errorf("check of an unknown engine: %v", err)
	}
}
