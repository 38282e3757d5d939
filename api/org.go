package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// OrgPath names an organisation in a path. Path types are exported because
// huma fills embedded parameter structs by reflection, which cannot set
// fields promoted through unexported types.
type OrgPath struct {
	Org string `path:"org" maxLength:"100" doc:"Organisation id"`
}

type auditIn struct {
	OrgPath
	Project string `query:"project" maxLength:"100" doc:"Only entries of this project"`
	PageQuery
}

func (s *Server) registerOrgs() {
	tags := []string{"orgs"}
	register(s, huma.Operation{
		OperationID: "createOrg", Method: http.MethodPost, Path: "/api/v1/orgs", Tags: tags,
		Summary: "Create an organisation owned by the caller", DefaultStatus: http.StatusCreated,
		Description: "Any signed-in user. The caller becomes the organisation's owner, on the plan named.",
	}, opts{}, func(ctx context.Context, in *struct{ Body slate.OrgInput }) (*out[*slate.Org], error) {
		return replyOr(s.Orgs.CreateOrg(ctx, in.Body))
	})
	register(s, huma.Operation{
		OperationID: "listOrgs", Method: http.MethodGet, Path: "/api/v1/orgs", Tags: tags,
		Summary:     "The caller's organisations, oldest first, with the caller's permissions in each",
		Description: "Only the organisations the caller is a member of.",
	}, opts{}, func(ctx context.Context, in *PageQuery) (*out[*slate.Page[*slate.Org]], error) {
		return replyOr(s.Orgs.ListOrgs(ctx, in.Page()))
	})
	register(s, huma.Operation{
		OperationID: "getOrg", Method: http.MethodGet, Path: "/api/v1/orgs/{org}", Tags: tags,
		Summary:     "One organisation",
		Description: "Members only, with the caller's permissions in it; to anyone else it does not exist (404).",
	}, errsRead, func(ctx context.Context, in *OrgPath) (*out[*slate.Org], error) {
		return replyOr(s.Orgs.GetOrg(ctx, in.Org))
	})
	register(s, huma.Operation{
		OperationID: "listAudit", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/audit", Tags: tags,
		Summary:     "The organisation's audit log, newest first",
		Description: "Members with read. Owners see every entry; other members do not see entries of restricted projects they are not named on. Pages by cursor; project= narrows it to one project.",
	}, errsRead, func(ctx context.Context, in *auditIn) (*out[*slate.Page[*slate.AuditEntry]], error) {
		p, err := s.Orgs.Audit(ctx, in.Org, in.Project, in.Page())
		if err != nil {
			return nil, err
		}
		if p.Items == nil {
			p.Items = []*slate.AuditEntry{}
		}
		return reply(p), nil
	})
}
