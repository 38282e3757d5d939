package roster

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"slate"
	"slate/engine/provider"
	"slate/pricing"
)

// Checks call a provider with the deployment's key, so members asking
// often must not turn into many calls: a listing reuses a check for
// listFresh, and an explicit check one for checkFresh. A per-engine lock
// makes callers arriving together share one call.
const (
	listFresh   = 5 * time.Minute
	checkFresh  = 10 * time.Second
	checkBudget = 10 * time.Second
)

type checkState struct {
	mu      sync.Mutex // held during a check, so callers share it
	at      time.Time
	ok      bool
	problem string
}

var _ slate.EngineService = (*Roster)(nil)

// Engines lists every engine, checking those whose last check is stale,
// all at once.
func (r *Roster) Engines(ctx context.Context) ([]*slate.EngineInfo, error) {
	names := r.Names()
	out := make([]*slate.EngineInfo, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() { out[i] = r.check(ctx, n, listFresh) })
	}
	wg.Wait()
	return out, nil
}

// CheckEngine checks one engine now, unless it was checked moments ago.
func (r *Roster) CheckEngine(ctx context.Context, name string) (*slate.EngineInfo, error) {
	if _, ok := r.reg.Get(name); !ok {
		return nil, slate.NotFound("engine", name)
	}
	return r.check(ctx, name, checkFresh), nil
}

// check answers the engine's info with a check no older than fresh.
func (r *Roster) check(ctx context.Context, name string, fresh time.Duration) *slate.EngineInfo {
	info := r.info(name)
	e, _ := r.reg.Get(name)
	c, ok := e.(provider.Checker)
	if !ok {
		return info
	}
	st := r.checks[name]
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.at.IsZero() || r.clock.Now().Sub(st.at) >= fresh {
		cctx, cancel := context.WithTimeout(ctx, checkBudget)
		err := c.Check(cctx)
		cancel()
		if ctx.Err() != nil {
			return info // the caller left; nothing was learnt
		}
		st.at, st.ok, st.problem = r.clock.Now().UTC(), err == nil, ""
		if err != nil {
			st.problem = err.Error()
		}
	}
	at, ok2 := st.at, st.ok
	info.Reachable, info.Problem, info.CheckedAt = &ok2, st.problem, &at
	return info
}

// info is what the roster knows of an engine without asking anyone.
func (r *Roster) info(name string) *slate.EngineInfo {
	info := &slate.EngineInfo{EngineOffer: r.offers[name], ProviderCost: describe(r.rates[name])}
	if p, ok := r.book.Engine(name); ok {
		info.CreditsPerSecond = p.CreditsPerSecond
	}
	return info
}

// describe writes a rate as a person reads it: "0.4 USD per second".
func describe(rate pricing.ProviderRate) string {
	if rate.Unit == "" {
		return ""
	}
	var parts []string
	add := func(m pricing.Micros, what string) {
		if m != 0 {
			parts = append(parts, fmt.Sprintf("%s %s %s", pricing.FormatMicros(m), rate.Unit, what))
		}
	}
	add(rate.PerSecond, "per second")
	for tier, m := range rate.PerTier {
		add(m, "per second at "+tier)
	}
	add(rate.PerComputeSecond, "per compute second")
	add(rate.PerRequest, "per render")
	return strings.Join(parts, " + ")
}
