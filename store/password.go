package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"slate"
)

// PasswordParams are argon2id's cost parameters. Hashes record the parameters
// they were made with, so changing them never locks anyone out.
type PasswordParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultPasswordParams follow OWASP's argon2id minimum (19 MiB, 2 passes).
var DefaultPasswordParams = PasswordParams{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

func (p PasswordParams) orDefault() PasswordParams {
	if p.MemoryKiB == 0 || p.Time == 0 || p.Threads == 0 {
		return DefaultPasswordParams
	}
	return p
}

// bytes is the memory one hash with these parameters holds while it runs.
func (p PasswordParams) bytes() int64 { return int64(p.MemoryKiB) * 1024 }

// Defaults of the password gate: 64 MiB of hashing at once (three hashes of
// DefaultPasswordParams) and 32 requests waiting for a turn.
const (
	DefaultPasswordMemory = 64 << 20
	DefaultPasswordQueue  = 32
)

// gate bounds the password hashes running at once, since each holds its
// parameters' memory (19 MiB by default) until it ends, and the requests
// waiting for one. A request that finds the line full is refused at once,
// so a flood of sign-ins costs a bounded number of goroutines and bytes and
// no one waits longer than the line ahead of them takes to hash.
type gate struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
}

// newGate sizes the gate from a memory budget: as many hashes of p as fit
// in memory bytes, and at least one.
func newGate(p PasswordParams, memory int64, queue int) *gate {
	if memory <= 0 {
		memory = DefaultPasswordMemory
	}
	if queue <= 0 {
		queue = DefaultPasswordQueue
	}
	return &gate{slots: make(chan struct{}, max(1, memory/p.bytes())), queue: int64(queue)}
}

// busyRetry is what a refused request is told to wait: the line moves by a
// hash or so per slot, a fraction of a second.
const busyRetry = time.Second

// enter takes a slot, waiting in line if all are taken. It answers the
// function that gives the slot back, or ERATELIMITED when the line is full
// or ctx ends first.
func (g *gate) enter(ctx context.Context) (leave func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return g.leave, nil
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return nil, slate.RateLimited(busyRetry, "the server is busy checking other passwords: try again in a moment")
	}
	defer g.waiting.Add(-1)
	select {
	case g.slots <- struct{}{}:
		return g.leave, nil
	case <-ctx.Done():
		return nil, slate.RateLimited(busyRetry, "gave up waiting to check the password: try again in a moment")
	}
}

func (g *gate) leave() { <-g.slots }

// unknownHash is what Login checks a password against when no account has
// the email: a real hash with the parameters of real ones, so an unknown
// email costs exactly what a known one does and timing tells nothing.
func unknownHash(p PasswordParams) string {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	h, err := hashPassword(base64.RawStdEncoding.EncodeToString(secret), p)
	if err != nil {
		panic(err)
	}
	return h
}

// hashPassword returns a PHC-style argon2id string.
func hashPassword(pw string, p PasswordParams) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// hashParams reads the parameters an encoded hash was made with.
func hashParams(encoded string) (PasswordParams, []string, bool) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return PasswordParams{}, nil, false
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return PasswordParams{}, nil, false
	}
	return p, parts, true
}

// checkPassword reports whether pw matches the encoded hash, in constant time.
func checkPassword(pw, encoded string) bool {
	p, parts, ok := hashParams(encoded)
	if !ok {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
