package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"slate"
)

// CreateOrg creates an organisation owned by the caller.
func (c *Client) CreateOrg(ctx context.Context, in slate.OrgInput) (*slate.Org, error) {
	return send[slate.Org](ctx, c, http.MethodPost, "/api/v1/orgs", in)
}

// ListOrgs lists the caller's organisations with the caller's permissions.
func (c *Client) ListOrgs(ctx context.Context) ([]*slate.Org, error) {
	return all[*slate.Org](ctx, c, "/api/v1/orgs")
}

// GetOrg reads one organisation.
func (c *Client) GetOrg(ctx context.Context, orgID string) (*slate.Org, error) {
	return send[slate.Org](ctx, c, http.MethodGet, pathf("/api/v1/orgs/%s", orgID), nil)
}

// ListMembers lists an organisation's members.
func (c *Client) ListMembers(ctx context.Context, orgID string) ([]*slate.Member, error) {
	return all[*slate.Member](ctx, c, pathf("/api/v1/orgs/%s/members", orgID))
}

// SetMemberPermissions replaces a member's permissions.
func (c *Client) SetMemberPermissions(ctx context.Context, orgID, userID string, perms []slate.Permission) (*slate.Member, error) {
	in := struct {
		Permissions []slate.Permission `json:"permissions"`
	}{perms}
	return send[slate.Member](ctx, c, http.MethodPatch, pathf("/api/v1/orgs/%s/members/%s", orgID, userID), in)
}

// RemoveMember removes a member from an organisation.
func (c *Client) RemoveMember(ctx context.Context, orgID, userID string) error {
	return c.do(ctx, http.MethodDelete, pathf("/api/v1/orgs/%s/members/%s", orgID, userID), nil, nil)
}

// Invite invites an email address; the answer's Token is shown only now.
func (c *Client) Invite(ctx context.Context, orgID string, in slate.InvitationInput) (*slate.Invitation, error) {
	return send[slate.Invitation](ctx, c, http.MethodPost, pathf("/api/v1/orgs/%s/invitations", orgID), in)
}

// ListInvitations lists an organisation's invitations.
func (c *Client) ListInvitations(ctx context.Context, orgID string) ([]*slate.Invitation, error) {
	return all[*slate.Invitation](ctx, c, pathf("/api/v1/orgs/%s/invitations", orgID))
}

// AcceptInvitation makes the caller a member of the inviting organisation.
func (c *Client) AcceptInvitation(ctx context.Context, token string) (*slate.Member, error) {
	return send[slate.Member](ctx, c, http.MethodPost, pathf("/api/v1/invitations/%s/accept", token), nil)
}

// Audit reads one page of an organisation's audit log, newest first;
// projectID narrows it to one project.
func (c *Client) Audit(ctx context.Context, orgID, projectID string, page slate.PageRequest) (*slate.Page[*slate.AuditEntry], error) {
	q := url.Values{"project": {projectID}, "cursor": {page.Cursor}}
	if page.Limit > 0 {
		q.Set("limit", strconv.Itoa(page.Limit))
	}
	return send[slate.Page[*slate.AuditEntry]](ctx, c, http.MethodGet, withQuery(pathf("/api/v1/orgs/%s/audit", orgID), q), nil)
}
