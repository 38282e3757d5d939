package client

import (
	"context"
	"net/http"

	"slate"
)

// CreateProject creates a project in an organisation.
func (c *Client) CreateProject(ctx context.Context, orgID string, in slate.ProjectInput) (*slate.Project, error) {
	return send[slate.Project](ctx, c, http.MethodPost, pathf("/api/v1/orgs/%s/projects", orgID), in)
}

// ListProjects lists the projects of an organisation the caller may see.
func (c *Client) ListProjects(ctx context.Context, orgID string) ([]*slate.Project, error) {
	return all[*slate.Project](ctx, c, pathf("/api/v1/orgs/%s/projects", orgID))
}

// GetProject reads one project.
func (c *Client) GetProject(ctx context.Context, projectID string) (*slate.Project, error) {
	return send[slate.Project](ctx, c, http.MethodGet, pathf("/api/v1/projects/%s", projectID), nil)
}

// UpdateProject edits a project's non-nil fields.
func (c *Client) UpdateProject(ctx context.Context, projectID string, in slate.ProjectPatch) (*slate.Project, error) {
	return send[slate.Project](ctx, c, http.MethodPatch, pathf("/api/v1/projects/%s", projectID), in)
}

// DeleteProject deletes a project and everything in it.
func (c *Client) DeleteProject(ctx context.Context, projectID string) error {
	return c.do(ctx, http.MethodDelete, pathf("/api/v1/projects/%s", projectID), nil, nil)
}

// SetProjectAccess restricts a project to named members, or lifts that.
func (c *Client) SetProjectAccess(ctx context.Context, projectID string, in slate.ProjectAccess) (*slate.Project, error) {
	return send[slate.Project](ctx, c, http.MethodPut, pathf("/api/v1/projects/%s/access", projectID), in)
}

// Tree reads a project's whole tree in order.
func (c *Client) Tree(ctx context.Context, projectID string) (*slate.Tree, error) {
	return send[slate.Tree](ctx, c, http.MethodGet, pathf("/api/v1/projects/%s/tree", projectID), nil)
}
