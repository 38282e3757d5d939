package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// Tags is the tag list of a scene or shot. Tags stay editable on locked
// elements.
type Tags struct {
	Tags []string `json:"tags" maxItems:"100" doc:"Free-text labels, matched case-insensitively; at most 50 after removing duplicates"`
}

func (s *Server) registerTags() {
	tags := []string{"tree"}
	setTags := func(ctx context.Context, el slate.ElementRef, in Tags) (*out[Tags], error) {
		ts, err := s.Tree.SetTags(ctx, el, in.Tags)
		if err != nil {
			return nil, err
		}
		if ts == nil {
			ts = []string{}
		}
		return reply(Tags{Tags: ts}), nil
	}
	register(s, huma.Operation{
		OperationID: "setSceneTags", Method: http.MethodPut, Path: "/api/v1/scenes/{scene}/tags", Tags: tags,
		Summary:     "Replace a scene's tags",
		Description: "Needs modify. Allowed while locked: tags organise work, they do not change it. Answers the tags as stored: white space collapsed, case-insensitive duplicates dropped, sorted.",
	}, errsWrite, func(ctx context.Context, in *struct {
		ScenePath
		Body Tags
	}) (*out[Tags], error) {
		return setTags(ctx, slate.ElementRef{Kind: slate.KindScene, ID: in.Scene}, in.Body)
	})
	register(s, huma.Operation{
		OperationID: "setShotTags", Method: http.MethodPut, Path: "/api/v1/shots/{shot}/tags", Tags: tags,
		Summary:     "Replace a shot's tags",
		Description: "Needs modify. Allowed while locked: tags organise work, they do not change it. Answers the tags as stored: white space collapsed, case-insensitive duplicates dropped, sorted.",
	}, errsWrite, func(ctx context.Context, in *struct {
		ShotPath
		Body Tags
	}) (*out[Tags], error) {
		return setTags(ctx, slate.ElementRef{Kind: slate.KindShot, ID: in.Shot}, in.Body)
	})
	register(s, huma.Operation{
		OperationID: "reviewShot", Method: http.MethodPost, Path: "/api/v1/shots/{shot}/review", Tags: tags,
		Summary: "Set a shot's review status", Description: "Approving needs a take. Allowed on locked shots.",
	}, errsWrite, func(ctx context.Context, in *struct {
		ShotPath
		Body slate.Review
	}) (*out[*slate.Shot], error) {
		sh, err := s.Tree.SetReview(ctx, in.Shot, in.Body)
		return replyOr(sh, err)
	})
}
