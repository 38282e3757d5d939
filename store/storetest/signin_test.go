package storetest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"slate"
	"slate/limit"
	"slate/store"
	"slate/store/storetest"
)

const goodPassword = "correct horse battery"

// login tries email and password and answers the error's code ("" on
// success) and, for ERATELIMITED, its wait.
func login(t *testing.T, db *store.DB, email, password string) (slate.Code, time.Duration) {
	t.Helper()
	_, _, err := db.Login(context.Background(), email, password)
	var e *slate.Error
	if errors.As(err, &e) {
		return e.Code, e.RetryAfter
	}
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return "", 0
}

func TestSignInBacksOffPerAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		u, _ := env.NewUser(t, "ada")
		b := limit.DefaultBackoff
		for i := 1; i <= b.Free; i++ {
			if code, _ := login(t, env.DB, u.Email, "wrong password"); code != slate.EUNAUTHENTICATED {
				t.Fatalf("failure %d: %q, want unauthenticated", i, code)
			}
		}
		// Paused: even the right password is not checked.
		if code, wait := login(t, env.DB, u.Email, goodPassword); code != slate.ERATELIMITED || wait != b.First {
			t.Fatalf("after %d failures: %q wait %v, want rate_limited for %v", b.Free, code, wait, b.First)
		}
		env.Clock.Advance(b.First / 2)
		if code, wait := login(t, env.DB, u.Email, goodPassword); code != slate.ERATELIMITED || wait != b.First/2 {
			t.Fatalf("half way: %q wait %v, want rate_limited for %v", code, wait, b.First/2)
		}
		env.Clock.Advance(b.First / 2)
		// The pause doubles with each further failure.
		if code, _ := login(t, env.DB, u.Email, "wrong password"); code != slate.EUNAUTHENTICATED {
			t.Fatalf("after the pause: %q, want the password checked", code)
		}
		if _, wait := login(t, env.DB, u.Email, goodPassword); wait != 2*b.First {
			t.Fatalf("after one more failure: wait %v, want %v", wait, 2*b.First)
		}
		env.Clock.Advance(2 * b.First)
		if code, _ := login(t, env.DB, u.Email, goodPassword); code != "" {
			t.Fatalf("right password after the pause: %q", code)
		}
		// A success clears the record: the free failures are back.
		for i := 1; i <= b.Free; i++ {
			if code, _ := login(t, env.DB, u.Email, "wrong password"); code != slate.EUNAUTHENTICATED {
				t.Fatalf("after a success, failure %d: %q, want unauthenticated", i, code)
			}
		}
	})
}

// An unknown email is paused exactly like a known one, so a pause does not
// tell which emails have accounts.
func TestSignInBackoffSameForUnknownEmails(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		u, _ := env.NewUser(t, "ada")
		for _, email := range []string{u.Email, "nobody@example.test"} {
			var got []slate.Code
			for range limit.DefaultBackoff.Free + 1 {
				code, _ := login(t, env.DB, email, "wrong password")
				got = append(got, code)
			}
			for i, code := range got {
				want := slate.EUNAUTHENTICATED
				if i == len(got)-1 {
					want = slate.ERATELIMITED
				}
				if code != want {
					t.Errorf("%s: attempt %d %q, want %q (all: %v)", email, i+1, code, want, got)
				}
			}
		}
	})
}

// Several servers on one database share each account's record: failures
// on one count on the other, and many attempts at once are counted one by
// one, so no more than the free ones are checked.
func TestSignInBackoffSharedByServers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		other, err := store.Open(context.Background(), env.DSN, store.Options{Clock: env.Clock, PasswordParams: storetest.FastPasswords})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		u, _ := env.NewUser(t, "ada")
		servers := []*store.DB{env.DB, other}
		for i := range limit.DefaultBackoff.Free {
			if code, _ := login(t, servers[i%2], u.Email, "wrong password"); code != slate.EUNAUTHENTICATED {
				t.Fatalf("failure %d: %q", i+1, code)
			}
		}
		for i, db := range servers {
			if code, _ := login(t, db, u.Email, goodPassword); code != slate.ERATELIMITED {
				t.Errorf("server %d after the free failures on both: %q, want rate_limited", i, code)
			}
		}

		const attempts = 40
		v, _ := env.NewUser(t, "bo")
		codes := make(chan slate.Code, attempts)
		var wg sync.WaitGroup
		for i := range attempts {
			wg.Go(func() {
				code, _ := login(t, servers[i%2], v.Email, "wrong password")
				codes <- code
			})
		}
		wg.Wait()
		close(codes)
		n := map[slate.Code]int{}
		for c := range codes {
			n[c]++
		}
		if n[slate.EUNAUTHENTICATED] != limit.DefaultBackoff.Free || n[slate.ERATELIMITED] != attempts-limit.DefaultBackoff.Free {
			t.Errorf("%d attempts at once: %v, want %d checked and the rest rate_limited", attempts, n, limit.DefaultBackoff.Free)
		}
	})
}

func TestSignupCountsAgainstTheEmail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		u, _ := env.NewUser(t, "ada")
		for i := range limit.DefaultBackoff.Free {
			_, err := env.DB.Signup(ctx, slate.Signup{Email: u.Email, Password: goodPassword, Name: "Again"})
			if slate.ErrorCode(err) != slate.ECONFLICT {
				t.Fatalf("sign-up %d with a taken email: %v, want conflict", i+1, err)
			}
		}
		if code, _ := login(t, env.DB, u.Email, goodPassword); code != slate.ERATELIMITED {
			t.Errorf("login after %d taken-email sign-ups: %q, want rate_limited", limit.DefaultBackoff.Free, code)
		}
		// A paused email cannot be signed up either, and invalid input is
		// refused before it counts.
		if _, err := env.DB.Signup(ctx, slate.Signup{Email: "new@example.test", Password: "short", Name: "N"}); slate.ErrorCode(err) != slate.EINVALID {
			t.Fatalf("bad sign-up: %v", err)
		}
		if _, err := env.DB.Signup(ctx, slate.Signup{Email: "new@example.test", Password: goodPassword, Name: "N"}); err != nil {
			t.Fatalf("a refused bad sign-up counted against the email: %v", err)
		}
	})
}

func TestForgetSignInFailures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		login(t, env.DB, "old@example.test", "wrong password")
		env.Clock.Advance(limit.DefaultBackoff.Forget)
		login(t, env.DB, "recent@example.test", "wrong password")
		n, err := env.DB.ForgetSignInFailures(ctx)
		if err != nil || n != 1 {
			t.Fatalf("forget: %d, %v; want the one record a day old", n, err)
		}
		for range limit.DefaultBackoff.Free - 1 {
			login(t, env.DB, "recent@example.test", "wrong password")
		}
		if code, _ := login(t, env.DB, "recent@example.test", "wrong password"); code != slate.ERATELIMITED {
			t.Errorf("the recent record was forgotten too: %q", code)
		}
	})
}
