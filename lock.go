package slate

import "time"

// Lock freezes an element and everything under it: no edit, move, delete or
// render until it is unlocked. Tags, review and take selection stay allowed.
type Lock struct {
	Element ElementRef `json:"element"`
	By      string     `json:"by"`
	ByName  string     `json:"by_name"`
	At      time.Time  `json:"at"`
	Reason  string     `json:"reason"`
}

// LockInput carries the optional reason for a lock.
type LockInput struct {
	Reason string `json:"reason,omitempty" maxLength:"1000"`
}

// MaxLockReasonLen bounds a lock's reason.
const MaxLockReasonLen = 1000

// Validate checks the reason.
func (in LockInput) Validate() error { return validateText("reason", in.Reason, MaxLockReasonLen) }

// FirstLock returns the lock nearest the top of the tree among locks ordered
// act, scene, shot, or nil. The outermost lock is the one a user must lift to
// write, so it is the one a 423 names.
func FirstLock(locks ...*Lock) *Lock {
	for _, l := range locks {
		if l != nil {
			return l
		}
	}
	return nil
}
