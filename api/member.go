package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// MemberPath names a member of an organisation.
type MemberPath struct {
	OrgPath
	User string `path:"user" maxLength:"100" doc:"User id of the member"`
}

// MemberPatch replaces a member's permissions.
type MemberPatch struct {
	Permissions []slate.Permission `json:"permissions" maxItems:"6" doc:"read, modify, run_ai, use_credits, billing, owner; read is always held"`
}

func (s *Server) registerMembers() {
	tags := []string{"members"}
	register(s, huma.Operation{
		OperationID: "listMembers", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/members", Tags: tags,
		Summary:     "The organisation's members and their permissions, oldest membership first",
		Description: "Members with read.",
	}, errsRead, func(ctx context.Context, in *struct {
		OrgPath
		PageQuery
	}) (*out[*slate.Page[*slate.Member]], error) {
		return replyOr(s.Orgs.ListMembers(ctx, in.Org, in.Page()))
	})
	register(s, huma.Operation{
		OperationID: "updateMember", Method: http.MethodPatch, Path: "/api/v1/orgs/{org}/members/{user}", Tags: tags,
		Summary: "Replace a member's permissions", Description: "Needs owner. The last owner cannot be demoted.",
	}, errsWrite, func(ctx context.Context, in *struct {
		MemberPath
		Body MemberPatch
	}) (*out[*slate.Member], error) {
		return replyOr(s.Orgs.SetMemberPermissions(ctx, in.Org, in.User, in.Body.Permissions))
	})
	register(s, huma.Operation{
		OperationID: "removeMember", Method: http.MethodDelete, Path: "/api/v1/orgs/{org}/members/{user}", Tags: tags,
		Summary: "Remove a member", Description: "Needs owner, or the member leaving. The last owner cannot be removed.",
	}, errsWrite, func(ctx context.Context, in *MemberPath) (*noContent, error) {
		return nil, s.Orgs.RemoveMember(ctx, in.Org, in.User)
	})
	register(s, huma.Operation{
		OperationID: "createInvitation", Method: http.MethodPost, Path: "/api/v1/orgs/{org}/invitations", Tags: tags,
		Summary: "Invite an email address", Description: "Needs owner. The token is shown once, in this response; it expires after 7 days.",
		DefaultStatus: http.StatusCreated,
	}, errsWrite, func(ctx context.Context, in *struct {
		OrgPath
		Body slate.InvitationInput
	}) (*out[*slate.Invitation], error) {
		return replyOr(s.Orgs.Invite(ctx, in.Org, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "listInvitations", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/invitations", Tags: tags,
		Summary: "The organisation's pending invitations, oldest first", Description: "Needs owner. Tokens are stored hashed, so they are never shown again.",
	}, errsRead, func(ctx context.Context, in *struct {
		OrgPath
		PageQuery
	}) (*out[*slate.Page[*slate.Invitation]], error) {
		return replyOr(s.Orgs.ListInvitations(ctx, in.Org, in.Page()))
	})
	register(s, huma.Operation{
		OperationID: "acceptInvitation", Method: http.MethodPost, Path: "/api/v1/invitations/{token}/accept", Tags: tags,
		Summary: "Join an organisation",
		Description: "The signed-in user's email must be the invited one. Paced per client address and per account " +
			"like sign-in (429 rate_limited with Retry-After).",
	}, opts{errs: []int{403, 404, 409, 429}}, func(ctx context.Context, in *struct {
		Token string `path:"token" maxLength:"200"`
	}) (*out[*slate.Member], error) {
		if err := s.admitSignIn(ctx); err != nil {
			return nil, err
		}
		return replyOr(s.Orgs.AcceptInvitation(ctx, in.Token))
	})
}
