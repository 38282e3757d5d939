package worker

import (
	"context"
	"time"
)

// reap requeues lapsed leases every c.Reap.
func (c *Config) reap(ctx context.Context) {
	t := time.NewTicker(c.Reap)
	defer t.Stop()
	for {
		if n, err := c.Queue.ReapLeases(ctx); err != nil && ctx.Err() == nil {
			c.Logger.Error("worker: reap leases", "err", err)
		} else if n > 0 {
			c.Logger.Info("worker: lapsed leases requeued or failed", "jobs", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// keep refreshes the scratch directory on every heartbeat, so no sweep
// mistakes it for a dead worker's, and sweeps every lease, until ctx ends
// (after the renders have stopped).
func (c *Config) keep(ctx context.Context) {
	beat := time.NewTicker(c.Heartbeat)
	defer beat.Stop()
	sweep := time.NewTicker(c.Lease)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if err := c.scratch.Keep(c.Clock.Now()); err != nil {
				c.Logger.Error("worker: keep scratch directory", "worker", c.ID, "err", err)
			}
		case <-sweep.C:
			c.sweep()
		}
	}
}

// sweep removes the scratch directories of workers that stopped keeping
// them for longer than a lease: workers that died, since a live one keeps
// its own every heartbeat.
func (c *Config) sweep() {
	removed, err := c.Media.Sweep(c.Clock, c.Lease)
	if err != nil {
		c.Logger.Error("worker: sweep scratch directories", "worker", c.ID, "err", err)
	}
	if len(removed) > 0 {
		c.Logger.Info("worker: swept scratch directories of stopped workers", "worker", c.ID, "removed", removed)
	}
}
