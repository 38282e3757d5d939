package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// ProjectPath names a project.
type ProjectPath struct {
	Project string `path:"project" maxLength:"100" doc:"Project id"`
}

func (s *Server) registerProjects() {
	tags := []string{"projects"}
	register(s, huma.Operation{
		OperationID: "createProject", Method: http.MethodPost, Path: "/api/v1/orgs/{org}/projects", Tags: tags,
		Summary: "Create a project", Description: "Needs modify. Empty fields take the defaults (film, 16:9, 24 fps, preview, draft).",
		DefaultStatus: http.StatusCreated,
	}, errsWrite, func(ctx context.Context, in *struct {
		OrgPath
		Body slate.ProjectInput
	}) (*out[*slate.Project], error) {
		return replyOr(s.Projects.CreateProject(ctx, in.Org, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "listProjects", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/projects", Tags: tags,
		Summary:     "The organisation's projects the caller may see, oldest first",
		Description: "Members with read. Owners see every project; other members do not see restricted projects they are not named on.",
	}, errsRead, func(ctx context.Context, in *struct {
		OrgPath
		PageQuery
	}) (*out[*slate.Page[*slate.Project]], error) {
		return replyOr(s.Projects.ListProjects(ctx, in.Org, in.Page()))
	})
	register(s, huma.Operation{
		OperationID: "getProject", Method: http.MethodGet, Path: "/api/v1/projects/{project}", Tags: tags,
		Summary:     "One project",
		Description: "Members with read who may see the project; to anyone else it does not exist (404).",
	}, errsRead, func(ctx context.Context, in *ProjectPath) (*out[*slate.Project], error) {
		return replyOr(s.Projects.GetProject(ctx, in.Project))
	})
	register(s, huma.Operation{
		OperationID: "updateProject", Method: http.MethodPatch, Path: "/api/v1/projects/{project}", Tags: tags,
		Summary: "Edit a project", Description: "Needs modify. Absent fields stay as they are.",
	}, errsWrite, func(ctx context.Context, in *struct {
		ProjectPath
		Body slate.ProjectPatch
	}) (*out[*slate.Project], error) {
		return replyOr(s.Projects.UpdateProject(ctx, in.Project, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "deleteProject", Method: http.MethodDelete, Path: "/api/v1/projects/{project}", Tags: tags,
		Summary: "Delete a project", Description: "Needs owner; refused while anything in it is locked.",
	}, errsLocked, func(ctx context.Context, in *ProjectPath) (*noContent, error) {
		return nil, s.Projects.DeleteProject(ctx, in.Project)
	})
	register(s, huma.Operation{
		OperationID: "getTree", Method: http.MethodGet, Path: "/api/v1/projects/{project}/tree", Tags: tags,
		Summary:     "The whole project: acts, scenes and shots in order",
		Description: "Members with read who may see the project. Every shot carries its tags, lock, review status and the engine and tier it renders with.",
	}, errsRead, func(ctx context.Context, in *ProjectPath) (*out[*slate.Tree], error) {
		return replyOr(s.Projects.Tree(ctx, in.Project))
	})
	register(s, huma.Operation{
		OperationID: "setProjectAccess", Method: http.MethodPut, Path: "/api/v1/projects/{project}/access", Tags: tags,
		Summary:     "Restrict a project to named members, or lift the restriction",
		Description: "Needs owner. Members not named then get 404 for the project; owners always see it.",
	}, errsWrite, func(ctx context.Context, in *struct {
		ProjectPath
		Body slate.ProjectAccess
	}) (*out[*slate.Project], error) {
		return replyOr(s.Projects.SetProjectAccess(ctx, in.Project, in.Body))
	})
}
