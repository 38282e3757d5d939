package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// QuotePath names a stored estimate.
type QuotePath struct {
	Quote string `path:"quote" maxLength:"100" doc:"Quote id"`
}

func (s *Server) registerEstimates() {
	tags := []string{"credits"}
	register(s, huma.Operation{
		OperationID: "createEstimate", Method: http.MethodPost, Path: "/api/v1/projects/{project}/estimates", Tags: tags,
		Summary: "Price a selection of shots and keep it as a quote",
		Description: "Needs run_ai. Work that does not fit is still quoted, with its shortfall and remedies. " +
			"The quote's prices hold for 15 minutes.",
		DefaultStatus: http.StatusCreated,
	}, errsRead, func(ctx context.Context, in *struct {
		ProjectPath
		Body slate.EstimateInput
	}) (*out[*slate.Quote], error) {
		return replyOr(s.Credits.Estimate(ctx, in.Project, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "getQuote", Method: http.MethodGet, Path: "/api/v1/quotes/{quote}", Tags: tags,
		Summary:     "A stored estimate",
		Description: "Members with read who may see its project. A batch submitted with its id is charged these prices while the quote is valid.",
	}, errsRead, func(ctx context.Context, in *QuotePath) (*out[*slate.Quote], error) {
		return replyOr(s.Credits.Quote(ctx, in.Quote))
	})
}
