package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// ProjectBudgetInput sets a project's budget; null removes it.
type ProjectBudgetInput struct {
	Budget *int64 `json:"budget" required:"true" nullable:"true" doc:"Credits the project may spend over its life; null for no budget"`
}

func (s *Server) registerBudgets() {
	tags := []string{"credits"}
	register(s, huma.Operation{
		OperationID: "getBudget", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/budget", Tags: tags,
		Summary:     "The organisation's spend cap, member limits and alert thresholds",
		Description: "Members with read.",
	}, errsRead, func(ctx context.Context, in *OrgPath) (*out[*slate.Budget], error) {
		return replyOr(s.Credits.Budget(ctx, in.Org))
	})
	register(s, huma.Operation{
		OperationID: "setBudget", Method: http.MethodPut, Path: "/api/v1/orgs/{org}/budget", Tags: tags,
		Summary:     "Replace the organisation's spend cap, member limits and alert thresholds",
		Description: "Needs billing. A threshold already crossed fires at once.",
	}, errsWrite, func(ctx context.Context, in *struct {
		OrgPath
		Body slate.Budget
	}) (*out[*slate.Budget], error) {
		return replyOr(s.Credits.SetBudget(ctx, in.Org, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "getProjectBudget", Method: http.MethodGet, Path: "/api/v1/projects/{project}/budget", Tags: tags,
		Summary:     "A project's budget and what it has spent (charges and open holds)",
		Description: "Members with read who may see the project.",
	}, errsRead, func(ctx context.Context, in *ProjectPath) (*out[*slate.ProjectBudget], error) {
		return replyOr(s.Credits.ProjectBudget(ctx, in.Project))
	})
	register(s, huma.Operation{
		OperationID: "setProjectBudget", Method: http.MethodPut, Path: "/api/v1/projects/{project}/budget", Tags: tags,
		Summary:     "Set or remove a project's budget",
		Description: "Needs billing. Work that would cross the budget waits for approval.",
	}, errsWrite, func(ctx context.Context, in *struct {
		ProjectPath
		Body ProjectBudgetInput
	}) (*out[*slate.ProjectBudget], error) {
		return replyOr(s.Credits.SetProjectBudget(ctx, in.Project, in.Body.Budget))
	})
}
