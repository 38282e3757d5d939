package provider_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/provider"
	"slate/waitfor"
)

// An expired result URL fails with an engine error a worker can record and
// an adapter can recognise as expired, to ask the provider for a new one.
func TestDownloadExpired(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusForbidden, http.StatusNotFound, http.StatusGone} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(status)
		}))
		dst := filepath.Join(t.TempDir(), "take.mp4")
		err := provider.Download(waitfor.Context(t), "test", provider.Fetch{URL: srv.URL}, dst)
		srv.Close()
		if !errors.Is(err, provider.ErrExpired) {
			t.Errorf("%d: error %v is not ErrExpired", status, err)
		}
		if e := engine.AsError(err); e.Code != slate.JobErrEngineFailed {
			t.Errorf("%d: engine error %+v, want %s", status, e, slate.JobErrEngineFailed)
		}
	}
}
