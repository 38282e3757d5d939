package storetest_test

import (
	"context"
	"testing"

	"slate/store/storetest"
)

func TestBackendsOpen(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		if err := env.DB.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
