// Package limit holds the pure rules that slow down guessing: a token
// bucket for attempts per client address or per signed-in account, and the
// backoff that locks an account's sign-in after failures in a row. Nothing
// here reads a clock: callers pass the time, from the injected slate.Clock.
package limit

import (
	"errors"
	"time"
)

// Rate is a token bucket: Burst attempts at once, then one more every
// Every. In any span of length W it admits at most Burst + W/Every.
type Rate struct {
	Burst int
	Every time.Duration
}

// DefaultRate is the sign-in limit per client address and per signed-in
// account: 15 at once, then one a minute, so at most 30 in any 15 minutes.
var DefaultRate = Rate{Burst: 15, Every: time.Minute}

// Validate refuses a rate that would admit nothing or divide by zero.
func (r Rate) Validate() error {
	if r.Burst < 1 {
		return errors.New("limit: a rate's burst must be at least 1")
	}
	if r.Every <= 0 {
		return errors.New("limit: a rate's refill interval must be positive")
	}
	return nil
}

// Bucket is one key's bucket, kept as the time it will be full again (the
// "theoretical arrival time" of the GCRA form of a token bucket), so its
// state is one timestamp and its arithmetic exact. The zero Bucket is full.
type Bucket struct {
	Full time.Time
}

// Take spends one attempt at now. It answers the bucket after the attempt
// and 0, or, when the bucket is empty, the bucket unchanged and how long
// until the next attempt will be admitted.
func (r Rate) Take(b Bucket, now time.Time) (Bucket, time.Duration) {
	full := b.Full
	if full.Before(now) {
		full = now
	}
	// Each attempt pushes the full time one interval on; the bucket is
	// empty once that would put it more than Burst intervals ahead.
	next := full.Add(r.Every)
	if ahead := next.Sub(now); ahead > time.Duration(r.Burst)*r.Every {
		return b, ahead - time.Duration(r.Burst)*r.Every
	}
	return Bucket{Full: next}, 0
}

// Idle reports whether the bucket is full at now: keeping it is the same
// as forgetting it.
func (b Bucket) Idle(now time.Time) bool { return !b.Full.After(now) }
