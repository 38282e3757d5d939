package limit

import (
	"sync"
	"time"

	"slate"
)

// DefaultMaxKeys bounds how many buckets a Keyed holds: about 10 MB of
// map at most, however many addresses a flood comes from.
const DefaultMaxKeys = 100_000

// Keyed keeps a bucket per key (a client address, an account) in this
// process's memory. It is safe for concurrent use.
type Keyed struct {
	rate  Rate
	clock slate.Clock
	max   int

	mu      sync.Mutex
	buckets map[string]Bucket
}

// NewKeyed returns buckets of rate on clock, holding at most max keys
// (0 means DefaultMaxKeys).
func NewKeyed(rate Rate, clock slate.Clock, max int) *Keyed {
	if max <= 0 {
		max = DefaultMaxKeys
	}
	return &Keyed{rate: rate, clock: clock, max: max, buckets: map[string]Bucket{}}
}

// Take spends one attempt of key's bucket: 0 when admitted, else how long
// until the next attempt will be.
func (k *Keyed) Take(key string) time.Duration {
	now := k.clock.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	b, wait := k.rate.Take(k.buckets[key], now)
	if wait > 0 {
		return wait
	}
	if _, ok := k.buckets[key]; !ok && len(k.buckets) >= k.max {
		k.shed(now)
	}
	k.buckets[key] = b
	return 0
}

// Len is how many keys are held.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

// shed makes room: full buckets go first, since forgetting them changes
// nothing. If the map is still over seven eighths full, arbitrary keys go
// too (each of them gets a fresh burst), so a flood from more addresses
// than the map holds costs memory up to the bound and no more, and the
// sweep runs once per eighth of the bound rather than on every attempt.
func (k *Keyed) shed(now time.Time) {
	for key, b := range k.buckets {
		if b.Idle(now) {
			delete(k.buckets, key)
		}
	}
	for key := range k.buckets {
		if len(k.buckets) < k.max-k.max/8 {
			break
		}
		delete(k.buckets, key)
	}
}
