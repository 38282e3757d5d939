package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// ActPath names an act.
type ActPath struct {
	Act string `path:"act" maxLength:"100" doc:"Act id"`
}

// ScenePath names a scene.
type ScenePath struct {
	Scene string `path:"scene" maxLength:"100" doc:"Scene id"`
}

// ShotPath names a shot.
type ShotPath struct {
	Shot string `path:"shot" maxLength:"100" doc:"Shot id"`
}

func (s *Server) registerTree() {
	tags := []string{"tree"}
	register(s, huma.Operation{
		OperationID: "createAct", Method: http.MethodPost, Path: "/api/v1/projects/{project}/acts", Tags: tags,
		Summary: "Add an act to a project", DefaultStatus: http.StatusCreated,
		Description: "Needs modify. position 0 (or none) appends; otherwise the act is inserted there and later acts move down.",
	}, errsLocked, func(ctx context.Context, in *struct {
		ProjectPath
		Body slate.ActInput
	}) (*out[*slate.Act], error) {
		a, err := s.Tree.CreateAct(ctx, in.Project, in.Body)
		return replyOr(a, err)
	})
	register(s, huma.Operation{
		OperationID: "updateAct", Method: http.MethodPatch, Path: "/api/v1/acts/{act}", Tags: tags,
		Summary:     "Edit or move an act",
		Description: "Needs modify; refused (423) while the act is locked. Absent fields stay as they are; position moves the act among its siblings.",
	}, errsLocked, func(ctx context.Context, in *struct {
		ActPath
		Body slate.ActPatch
	}) (*out[*slate.Act], error) {
		a, err := s.Tree.UpdateAct(ctx, in.Act, in.Body)
		return replyOr(a, err)
	})
	register(s, huma.Operation{
		OperationID: "deleteAct", Method: http.MethodDelete, Path: "/api/v1/acts/{act}", Tags: tags,
		Summary:     "Delete an act with its scenes and shots",
		Description: "Needs modify; refused (423) while the act or anything under it is locked. Unfinished jobs of its shots are cancelled.",
	}, errsLocked, func(ctx context.Context, in *ActPath) (*noContent, error) {
		return nil, s.Tree.DeleteAct(ctx, in.Act)
	})

	register(s, huma.Operation{
		OperationID: "createScene", Method: http.MethodPost, Path: "/api/v1/acts/{act}/scenes", Tags: tags,
		Summary: "Add a scene to an act", DefaultStatus: http.StatusCreated,
		Description: "Needs modify; refused (423) while the act is locked. position 0 (or none) appends.",
	}, errsLocked, func(ctx context.Context, in *struct {
		ActPath
		Body slate.SceneInput
	}) (*out[*slate.Scene], error) {
		sc, err := s.Tree.CreateScene(ctx, in.Act, in.Body)
		return replyOr(sc, err)
	})
	register(s, huma.Operation{
		OperationID: "updateScene", Method: http.MethodPatch, Path: "/api/v1/scenes/{scene}", Tags: tags,
		Summary:     "Edit a scene, or move it (act_id, position)",
		Description: "Needs modify; refused (423) while the scene or its act is locked, or, for a move, the act it moves to. Absent fields stay as they are.",
	}, errsLocked, func(ctx context.Context, in *struct {
		ScenePath
		Body slate.ScenePatch
	}) (*out[*slate.Scene], error) {
		sc, err := s.Tree.UpdateScene(ctx, in.Scene, in.Body)
		return replyOr(sc, err)
	})
	register(s, huma.Operation{
		OperationID: "deleteScene", Method: http.MethodDelete, Path: "/api/v1/scenes/{scene}", Tags: tags,
		Summary:     "Delete a scene with its shots",
		Description: "Needs modify; refused (423) while the scene, its act or any of its shots is locked. Unfinished jobs of its shots are cancelled.",
	}, errsLocked, func(ctx context.Context, in *ScenePath) (*noContent, error) {
		return nil, s.Tree.DeleteScene(ctx, in.Scene)
	})

	register(s, huma.Operation{
		OperationID: "createShot", Method: http.MethodPost, Path: "/api/v1/scenes/{scene}/shots", Tags: tags,
		Summary: "Add a shot to a scene", DefaultStatus: http.StatusCreated,
		Description: "Needs modify; refused (423) while the scene or its act is locked. position 0 (or none) appends; engine and tier left empty follow the project's defaults.",
	}, errsLocked, func(ctx context.Context, in *struct {
		ScenePath
		Body slate.ShotInput
	}) (*out[*slate.Shot], error) {
		sh, err := s.Tree.CreateShot(ctx, in.Scene, in.Body)
		return replyOr(sh, err)
	})
	register(s, huma.Operation{
		OperationID: "getShot", Method: http.MethodGet, Path: "/api/v1/shots/{shot}", Tags: tags,
		Summary:     "One shot",
		Description: "Members with read who may see the shot's project. It carries its tags, lock, review status and the engine and tier it renders with.",
	}, errsRead, func(ctx context.Context, in *ShotPath) (*out[*slate.Shot], error) {
		sh, err := s.Tree.GetShot(ctx, in.Shot)
		return replyOr(sh, err)
	})
	register(s, huma.Operation{
		OperationID: "updateShot", Method: http.MethodPatch, Path: "/api/v1/shots/{shot}", Tags: tags,
		Summary:     "Edit a shot, or move it (scene_id, position)",
		Description: "Needs modify; refused (423) while the shot, its scene or its act is locked, or, for a move, the scene it moves to. Absent fields stay as they are; a move stays within the project.",
	}, errsLocked, func(ctx context.Context, in *struct {
		ShotPath
		Body slate.ShotPatch
	}) (*out[*slate.Shot], error) {
		sh, err := s.Tree.UpdateShot(ctx, in.Shot, in.Body)
		return replyOr(sh, err)
	})
	register(s, huma.Operation{
		OperationID: "deleteShot", Method: http.MethodDelete, Path: "/api/v1/shots/{shot}", Tags: tags,
		Summary:     "Delete a shot",
		Description: "Needs modify; refused (423) while the shot, its scene or its act is locked. Its unfinished jobs are cancelled.",
	}, errsLocked, func(ctx context.Context, in *ShotPath) (*noContent, error) {
		return nil, s.Tree.DeleteShot(ctx, in.Shot)
	})

	reorder := func(ctx context.Context, kind slate.ElementKind, id string, in slate.Reorder) (*out[slate.Reorder], error) {
		if err := s.Tree.Reorder(ctx, slate.ElementRef{Kind: kind, ID: id}, in.IDs); err != nil {
			return nil, err
		}
		return reply(in), nil
	}
	const reorderDoc = "ids must list every child exactly once, in the new order."
	register(s, huma.Operation{
		OperationID: "reorderActs", Method: http.MethodPut, Path: "/api/v1/projects/{project}/order", Tags: tags,
		Summary: "Set the order of a project's acts", Description: reorderDoc,
	}, errsLocked, func(ctx context.Context, in *struct {
		ProjectPath
		Body slate.Reorder
	}) (*out[slate.Reorder], error) {
		return reorder(ctx, slate.KindProject, in.Project, in.Body)
	})
	register(s, huma.Operation{
		OperationID: "reorderScenes", Method: http.MethodPut, Path: "/api/v1/acts/{act}/order", Tags: tags,
		Summary: "Set the order of an act's scenes", Description: reorderDoc,
	}, errsLocked, func(ctx context.Context, in *struct {
		ActPath
		Body slate.Reorder
	}) (*out[slate.Reorder], error) {
		return reorder(ctx, slate.KindAct, in.Act, in.Body)
	})
	register(s, huma.Operation{
		OperationID: "reorderShots", Method: http.MethodPut, Path: "/api/v1/scenes/{scene}/order", Tags: tags,
		Summary: "Set the order of a scene's shots", Description: reorderDoc,
	}, errsLocked, func(ctx context.Context, in *struct {
		ScenePath
		Body slate.Reorder
	}) (*out[slate.Reorder], error) {
		return reorder(ctx, slate.KindScene, in.Scene, in.Body)
	})
}
