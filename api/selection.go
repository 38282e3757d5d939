package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// SelectionRequest asks which shots a selection picks.
type SelectionRequest struct {
	Selection slate.Selection `json:"selection"`
}

func (s *Server) registerSelections() {
	tags := []string{"tree"}
	register(s, huma.Operation{
		OperationID: "resolveSelection", Method: http.MethodPost, Path: "/api/v1/projects/{project}/selection", Tags: tags,
		Summary: "The shots a selection picks, in tree order, once each",
		Description: "Members with read. Changes nothing: it shows what a bulk action, an estimate or a submission of the same selection would pick. " +
			"One page (next_cursor is always empty): the answer is bounded by one project's tree, which GET /projects/{project}/tree answers whole.",
	}, errsRead, func(ctx context.Context, in *struct {
		ProjectPath
		Body SelectionRequest
	}) (*out[*slate.Page[*slate.Shot]], error) {
		shots, err := s.Tree.ResolveSelection(ctx, in.Project, in.Body.Selection)
		if err != nil {
			return nil, err
		}
		return list(shots), nil
	})
	register(s, huma.Operation{
		OperationID: "bulk", Method: http.MethodPost, Path: "/api/v1/projects/{project}/bulk", Tags: tags,
		Summary:     "Tag, untag, lock or unlock every shot of a selection",
		Description: "All or nothing: one refused shot refuses the whole request.",
	}, errsLocked, func(ctx context.Context, in *struct {
		ProjectPath
		Body slate.Bulk
	}) (*out[*slate.BulkResult], error) {
		r, err := s.Tree.Bulk(ctx, in.Project, in.Body)
		return replyOr(r, err)
	})
}
