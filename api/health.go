package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// Health is the answer of /healthz.
type Health struct {
	Status string `json:"status" example:"ok"`
}

func (s *Server) registerOps() {
	register(s, huma.Operation{
		OperationID: "healthz", Method: http.MethodGet, Path: "/healthz", Tags: []string{"ops"},
		Summary:     "Report whether the server can serve requests",
		Description: "Answers 200 when the database answers, 503 otherwise; for load balancers and orchestrators.",
	}, opts{public: true, errs: []int{503}}, func(ctx context.Context, _ *struct{}) (*out[Health], error) {
		if s.Ready != nil {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := s.Ready(ctx); err != nil {
				loggerFrom(ctx).WarnContext(ctx, "not ready", "err", err)
				return nil, huma.Error503ServiceUnavailable("not ready")
			}
		}
		return reply(Health{Status: "ok"}), nil
	})
}
