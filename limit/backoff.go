package limit

import (
	"errors"
	"time"
)

// Backoff is how failed sign-ins for one account slow down the next: Free
// attempts in a row are admitted at once; after the Free-th, the account
// takes no attempt for First, and each further failure doubles the pause,
// up to Max. A success clears the record; so does Forget without a failure.
type Backoff struct {
	Free   int
	First  time.Duration
	Max    time.Duration
	Forget time.Duration
}

// DefaultBackoff admits 5 failures at once, then pauses 1, 2, 4, 8 minutes
// and then 15 minutes after each: at most 9 failures in any 15 minutes,
// 4 an hour after that.
var DefaultBackoff = Backoff{Free: 5, First: time.Minute, Max: 15 * time.Minute, Forget: 24 * time.Hour}

// Validate refuses a backoff that would never pause or never forget.
func (b Backoff) Validate() error {
	switch {
	case b.Free < 1:
		return errors.New("limit: at least one sign-in attempt must be free")
	case b.First <= 0 || b.Max < b.First:
		return errors.New("limit: the first pause must be positive and no longer than the longest")
	case b.Forget < b.Max:
		return errors.New("limit: failures must be remembered at least as long as the longest pause")
	}
	return nil
}

// Failures is an account's record of failed sign-ins in a row: how many,
// when the last was, and until when the account takes no attempt.
type Failures struct {
	Count int
	Last  time.Time
	Until time.Time
}

// Delay is the pause after the count-th failure in a row.
func (b Backoff) Delay(count int) time.Duration {
	if count < b.Free {
		return 0
	}
	d := b.First
	for i := b.Free; i < count && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Attempt admits an attempt at now, counting it as a failure until the
// caller clears the record on success: counting first means many attempts
// at once cannot all slip in before the first failure is written. It
// answers the record to keep and 0, or, while the account is paused, the
// record unchanged and how long is left.
func (b Backoff) Attempt(f Failures, now time.Time) (Failures, time.Duration) {
	if now.Before(f.Until) {
		return f, f.Until.Sub(now)
	}
	if now.Sub(f.Last) >= b.Forget {
		f = Failures{}
	}
	f.Count++
	f.Last = now
	f.Until = now.Add(b.Delay(f.Count))
	return f, 0
}
