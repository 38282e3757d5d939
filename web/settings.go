package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"slate"
)

func (s *Server) routeSettings(mux *http.ServeMux) {
	mux.HandleFunc("GET /orgs/{org}/credits", s.fragment(s.creditsDrawer))
	mux.HandleFunc("GET /orgs/{org}/settings/members", s.page(s.membersPage))
	mux.HandleFunc("GET /orgs/{org}/settings/members/{part}", s.fragment(s.membersPart))
	mux.HandleFunc("GET /orgs/{org}/settings/billing", s.page(s.billingPage))
	mux.HandleFunc("GET /orgs/{org}/settings/billing/{part}", s.fragment(s.billingPart))
	mux.HandleFunc("GET /invitations/{token}", s.page(s.invitationPage))
}

// MembersView is the members settings page.
type MembersView struct {
	OrgID   string
	Self    string
	Members []MemberRow
	// Invite holds the invite form's boxes; Invitations are pending ones
	// (owners only: the list needs owner).
	Invite      []PermBox
	Invitations []*slate.Invitation
	Access      []AccessRow
	Can         Can
}

// MemberRow is a member with a box per permission.
type MemberRow struct {
	*slate.Member
	Boxes []PermBox
	Perms string // the held permissions, for members who may not edit
}

// PermBox is one permission checkbox. Read is always held, so its box is
// ticked and fixed.
type PermBox struct {
	Name           slate.Permission
	Checked, Fixed bool
}

func permBoxes(held []slate.Permission) []PermBox {
	set, _ := slate.ParsePermissions(held)
	boxes := make([]PermBox, 0, len(slate.AllPermissions))
	for _, p := range slate.AllPermissions {
		boxes = append(boxes, PermBox{Name: p, Checked: set.Holds(p), Fixed: p == slate.PermRead})
	}
	return boxes
}

// AccessRow is a project with who may see it when it is restricted.
type AccessRow struct {
	Project *slate.Project
	Members []AccessBox
	Names   string // the named members, for members who may not edit
}

// AccessBox is one member's box in a project's access form. Owners always
// see every project, so their box says so.
type AccessBox struct {
	UserID, Name   string
	Checked, Owner bool
}

func (s *Server) membersPage(ctx context.Context, r *http.Request) (string, *Page, error) {
	orgID := r.PathValue("org")
	p, err := s.layout(ctx, orgID, "Members", "members")
	if err != nil {
		return "", nil, err
	}
	p.Data, err = s.membersView(ctx, orgID, p.Can)
	return "members", p, err
}

// membersPart re-renders one section of the members page after a change.
func (s *Server) membersPart(ctx context.Context, r *http.Request) (string, any, error) {
	name, ok := map[string]string{"members": "members-table", "invitations": "invitations",
		"access": "project-access"}[r.PathValue("part")]
	if !ok {
		return "", nil, slate.Errorf(slate.ENOTFOUND, "no members section %q", r.PathValue("part"))
	}
	orgID := r.PathValue("org")
	can, err := s.can(ctx, orgID)
	if err != nil {
		return "", nil, err
	}
	v, err := s.membersView(ctx, orgID, can)
	return name, v, err
}

func (s *Server) membersView(ctx context.Context, orgID string, can Can) (*MembersView, error) {
	v := &MembersView{OrgID: orgID, Can: can, Invite: permBoxes(nil)}
	if u := slate.UserFromContext(ctx); u != nil {
		v.Self = u.ID
	}
	members, err := s.allMembers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		v.Members = append(v.Members, MemberRow{Member: m, Boxes: permBoxes(m.Permissions),
			Perms: joinPerms(m.Permissions)})
	}
	if can.Owner {
		if v.Invitations, err = s.allInvitations(ctx, orgID); err != nil {
			return nil, err
		}
	}
	projects, err := s.allProjects(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, p := range projects {
		v.Access = append(v.Access, accessRow(p, members))
	}
	return v, nil
}

