package provider_test

import (
	"context"
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

// TestDownloadExpired: a result URL that answers 403, 404 or 410 ends the
// download with an *engine.Error that is also ErrExpired, so an adapter
// can ask its provider for a fresh URL, and leaves no file.
func TestDownloadExpired(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusNotFound, http.StatusGone} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
		}))
		t.Cleanup(srv.Close)
		dst := filepath.Join(t.TempDir(), "out.mp4")
		err := provider.Download(context.Background(), "test", provider.Fetch{URL: srv.URL}, dst)
		if !errors.Is(err, provider.ErrExpired) {
			t.Errorf("%d: error %v is not ErrExpired", status, err)
		}
		if e := engine.AsError(err); e.Code != slate.JobErrEngineFailed || !e.Retryable {
			t.Errorf("%d: engine error = %+v", status, e)
		}
		if _, serr := os.Stat(dst); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("%d: dst exists after an expired download", status)
		}
	}
}
