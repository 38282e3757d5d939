package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

func (a *app) orgCommands() []*cobra.Command {
	var plan string
	create := a.leaf("create NAME", "Create an organisation (you become its owner)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			o, err := c.CreateOrg(ctx, slate.OrgInput{Name: args[0], Plan: plan})
			if err != nil {
				return err
			}
			// The first org is the one you will work in; later ones need
			// an explicit `org use`.
			if a.cfg.Org == "" {
				a.cfg.Org = o.ID
				if err := a.saveConfig(); err != nil {
					return err
				}
			}
			return a.emit(o, func(t table) { a.orgRows(t, o) })
		})
	create.Flags().StringVar(&plan, "plan", "free", "plan: free, community, standard, business, enterprise")

	list := a.leaf("list", "List your organisations", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			orgs, err := c.ListOrgs(ctx)
			if err != nil {
				return err
			}
			return a.emit(orgs, func(t table) {
				t.row("", "ID", "NAME", "PLAN", "PERMISSIONS")
				for _, o := range orgs {
					t.row(a.mark(o.ID == a.cfg.Org), o.ID, o.Name, o.Plan, permList(o.Permissions))
				}
			})
		})
	show := a.leaf("show [ORG]", "Show an organisation", cobra.MaximumNArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			id, err := a.orgArg(ctx, c, args)
			if err != nil {
				return err
			}
			o, err := c.GetOrg(ctx, id)
			if err != nil {
				return err
			}
			return a.emit(o, func(t table) { a.orgRows(t, o) })
		})
	use := a.leaf("use ORG", "Choose the organisation later commands work in", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			o, err := c.GetOrg(ctx, args[0])
			if err != nil {
				return err
			}
			if a.cfg.Org != o.ID {
				a.cfg.Org, a.cfg.Project = o.ID, ""
			}
			if err := a.saveConfig(); err != nil {
				return err
			}
			return a.emit(o, func(t table) { t.row("now using organisation", o.Name, o.ID) })
		})
	return []*cobra.Command{
		group("org", "Manage organisations", create, list, show, use),
		a.memberCommand(),
		a.inviteCommand(),
		a.invitationCommand(),
		a.auditCommand(),
	}
}

func (a *app) orgRows(t table, o *slate.Org) {
	t.row("ID", o.ID)
	t.row("NAME", o.Name)
	t.row("PLAN", o.Plan)
	t.row("CREATED", when(o.CreatedAt))
	if len(o.Permissions) > 0 {
		t.row("YOUR PERMISSIONS", permList(o.Permissions))
	}
}

func (a *app) mark(current bool) string {
	if current {
		return "*"
	}
	return ""
}

func (a *app) orgArg(ctx context.Context, c *client.Client, args []string) (string, error) {
	if len(args) > 0 {
		return args[0], nil
	}
	return a.orgID(ctx, c)
}

// userID accepts a member's id or email, since people know each other by
// email and ids are for machines.
func (a *app) userID(ctx context.Context, c *client.Client, orgID, who string) (string, error) {
	if !strings.Contains(who, "@") {
		return who, nil
	}
	members, err := c.ListMembers(ctx, orgID)
	if err != nil {
		return "", err
	}
	for _, m := range members {
		if strings.EqualFold(m.Email, who) {
			return m.UserID, nil
		}
	}
	return "", slate.NotFound("member", who)
}

func (a *app) memberCommand() *cobra.Command {
	list := a.leaf("list", "List the organisation's members", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			ms, err := c.ListMembers(ctx, org)
			if err != nil {
				return err
			}
			return a.emit(ms, func(t table) {
				t.row("USER", "EMAIL", "NAME", "PERMISSIONS", "SINCE")
				for _, m := range ms {
					t.row(m.UserID, m.Email, m.Name, permList(m.Permissions), when(m.CreatedAt))
				}
			})
		})
	var perms []string
	set := a.leaf("set USER --perm PERM…", "Replace a member's permissions (USER is an id or email)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			uid, err := a.userID(ctx, c, org, args[0])
			if err != nil {
				return err
			}
			m, err := c.SetMemberPermissions(ctx, org, uid, toPerms(perms))
			if err != nil {
				return err
			}
			return a.emit(m, func(t table) { t.row(m.Email, permList(m.Permissions)) })
		})
	permsFlag(set.Flags(), &perms)
	remove := a.leaf("remove USER", "Remove a member (USER is an id or email)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			uid, err := a.userID(ctx, c, org, args[0])
			if err != nil {
				return err
			}
			if err := c.RemoveMember(ctx, org, uid); err != nil {
				return err
			}
			return a.done("removed %s", args[0])
		})
	return group("member", "Manage the organisation's members", list, set, remove)
}

func (a *app) inviteCommand() *cobra.Command {
	var perms []string
	cmd := a.leaf("invite EMAIL --perm PERM…", "Invite someone to the organisation", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			inv, err := c.Invite(ctx, org, slate.InvitationInput{Email: args[0], Permissions: toPerms(perms)})
			if err != nil {
				return err
			}
			return a.emit(inv, func(t table) {
				t.row("INVITED", inv.Email)
				t.row("PERMISSIONS", permList(inv.Permissions))
				t.row("EXPIRES", when(inv.ExpiresAt))
				t.row("TOKEN", inv.Token)
				t.row("", "send them the token; they run: slate invitation accept "+inv.Token)
			})
		})
	permsFlag(cmd.Flags(), &perms)
	return cmd
}

func (a *app) invitationCommand() *cobra.Command {
	accept := a.leaf("accept TOKEN", "Accept an invitation", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			m, err := c.AcceptInvitation(ctx, args[0])
			if err != nil {
				return err
			}
			if a.cfg.Org == "" {
				a.cfg.Org = m.OrgID
				if err := a.saveConfig(); err != nil {
					return err
				}
			}
			return a.emit(m, func(t table) {
				t.row("joined organisation", m.OrgID, "with", permList(m.Permissions))
			})
		})
	list := a.leaf("list", "List the organisation's invitations", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			invs, err := c.ListInvitations(ctx, org)
			if err != nil {
				return err
			}
			return a.emit(invs, func(t table) {
				t.row("ID", "EMAIL", "PERMISSIONS", "EXPIRES", "ACCEPTED")
				for _, i := range invs {
					accepted := "-"
					if i.AcceptedAt != nil {
						accepted = when(*i.AcceptedAt)
					}
					t.row(i.ID, i.Email, permList(i.Permissions), when(i.ExpiresAt), accepted)
				}
			})
		})
	return group("invitation", "Accept or list invitations", accept, list)
}

func (a *app) auditCommand() *cobra.Command {
	var pages pageFlags
	cmd := a.leaf("audit", "Show the organisation's audit log, newest first", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			org, err := a.orgID(ctx, c)
			if err != nil {
				return err
			}
			page, err := readPages(&pages, func(p slate.PageRequest) (*slate.Page[*slate.AuditEntry], error) {
				return c.Audit(ctx, org, a.projectFlag, p)
			})
			if err != nil {
				return err
			}
			return a.emit(page, func(t table) {
				t.row("AT", "WHO", "ACTION", "ELEMENT", "DETAIL")
				for _, e := range page.Items {
					el := "-"
					if e.Element != nil {
						el = string(e.Element.Kind) + " " + e.Element.ID + quoted(e.Element.Name)
					}
					t.row(when(e.At), or(e.ActorName, e.ActorID), e.Action, el, or(e.Detail, "-"))
				}
				if page.NextCursor != "" {
					t.row(more("slate audit", page.NextCursor))
				}
			})
		})
	pages.register(cmd.Flags(), "entries")
	return cmd
}