func accessRow(p *slate.Project, members []*slate.Member) AccessRow {
	row := AccessRow{Project: p}
	var names []string
	for _, m := range members {
		set, _ := slate.ParsePermissions(m.Permissions)
		named := slices.Contains(p.Members, m.UserID)
		row.Members = append(row.Members, AccessBox{UserID: m.UserID, Name: m.Name, Checked: named,
			Owner: set.Holds(slate.PermOwner)})
		if named {
			names = append(names, m.Name)
		}
	}
	row.Names = strings.Join(names, ", ")
	return row
}

func joinPerms(ps []slate.Permission) string {
	set, _ := slate.ParsePermissions(ps)
	return strings.Join(set.Strings(), ", ")
}

// invitationPage lets an invited user accept, signed in as the invited
// address; the link is what the inviter passes on with the token.
func (s *Server) invitationPage(ctx context.Context, r *http.Request) (string, *Page, error) {
	token := r.PathValue("token")
	if len(token) > 200 {
		return "", nil, slate.Errorf(slate.ENOTFOUND, "no such invitation")
	}
	p := &Page{Title: "Invitation", Data: token}
	return "invitation", p, s.switcher(ctx, p)
}

// BillingView is the billing settings page.
type BillingView struct {
	OrgID   string
	Credits *slate.Credits
	Plan    slate.Plan
	Choices []PlanOption
	Budget  *slate.Budget
	// The budget form's fields as text: lists comma-separated, unset
	// limits empty.
	Percent, Below, Cap, MemberLimit string
	MemberLimits                     []LimitRow
	Projects                         []ProjectBudgetRow
	Webhooks                         []WebhookRow
	// Margin is the last three months' credits against providers' cost,
	// shown to billing members when the server reports it.
	Margin     *slate.MarginReport
	EventKinds []string
	Can        Can
}

// LimitRow is one member's own monthly limit, empty when the default
// applies.
type LimitRow struct {
	UserID, Name, Limit string
}

// ProjectBudgetRow is a project with its budget (Set is false without
// one) and what it has spent.
type ProjectBudgetRow struct {
	Project       *slate.Project
	Spent, Budget int64
	Set           bool
}

// WebhookRow is a webhook with its latest deliveries.
type WebhookRow struct {
	Hook       *slate.Webhook
	Deliveries []*slate.WebhookDelivery
}

// deliveriesShown keeps the billing page cheap: enough to see whether a
// receiver answers.
const deliveriesShown = 5

func (s *Server) billingPage(ctx context.Context, r *http.Request) (string, *Page, error) {
	orgID := r.PathValue("org")
	p, err := s.layout(ctx, orgID, "Billing", "billing")
	if err != nil {
		return "", nil, err
	}
	p.Data, err = s.billingView(ctx, orgID, p.Can)
	return "billing", p, err
}

// billingPart re-renders one section of the billing page after a change.
func (s *Server) billingPart(ctx context.Context, r *http.Request) (string, any, error) {
	name, ok := map[string]string{"budget": "budget", "project-budgets": "project-budgets",
		"webhooks": "webhooks"}[r.PathValue("part")]
	if !ok {
		return "", nil, slate.Errorf(slate.ENOTFOUND, "no billing section %q", r.PathValue("part"))
	}
	orgID := r.PathValue("org")
	can, err := s.can(ctx, orgID)
	if err != nil {
		return "", nil, err
	}
	v, err := s.billingView(ctx, orgID, can)
	return name, v, err
}

