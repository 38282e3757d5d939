package api

import (
	"crypto/sha256"
	"sync"
	"time"

	"slate"
)

// Default caps on open event streams, per process.
const (
	DefaultStreamsPerCredential = 20
	DefaultStreamsPerOrg        = 500
)

// streamRetryAfter is the Retry-After of a refused stream, in seconds. A
// slot frees when another stream of the same credential or organisation
// closes, which nothing here can foresee; this is a polite pause.
const streamRetryAfter = 30 * time.Second

// streamSlots counts the open event streams of this process by credential
// and by organisation, so that one token (or session) cannot hold every
// connection, and one organisation's feeds cannot crowd out the others'.
// The counts are per process: a stream is a connection held by one
// process, and what it costs (a goroutine, a socket, a share of the fan-
// out) is that process's, so the cap is where the cost is.
type streamSlots struct {
	perCred, perOrg int

	mu    sync.Mutex
	creds map[[sha256.Size]byte]int
	orgs  map[string]int
}

func newStreamSlots(perCred, perOrg int) *streamSlots {
	if perCred <= 0 {
		perCred = DefaultStreamsPerCredential
	}
	if perOrg <= 0 {
		perOrg = DefaultStreamsPerOrg
	}
	return &streamSlots{perCred: perCred, perOrg: perOrg,
		creds: map[[sha256.Size]byte]int{}, orgs: map[string]int{}}
}

// take holds a slot of the credential secret and one of orgID, or refuses
// with 429 when either is full. release gives both back; call it once.
func (c *streamSlots) take(secret, orgID string) (release func(), err error) {
	// The map is keyed by a digest, so the process does not keep
	// credentials in memory longer than the requests that carry them.
	cred := sha256.Sum256([]byte(secret))
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.creds[cred] >= c.perCred:
		return nil, tooManyStreams("this credential has %d event streams open, the most allowed; close one first", c.perCred)
	case c.orgs[orgID] >= c.perOrg:
		return nil, tooManyStreams("the organisation has %d event streams open on this server, the most allowed", c.perOrg)
	}
	c.creds[cred]++
	c.orgs[orgID]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.creds[cred]--; c.creds[cred] == 0 {
				delete(c.creds, cred)
			}
			if c.orgs[orgID]--; c.orgs[orgID] == 0 {
				delete(c.orgs, orgID)
			}
		})
	}, nil
}

// tooManyStreams is the 429 of a full stream cap, with Retry-After.
func tooManyStreams(format string, n int) error {
	return slate.RateLimited(streamRetryAfter, format, n)
}
