package slate

import (
	"context"
	"time"
)

// Org is an organisation: it owns projects, members, a plan and one pooled
// credit balance. Every row of data belongs to exactly one organisation.
type Org struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Plan      string    `json:"plan"`
	CreatedAt time.Time `json:"created_at"`
	// Permissions are the caller's own permissions in the org, when listed for
	// a member.
	Permissions []Permission `json:"permissions,omitempty"`
}

// OrgInput creates an organisation; the creator becomes its owner.
type OrgInput struct {
	Name string `json:"name" maxLength:"200"`
	Plan string `json:"plan" maxLength:"40"`
}

// Member is a user's membership of an organisation.
type Member struct {
	OrgID       string       `json:"org_id"`
	UserID      string       `json:"user_id"`
	Email       string       `json:"email"`
	Name        string       `json:"name"`
	Permissions []Permission `json:"permissions"`
	CreatedAt   time.Time    `json:"created_at"`
}

// InvitationTTL is how long an invitation stays open.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation offers membership to an email address. Token is shown once, to
// the inviter, who passes it on.
type Invitation struct {
	ID          string       `json:"id"`
	OrgID       string       `json:"org_id"`
	Email       string       `json:"email"`
	Permissions []Permission `json:"permissions"`
	Token       string       `json:"token,omitempty"`
	CreatedBy   string       `json:"created_by"`
	CreatedAt   time.Time    `json:"created_at"`
	ExpiresAt   time.Time    `json:"expires_at"`
	AcceptedAt  *time.Time   `json:"accepted_at,omitempty"`
}

// InvitationInput invites an email with a set of permissions.
type InvitationInput struct {
	Email       string       `json:"email" maxLength:"254"`
	Permissions []Permission `json:"permissions" maxItems:"6"`
}

// AuditEntry records who did what to which element, for locks and other
// changes members must be able to trace.
type AuditEntry struct {
	ID        string      `json:"id"`
	OrgID     string      `json:"org_id"`
	ProjectID string      `json:"project_id,omitempty"`
	ActorID   string      `json:"actor_id"`
	ActorName string      `json:"actor_name"`
	Action    string      `json:"action"`
	Element   *ElementRef `json:"element,omitempty"`
	Detail    string      `json:"detail,omitempty"`
	At        time.Time   `json:"at"`
}

// OrgService manages organisations, members and invitations.
type OrgService interface {
	CreateOrg(ctx context.Context, in OrgInput) (*Org, error)
	// ListOrgs pages the orgs the user in ctx belongs to, oldest first, with
	// the user's permissions in each.
	ListOrgs(ctx context.Context, page PageRequest) (*Page[*Org], error)
	GetOrg(ctx context.Context, orgID string) (*Org, error)
	// ListMembers pages an org's members, oldest membership first.
	ListMembers(ctx context.Context, orgID string, page PageRequest) (*Page[*Member], error)
	// SetMemberPermissions replaces a member's permissions (owner only); the
	// last owner can never be demoted.
	SetMemberPermissions(ctx context.Context, orgID, userID string, perms []Permission) (*Member, error)
	// RemoveMember removes a member (owner only, or a member leaving); the last
	// owner can never be removed.
	RemoveMember(ctx context.Context, orgID, userID string) error
	Invite(ctx context.Context, orgID string, in InvitationInput) (*Invitation, error)
	// ListInvitations pages an org's pending invitations, oldest first.
	ListInvitations(ctx context.Context, orgID string, page PageRequest) (*Page[*Invitation], error)
	// AcceptInvitation makes the user in ctx a member; the user's email must be
	// the invited one.
	AcceptInvitation(ctx context.Context, token string) (*Member, error)
	// Audit lists an org's audit log, newest first; projectID narrows it.
	Audit(ctx context.Context, orgID, projectID string, page PageRequest) (*Page[*AuditEntry], error)
}
