package main

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"slate/limit"
	"slate/store"
)

// TestSignInFlags: the defaults are the limits the docs promise, the
// variables fill what the command line leaves, and bad values are refused
// naming the flag or variable.
func TestSignInFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(t *testing.T, o *signInOptions)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, o *signInOptions) {
			l, _ := o.api()
			var opts store.Options
			o.store(&opts)
			if l.Rate != limit.DefaultRate || opts.SignInBackoff != limit.DefaultBackoff || l.TrustedProxies != nil ||
				opts.PasswordMemory != store.DefaultPasswordMemory || opts.PasswordQueue != store.DefaultPasswordQueue {
				t.Errorf("defaults: %+v %+v", l, opts)
			}
		}},
		{name: "flags and variables", args: []string{"--signin-burst", "40", "--trusted-proxies", "10.0.0.0/8, 192.0.2.1"},
			env: map[string]string{"SLATE_SIGNIN_BURST": "99", "SLATE_SIGNIN_EVERY": "30s", "SLATE_PASSWORD_MEMORY": "256"},
			check: func(t *testing.T, o *signInOptions) {
				l, _ := o.api()
				var opts store.Options
				o.store(&opts)
				want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
				if l.Rate != (limit.Rate{Burst: 40, Every: 30 * time.Second}) || !slices.Equal(l.TrustedProxies, want) ||
					opts.PasswordMemory != 256<<20 {
					t.Errorf("got %+v, memory %d", l, opts.PasswordMemory)
				}
			}},
		{name: "bad variable", env: map[string]string{"SLATE_SIGNIN_EVERY": "soon"}, wantErr: "SLATE_SIGNIN_EVERY"},
		{name: "no burst", args: []string{"--signin-burst", "0"}, wantErr: "--signin-burst"},
		{name: "backoff longer than its max", args: []string{"--signin-backoff", "1h"}, wantErr: "--signin-backoff"},
		{name: "no free attempt", args: []string{"--signin-free", "0"}, wantErr: "--signin-free"},
		{name: "no memory", env: map[string]string{"SLATE_PASSWORD_MEMORY": "0"}, wantErr: "--password-memory"},
		{name: "bad proxy", args: []string{"--trusted-proxies", "example.com"}, wantErr: "--trusted-proxies"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var o signInOptions
			fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
			signInFlags(fs, &o)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := fromEnv(fs, signInEnv, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if err == nil {
				_, err = o.api()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, &o)
		})
	}
}