func (s *Server) billingView(ctx context.Context, orgID string, can Can) (*BillingView, error) {
	v := &BillingView{OrgID: orgID, Can: can, EventKinds: slate.EventKinds}
	var err error
	if v.Credits, err = s.Credits.Credits(ctx, orgID); err != nil {
		return nil, err
	}
	cat := s.catalog()
	v.Plan, _ = cat.Plan(v.Credits.Plan)
	v.Plan.Name = v.Credits.Plan
	v.Choices = planOptions(cat.Plans, v.Credits, can)
	if v.Budget, err = s.Credits.Budget(ctx, orgID); err != nil {
		return nil, err
	}
	v.Percent, v.Below = joinInts(v.Budget.AlertPercentUsed), joinInts(v.Budget.AlertAvailableBelow)
	v.Cap, v.MemberLimit = optInt(v.Budget.MonthlySpendCap), optInt(v.Budget.MemberMonthlyLimit)
	members, err := s.allMembers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		row := LimitRow{UserID: m.UserID, Name: m.Name}
		if n, ok := v.Budget.MemberLimits[m.UserID]; ok {
			row.Limit = strconv.FormatInt(n, 10)
		}
		v.MemberLimits = append(v.MemberLimits, row)
	}
	projects, err := s.allProjects(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, p := range projects {
		b, err := s.Credits.ProjectBudget(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		row := ProjectBudgetRow{Project: p, Spent: b.Spent, Set: b.Budget != nil}
		if row.Set {
			row.Budget = *b.Budget
		}
		v.Projects = append(v.Projects, row)
	}
	if can.Billing && s.Margin != nil {
		var now time.Time
		if s.Clock != nil {
			now = s.Clock.Now()
		} else {
			now = time.Now()
		}
		if v.Margin, err = s.Margin.Margin(ctx, orgID, slate.MarginFilter{From: now.AddDate(0, -2, 0), To: now}); err != nil {
			return nil, err
		}
		if s.Engines != nil {
			v.Margin.Value(s.Engines.CreditValue(), s.Engines.Currency())
		}
	}
	// Webhooks need billing to be listed at all.
	if can.Billing {
		hooks, err := slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Webhook], error) {
			return s.Webhooks.Webhooks(ctx, orgID, p)
		})
		if err != nil {
			return nil, err
		}
		for _, h := range hooks {
			d, err := s.Webhooks.WebhookDeliveries(ctx, orgID, h.ID, slate.PageRequest{Limit: deliveriesShown})
			if err != nil {
				return nil, err
			}
			v.Webhooks = append(v.Webhooks, WebhookRow{Hook: h, Deliveries: d.Items})
		}
	}
	return v, nil
}

// PlanOption is a plan offered on the billing page with what choosing it
// does, which depends on the current plan and what is already pending.
type PlanOption struct {
	Plan slate.Plan
	// Action is "current" (nothing to do), "keep" (undo a pending downgrade
	// or cancel), "upgrade" (now), "downgrade" (at the period's end),
	// "pending" (the downgrade already chosen) or "start" (after a
	// cancelled plan ended).
	Action string
	// What the plan's button needs besides: the org, when a downgrade
	// lands, and whether the member may choose at all.
	OrgID     string
	PeriodEnd time.Time
	Allowed   bool
}

// planOptions mirrors the store's SetPlan: more monthly credits is an
// upgrade, anything else waits for the end of the period.
func planOptions(plans []slate.Plan, c *slate.Credits, can Can) []PlanOption {
	var cur int64
	for _, p := range plans {
		if p.Name == c.Plan {
			cur = p.MonthlyCredits
		}
	}
	out := make([]PlanOption, 0, len(plans))
	for _, p := range plans {
		o := PlanOption{Plan: p, OrgID: c.OrgID, PeriodEnd: c.PeriodEnd, Allowed: can.Billing}
		switch {
		case c.Cancelled:
			o.Action = "start"
		case p.Name == c.Plan && (c.PendingPlan != "" || c.CancelAtPeriodEnd):
			o.Action = "keep"
		case p.Name == c.Plan:
			o.Action = "current"
		case p.MonthlyCredits > cur:
			o.Action = "upgrade"
		case p.Name == c.PendingPlan:
			o.Action = "pending"
		default:
			o.Action = "downgrade"
		}
		out = append(out, o)
	}
	return out
}

func joinInts(ns []int64) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(parts, ", ")
}

func optInt(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}
