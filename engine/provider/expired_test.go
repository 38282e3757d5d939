package provider_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/provider"
)

func TestDownloadOfAnExpiredURLIsErrExpired(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusNotFound, http.StatusGone} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "expired", status)
		}))
		t.Cleanup(srv.Close)
		dst := filepath.Join(t.TempDir(), "take.mp4")
		err := provider.Download(t.Context(), "test", provider.Fetch{URL: srv.URL + "/out.mp4"}, dst)
		ee, ok := errors.AsType[*engine.Error](err)
		if !errors.Is(err, provider.ErrExpired) || !ok || ee.Code != slate.JobErrEngineFailed || !ee.Retryable {
			t.Errorf("%d: err = %v, want a retryable engine_failed *engine.Error that is ErrExpired", status, err)
		}
		if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%d: left %s", status, dst)
		}
	}
}
