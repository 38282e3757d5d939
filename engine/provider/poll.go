package provider

import (
	"context"
	"math/rand/v2"
	"time"
)

// Pacing is how often a render's status is asked after. Tests shorten it;
// zero fields take the defaults.
type Pacing struct {
	// Interval is the pause between polls while the provider answers;
	// 0 is two seconds.
	Interval time.Duration
	// Max caps the pause after failures and throttling; 0 is a minute.
	Max time.Duration
	// Sleep waits d or until ctx ends; nil is a timer. Tests give one that
	// records the waits instead of taking them.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (p Pacing) orDefault() Pacing {
	if p.Interval <= 0 {
		p.Interval = 2 * time.Second
	}
	if p.Max <= 0 {
		p.Max = time.Minute
	}
	if p.Max < p.Interval {
		p.Max = p.Interval
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	return p
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Step is what one look at a request found.
type Step struct {
	// Done ends the poll.
	Done bool
	// Wait, when set, is how long the provider asked for before the next
	// look (a throttled task, a queue position).
	Wait time.Duration
}

// Poll calls check until it reports done or fails for good. A transient
// failure (see Transient) backs off, doubling with jitter up to Max, and
// never ends the poll; a success resets the pace. Only ctx bounds the
// whole wait. It returns check's final error, or ctx's.
func Poll(ctx context.Context, p Pacing, check func(ctx context.Context) (Step, error)) error {
	p = p.orDefault()
	backoff := p.Interval
	for {
		st, err := check(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var wait time.Duration
		asked, transient := Transient(ctx, err)
		switch {
		case err == nil && st.Done:
			return nil
		case err == nil:
			backoff = p.Interval
			wait = max(st.Wait, p.Interval)
		case transient:
			wait = max(asked, jitter(backoff))
			backoff = min(backoff*2, p.Max)
		default:
			return err
		}
		if err := p.Sleep(ctx, min(wait, max(p.Max, asked))); err != nil {
			return err
		}
	}
}

// jitter spreads d over [d/2, d], so workers throttled together do not
// come back together.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// timeNow reads the clock only to turn a Retry-After date into a wait.
var timeNow = time.Now
