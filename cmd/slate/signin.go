package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"slate/api"
	"slate/limit"
	"slate/store"
)

// signInOptions are the server's limits on sign-in: how much memory
// password hashing may hold, and how fast one address or one account may
// try. docs/security.md explains each.
type signInOptions struct {
	passwordMiB    int
	passwordQueue  int
	burst          int
	every          time.Duration
	free           int
	backoff        time.Duration
	backoffMax     time.Duration
	trustedProxies []string
}

// signInEnv names the variable of each sign-in flag.
var signInEnv = map[string]string{
	"password-memory":    "SLATE_PASSWORD_MEMORY",
	"password-queue":     "SLATE_PASSWORD_QUEUE",
	"signin-burst":       "SLATE_SIGNIN_BURST",
	"signin-every":       "SLATE_SIGNIN_EVERY",
	"signin-free":        "SLATE_SIGNIN_FREE",
	"signin-backoff":     "SLATE_SIGNIN_BACKOFF",
	"signin-backoff-max": "SLATE_SIGNIN_BACKOFF_MAX",
	"trusted-proxies":    "SLATE_TRUSTED_PROXIES",
}

func signInFlags(fs *pflag.FlagSet, o *signInOptions) {
	rate, b := limit.DefaultRate, limit.DefaultBackoff
	fs.IntVar(&o.passwordMiB, "password-memory", store.DefaultPasswordMemory>>20,
		"MiB that password hashes may hold at once; each holds 19, so this sets how many run at once (env SLATE_PASSWORD_MEMORY)")
	fs.IntVar(&o.passwordQueue, "password-queue", store.DefaultPasswordQueue,
		"sign-ins that may wait for a password hash; more are refused with 429 (env SLATE_PASSWORD_QUEUE)")
	fs.IntVar(&o.burst, "signin-burst", rate.Burst,
		"sign-in attempts a client address (or, for tokens and invitations, an account) may make at once (env SLATE_SIGNIN_BURST)")
	fs.DurationVar(&o.every, "signin-every", rate.Every,
		"after the burst, one more attempt every this long (env SLATE_SIGNIN_EVERY)")
	fs.IntVar(&o.free, "signin-free", b.Free,
		"failed sign-ins in a row an account takes before it pauses (env SLATE_SIGNIN_FREE)")
	fs.DurationVar(&o.backoff, "signin-backoff", b.First,
		"an account's first pause; each further failure doubles it (env SLATE_SIGNIN_BACKOFF)")
	fs.DurationVar(&o.backoffMax, "signin-backoff-max", b.Max,
		"an account's longest pause (env SLATE_SIGNIN_BACKOFF_MAX)")
	fs.StringSliceVar(&o.trustedProxies, "trusted-proxies", nil,
		"`CIDR`s of reverse proxies whose X-Forwarded-For names the client; none by default (env SLATE_TRUSTED_PROXIES)")
}

// fromEnv sets each flag the command line left alone from its variable,
// so a bad value is refused naming the variable rather than ignored.
func fromEnv(fs *pflag.FlagSet, vars map[string]string, lookup func(string) (string, bool)) error {
	for name, env := range vars {
		v, ok := lookup(env)
		if !ok || fs.Changed(name) {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return fmt.Errorf("%s=%q: %w", env, v, err)
		}
	}
	return nil
}

// store sets the store's part: the password gate and the account backoff.
func (o *signInOptions) store(opts *store.Options) {
	opts.PasswordMemory = int64(o.passwordMiB) << 20
	opts.PasswordQueue = o.passwordQueue
	opts.SignInBackoff = o.backoffRule()
}

func (o *signInOptions) backoffRule() limit.Backoff {
	return limit.Backoff{Free: o.free, First: o.backoff, Max: o.backoffMax, Forget: limit.DefaultBackoff.Forget}
}

// api answers the API's part: the buckets per address and account.
func (o *signInOptions) api() (api.SignInLimits, error) {
	l := api.SignInLimits{Rate: limit.Rate{Burst: o.burst, Every: o.every}}
	if err := l.Rate.Validate(); err != nil {
		return l, fmt.Errorf("--signin-burst/--signin-every: %w", err)
	}
	if err := o.backoffRule().Validate(); err != nil {
		return l, fmt.Errorf("--signin-free/--signin-backoff/--signin-backoff-max: %w", err)
	}
	if o.passwordMiB < 1 || o.passwordQueue < 1 {
		return l, errors.New("--password-memory and --password-queue must be at least 1")
	}
	for _, s := range o.trustedProxies {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return l, fmt.Errorf("--trusted-proxies: %q is neither a CIDR nor an address", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		l.TrustedProxies = append(l.TrustedProxies, p.Masked())
	}
	return l, nil
}
