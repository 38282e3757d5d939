package comfyui_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"slate"
	"slate/engine"
	"slate/engine/comfyui"
)

// Check asks GET /queue: a ComfyUI server passes; a server that is down,
// failing, or not ComfyUI at all does not, and says why.
func TestCheck(t *testing.T) {
	t.Parallel()
	answer := func(status int, contentType, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.URL.Path != "/queue" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, tc := range []struct {
		name    string
		url     func() string
		code    string // "" when Check must pass
		message string
	}{
		{"comfyui", func() string { return newFake(t, nil).srv.URL }, "", ""},
		{"comfyui running someone's prompt", func() string { return newFake(t, func(f *fake) { f.busy = "p-1" }).srv.URL }, "", ""},
		{"no /queue", func() string { return answer(http.StatusNotFound, "text/plain", "404: Not Found") },
			slate.JobErrEngineFailed, "answered 404"},
		{"server error", func() string {
			return answer(http.StatusInternalServerError, "text/plain", "500 Internal Server Error")
		},
			slate.JobErrEngineUnavailable, "answered 500"},
		{"down", func() string { return down.URL }, slate.JobErrEngineUnavailable, "cannot reach"},
		{"a web page", func() string { return answer(http.StatusOK, "text/html", "<html>router login</html>") },
			slate.JobErrEngineFailed, "unreadable answer"},
		{"other JSON", func() string { return answer(http.StatusOK, "application/json", `{"status":"ok"}`) },
			slate.JobErrEngineFailed, "is it a ComfyUI server?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, tc.url(), comfyui.Config{})
			err := e.Check(context.Background())
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var ee *engine.Error
			if !errors.As(err, &ee) {
				t.Fatalf("Check = %v, want an *engine.Error", err)
			}
			if ee.Code != tc.code || !strings.Contains(ee.Message, tc.message) {
				t.Errorf("Check = %+v, want code %s with %q", ee, tc.code, tc.message)
			}
		})
	}
}
