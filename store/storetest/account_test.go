package storetest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

func TestSignupLoginAuthenticate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		u, err := env.DB.Signup(ctx, slate.Signup{Email: " Ada@Example.TEST ", Password: "long enough pw", Name: "Ada"})
		if err != nil {
			t.Fatal(err)
		}
		if u.Email != "ada@example.test" {
			t.Errorf("email = %q, want it normalised", u.Email)
		}
		if _, err := env.DB.Signup(ctx, slate.Signup{Email: "ADA@example.test", Password: "long enough pw", Name: "Ada 2"}); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Errorf("duplicate signup: got %v, want conflict", err)
		}
		if _, _, err := env.DB.Login(ctx, "ada@example.test", "wrong password"); slate.ErrorCode(err) != slate.EUNAUTHENTICATED {
			t.Errorf("wrong password: got %v", err)
		}
		tok, got, err := env.DB.Login(ctx, "ADA@example.test", "long enough pw")
		if err != nil || got.ID != u.ID {
			t.Fatalf("login: %v %v", got, err)
		}
		who, err := env.DB.Authenticate(ctx, tok.Secret)
		if err != nil || who.ID != u.ID {
			t.Fatalf("authenticate: %v %v", who, err)
		}
		env.Clock.Advance(slate.SessionTTL + time.Second)
		if _, err := env.DB.Authenticate(ctx, tok.Secret); slate.ErrorCode(err) != slate.EUNAUTHENTICATED {
			t.Errorf("expired session: got %v, want unauthenticated", err)
		}
		api, err := env.DB.CreateToken(storetest.Ctx(u), slate.TokenInput{Name: "ci"})
		if err != nil {
			t.Fatal(err)
		}
		if err := env.DB.Logout(ctx, api.Secret); err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.Authenticate(ctx, api.Secret); slate.ErrorCode(err) != slate.EUNAUTHENTICATED {
			t.Errorf("revoked token: got %v", err)
		}
	})
}

func TestSignupRejectsBadInput(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		for _, in := range []slate.Signup{
			{Email: "not-an-email", Password: "long enough pw", Name: "X"},
			{Email: "x@example.test", Password: "short", Name: "X"},
			{Email: "x@example.test", Password: "long enough pw", Name: ""},
			{Email: "Name <x@example.test>", Password: "long enough pw", Name: "X"},
		} {
			if _, err := env.DB.Signup(context.Background(), in); slate.ErrorCode(err) != slate.EINVALID {
				t.Errorf("signup %+v: got %v, want invalid", in, err)
			}
		}
		if _, _, err := env.DB.Login(context.Background(), "x@example.test", "long enough pw"); err == nil {
			t.Error("a refused signup left an account behind")
		}
	})
}

// Join makes the account and its first session with one password hash, so
// a sign-up is never left half done: a taken email makes neither.
func TestJoinOpensTheFirstSession(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		tok, u, err := env.DB.Join(ctx, slate.Signup{Email: "Grace@Example.test", Password: "long enough pw", Name: "Grace"})
		if err != nil {
			t.Fatal(err)
		}
		if tok.Kind != slate.TokenSession || tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(env.Clock.Now().Add(slate.SessionTTL)) {
			t.Errorf("token %+v, want a session expiring after %s", tok, slate.SessionTTL)
		}
		who, err := env.DB.Authenticate(ctx, tok.Secret)
		if err != nil || who.ID != u.ID || who.Email != "grace@example.test" {
			t.Fatalf("authenticate: %+v %v", who, err)
		}
		accounts := func() string {
			var keep []string
			for _, line := range strings.Split(storetest.Dump(t, env), "\n") {
				if strings.HasPrefix(line, "users:") || strings.HasPrefix(line, "tokens:") {
					keep = append(keep, line)
				}
			}
			return strings.Join(keep, "\n")
		}
		before := accounts()
		if _, _, err := env.DB.Join(ctx, slate.Signup{Email: "grace@example.test", Password: "long enough pw", Name: "Again"}); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Fatalf("taken email: got %v, want conflict", err)
		}
		if after := accounts(); after != before {
			t.Error("a refused join wrote users or tokens")
		}
	})
}
