package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// registerLocks adds lock and unlock for each lockable level of the tree.
func (s *Server) registerLocks() {
	s.registerLock(slate.KindAct, "Act", "/api/v1/acts/{id}/lock")
	s.registerLock(slate.KindScene, "Scene", "/api/v1/scenes/{id}/lock")
	s.registerLock(slate.KindShot, "Shot", "/api/v1/shots/{id}/lock")
}

// ElementPath names the act, scene or shot of a lock route.
type ElementPath struct {
	ID string `path:"id" maxLength:"100" doc:"Id of the act, scene or shot"`
}

func (s *Server) registerLock(kind slate.ElementKind, name, path string) {
	tags := []string{"locks"}
	register(s, huma.Operation{
		OperationID: "lock" + name, Method: http.MethodPost, Path: path, Tags: tags,
		Summary:     "Lock a " + string(kind) + " and everything under it",
		Description: "Needs modify. Until unlocked, nothing under it can be edited, moved, deleted or rendered (423).",
	}, errsWrite, func(ctx context.Context, in *struct {
		ElementPath
		Body *slate.LockInput
	}) (*out[*slate.Lock], error) {
		var li slate.LockInput
		if in.Body != nil {
			li = *in.Body
		}
		l, err := s.Tree.Lock(ctx, slate.ElementRef{Kind: kind, ID: in.ID}, li.Reason)
		return replyOr(l, err)
	})
	register(s, huma.Operation{
		OperationID: "unlock" + name, Method: http.MethodDelete, Path: path, Tags: tags,
		Summary: "Unlock a " + string(kind), Description: "Needs modify.",
	}, errsWrite, func(ctx context.Context, in *ElementPath) (*noContent, error) {
		return nil, s.Tree.Unlock(ctx, slate.ElementRef{Kind: kind, ID: in.ID})
	})
}
