package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

// defaultServer is where a client looks when nothing says otherwise: the
// address `slate serve` listens on by default.
const defaultServer = "http://127.0.0.1:8080"

// app is one run of the command line: its streams, global flags and the
// config it loaded.
type app struct {
	stdin          io.Reader
	lines          *bufio.Reader
	stdout, stderr io.Writer

	json                 bool
	server               string
	orgFlag, projectFlag string

	cfgPath string
	cfg     *config
}

// config loads the config file once per run.
func (a *app) config() (*config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	p, err := configPath()
	if err != nil {
		return nil, err
	}
	c, err := loadConfig(p)
	if err != nil {
		return nil, err
	}
	a.cfgPath, a.cfg = p, c
	return c, nil
}

func (a *app) saveConfig() error { return a.cfg.save(a.cfgPath) }

// serverURL is the --server flag (or SLATE_SERVER), else the server logged in
// to, else the default.
func (a *app) serverURL() (string, error) {
	cfg, err := a.config()
	if err != nil {
		return "", err
	}
	for _, s := range []string{a.server, cfg.Server} {
		if s != "" {
			return strings.TrimRight(s, "/"), nil
		}
	}
	return defaultServer, nil
}

// client returns a client signed in with the saved token, if any.
func (a *app) client() (*client.Client, error) {
	url, err := a.serverURL()
	if err != nil {
		return nil, err
	}
	c := client.New(url, a.cfg.Token)
	c.UserAgent = "slate-cli/" + buildVersion()
	if a.cfg.Token == "" {
		// Refuse at the first request rather than here, so that mistakes in
		// the command line are still reported as such.
		c.HTTP = &http.Client{Transport: notLoggedIn{}}
	}
	return c, nil
}

// notLoggedIn is the transport of a client without a token.
type notLoggedIn struct{}

func (notLoggedIn) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, slate.Errorf(slate.EUNAUTHENTICATED, "not logged in: run `slate login` or `slate signup`")
}

// orgID is --org, else the org chosen with `slate org use`, else the
// caller's only org.
func (a *app) orgID(ctx context.Context, c *client.Client) (string, error) {
	if a.orgFlag != "" {
		return a.orgFlag, nil
	}
	if a.cfg.Org != "" {
		return a.cfg.Org, nil
	}
	orgs, err := c.ListOrgs(ctx)
	if err != nil {
		return "", err
	}
	if len(orgs) == 1 {
		return orgs[0].ID, nil
	}
	return "", usagef("no organisation chosen: pass --org or run `slate org use ORG` (see `slate org list`)")
}

// projectID is the explicit argument, else --project, else the project
// chosen with `slate project use`.
func (a *app) projectID(args []string) (string, error) {
	if len(args) > 0 && args[0] != "" {
		return args[0], nil
	}
	if a.projectFlag != "" {
		return a.projectFlag, nil
	}
	cfg, err := a.config()
	if err != nil {
		return "", err
	}
	if cfg.Project != "" {
		return cfg.Project, nil
	}
	return "", usagef("no project chosen: pass --project or run `slate project use PROJECT` (see `slate project list`)")
}

// runFunc is a client command's body: it gets a signed-in client.
type runFunc func(ctx context.Context, c *client.Client, cmd *cobra.Command, args []string) error

// leaf builds a command that talks to the server.
func (a *app) leaf(use, short string, args cobra.PositionalArgs, run runFunc) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Args: args,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			return run(cmd.Context(), c, cmd, args)
		},
	}
}

// group builds a command that only holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{Use: use, Short: short}
	g.AddCommand(subs...)
	return g
}

// printError tells what went wrong on stderr, with what the problem names:
// the lock to lift, the permission to ask for, the field to fix.
func (a *app) printError(err error) {
	var ce *client.Error
	if !errors.As(err, &ce) {
		var se *slate.Error
		if errors.As(err, &se) {
			fmt.Fprintf(a.stderr, "error: %s (%s)\n", se.Message, se.Code)
			return
		}
		fmt.Fprintf(a.stderr, "error: %v\n", err)
		return
	}
	fmt.Fprintf(a.stderr, "error: %s\n", ce.Error())
	if l := ce.Lock; l != nil {
		fmt.Fprintf(a.stderr, "  locked: %s %s%s by %s at %s", l.Element.Kind, l.Element.ID, quoted(l.Element.Name),
			or(l.ByName, l.By), l.At.Local().Format(timeFormat))
		if l.Reason != "" {
			fmt.Fprintf(a.stderr, ", reason: %s", l.Reason)
		}
		fmt.Fprintf(a.stderr, "\n  unlock it with: slate unlock %s %s\n", l.Element.Kind, l.Element.ID)
	}
	if ce.MissingPermission != "" {
		fmt.Fprintf(a.stderr, "  missing permission: %s\n", ce.MissingPermission)
	}
	if ce.Field != "" {
		fmt.Fprintf(a.stderr, "  field: %s\n", ce.Field)
	}
	if ce.Shortfall > 0 {
		fmt.Fprintf(a.stderr, "  short by: %s credits\n", num(ce.Shortfall))
	}
	for _, r := range ce.Remedies {
		fmt.Fprintf(a.stderr, "  remedy: %s\n", remedyText(r))
	}
	for _, m := range ce.MissingTakes {
		fmt.Fprintf(a.stderr, "  no take: %s %q\n", m.ID, m.Name)
	}
}

func quoted(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" %q", s)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
