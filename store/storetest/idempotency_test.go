package storetest_test

import (
	"context"
	"sync"
	"testing"

	"slate"
	"slate/store/storetest"
)

func TestIdempotencyReplaysFinishedRequests(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		db := env.DB
		if resp, err := db.BeginIdempotent(ctx, "usr_a", "k1", "POST", "/api/v1/orgs", "h1"); resp != nil || err != nil {
			t.Fatalf("new key: %v, %v; want it claimed", resp, err)
		}
		for _, tc := range []struct {
			name               string
			method, path, hash string
		}{
			{"same request in flight", "POST", "/api/v1/orgs", "h1"},
			{"other body", "POST", "/api/v1/orgs", "h2"},
			{"other path", "POST", "/api/v1/tokens", "h1"},
			{"other method", "PUT", "/api/v1/orgs", "h1"},
		} {
			if _, err := db.BeginIdempotent(ctx, "usr_a", "k1", tc.method, tc.path, tc.hash); slate.ErrorCode(err) != slate.ECONFLICT {
				t.Errorf("%s: got %v, want conflict", tc.name, err)
			}
		}
		// Keys belong to one user: another user's k1 is a different key.
		if resp, err := db.BeginIdempotent(ctx, "usr_b", "k1", "PUT", "/x", "h9"); resp != nil || err != nil {
			t.Errorf("other user's key: %v, %v", resp, err)
		}

		stored := slate.IdempotentResponse{Status: 201, ContentType: "application/json", Body: []byte(`{"id":"org_1","name":"Ünïcode"}`)}
		if err := db.FinishIdempotent(ctx, "usr_a", "k1", stored); err != nil {
			t.Fatal(err)
		}
		resp, err := db.BeginIdempotent(ctx, "usr_a", "k1", "POST", "/api/v1/orgs", "h1")
		if err != nil || resp == nil || resp.Status != 201 || resp.ContentType != stored.ContentType || string(resp.Body) != string(stored.Body) {
			t.Fatalf("replay: %+v, %v; want the stored response", resp, err)
		}
		if _, err := db.BeginIdempotent(ctx, "usr_a", "k1", "POST", "/api/v1/orgs", "h2"); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Errorf("finished key, other body: got %v, want conflict", err)
		}
		// A finished key is not abandoned: its response is what retries get.
		if err := db.AbandonIdempotent(ctx, "usr_a", "k1"); err != nil {
			t.Fatal(err)
		}
		if resp, err := db.BeginIdempotent(ctx, "usr_a", "k1", "POST", "/api/v1/orgs", "h1"); err != nil || resp == nil {
			t.Errorf("replay after abandon of a finished key: %v, %v", resp, err)
		}
		if err := db.FinishIdempotent(ctx, "usr_a", "k1", stored); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("finish twice: got %v, want not found", err)
		}
		if err := db.FinishIdempotent(ctx, "usr_a", "never-claimed", stored); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("finish unclaimed: got %v, want not found", err)
		}
	})
}

func TestIdempotencyAbandonFreesKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		if _, err := env.DB.BeginIdempotent(ctx, "usr_a", "k", "POST", "/p", "h"); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.AbandonIdempotent(ctx, "usr_a", "k"); err != nil {
			t.Fatal(err)
		}
		// After a server-side failure the client may retry, even with a
		// corrected body.
		if resp, err := env.DB.BeginIdempotent(ctx, "usr_a", "k", "POST", "/p", "h2"); resp != nil || err != nil {
			t.Errorf("retry after abandon: %v, %v; want the key claimed again", resp, err)
		}
	})
}

func TestIdempotencyRefusesBadKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		long := make([]byte, 256)
		for i := range long {
			long[i] = 'k'
		}
		for name, key := range map[string]string{"empty": "", "too long": string(long), "not utf-8": "\xff"} {
			if _, err := env.DB.BeginIdempotent(ctx, "usr_a", key, "POST", "/p", "h"); slate.ErrorCode(err) != slate.EINVALID {
				t.Errorf("%s: got %v, want invalid", name, err)
			}
		}
		if _, err := env.DB.BeginIdempotent(ctx, "", "k", "POST", "/p", "h"); slate.ErrorCode(err) != slate.EUNAUTHENTICATED {
			t.Errorf("no user: got %v, want unauthenticated", err)
		}
	})
}

func TestIdempotencyConcurrentClaimsHaveOneWinner(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		resps := make([]*slate.IdempotentResponse, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resps[i], errs[i] = env.DB.BeginIdempotent(context.Background(), "usr_a", "race", "POST", "/p", "h")
			}()
		}
		wg.Wait()
		claimed := 0
		for i := range n {
			switch {
			case errs[i] == nil && resps[i] == nil:
				claimed++
			case slate.ErrorCode(errs[i]) != slate.ECONFLICT:
				t.Errorf("claim %d: %v, %v", i, resps[i], errs[i])
			}
		}
		if claimed != 1 {
			t.Errorf("%d claims won, want exactly 1", claimed)
		}
	})
}
