package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"slate"
	"slate/client"
)

func (a *app) authCommands() []*cobra.Command {
	var email, password, name string
	credFlags := func(c *cobra.Command, withName bool) *cobra.Command {
		c.Flags().StringVar(&email, "email", "", "email address (prompted when missing)")
		c.Flags().StringVar(&password, "password", "", "password (read from stdin when missing)")
		if withName {
			c.Flags().StringVar(&name, "name", "", "your name (prompted when missing)")
		}
		return c
	}
	signup := credFlags(&cobra.Command{
		Use: "signup", Short: "Create an account on a server and log in", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := slate.Signup{Email: email, Password: password, Name: name}
			if err := a.prompt(&in.Email, "Email"); err != nil {
				return err
			}
			if err := a.prompt(&in.Name, "Name"); err != nil {
				return err
			}
			if err := a.prompt(&in.Password, "Password"); err != nil {
				return err
			}
			return a.signIn(cmd.Context(), func(ctx context.Context, c *client.Client) (*client.Session, error) {
				return c.Signup(ctx, in)
			})
		},
	}, true)
	login := credFlags(&cobra.Command{
		Use: "login", Short: "Log in to a server and remember it", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.prompt(&email, "Email"); err != nil {
				return err
			}
			if err := a.prompt(&password, "Password"); err != nil {
				return err
			}
			return a.signIn(cmd.Context(), func(ctx context.Context, c *client.Client) (*client.Session, error) {
				return c.Login(ctx, email, password)
			})
		},
	}, false)
	logout := a.leaf("logout", "Log out and forget the token", cobra.NoArgs,
		func(ctx context.Context, c *client.Client, _ *cobra.Command, _ []string) error {
			err := c.Logout(ctx)
			// A token the server no longer knows is as logged out as it gets.
			if err != nil && slate.ErrorCode(err) != slate.EUNAUTHENTICATED {
				return err
			}
			a.cfg.Token = ""
			if err := a.saveConfig(); err != nil {
				return err
			}
			return a.done("logged out of %s", c.BaseURL)
		})

	var days int
	tokenCreate := a.leaf("create NAME", "Create an API token (shown once)", cobra.ExactArgs(1),
		func(ctx context.Context, c *client.Client, _ *cobra.Command, args []string) error {
			tok, err := c.CreateToken(ctx, slate.TokenInput{Name: args[0], ExpiresInDays: days})
			if err != nil {
				return err
			}
			return a.emit(tok, func(t table) {
				t.row("TOKEN", tok.Secret)
				t.row("NAME", tok.Name)
				if tok.ExpiresAt != nil {
					t.row("EXPIRES", when(*tok.ExpiresAt))
				}
				t.row("", "store it now: it is not shown again")
			})
		})
	tokenCreate.Flags().IntVar(&days, "expires-days", 0, "days until the token expires (0: never)")

	return []*cobra.Command{signup, login, logout, group("token", "Manage API tokens", tokenCreate)}
}

// signIn runs sign-up or login against the chosen server and saves the
// server and token. The current org and project belong to the old account,
// so a login as someone else forgets them.
func (a *app) signIn(ctx context.Context, call func(context.Context, *client.Client) (*client.Session, error)) error {
	url, err := a.serverURL()
	if err != nil {
		return err
	}
	s, err := call(ctx, client.New(url, ""))
	if err != nil {
		return err
	}
	if s.Token == "" || s.User == nil {
		return errors.New("the server answered without a token")
	}
	if a.cfg.Server != url || a.cfg.Email != s.User.Email {
		a.cfg.Org, a.cfg.Project = "", ""
	}
	a.cfg.Server, a.cfg.Token, a.cfg.Email = url, s.Token, s.User.Email
	if err := a.saveConfig(); err != nil {
		return err
	}
	return a.emit(s.User, func(t table) {
		t.row(fmt.Sprintf("logged in to %s as %s <%s>", url, s.User.Name, s.User.Email))
	})
}

// prompt fills an empty *dst with a line read from stdin, so passwords need
// not appear in the process list or shell history.
func (a *app) prompt(dst *string, label string) error {
	if *dst != "" {
		return nil
	}
	fmt.Fprintf(a.stderr, "%s: ", label)
	if a.lines == nil {
		a.lines = bufio.NewReader(a.stdin)
	}
	line, err := a.lines.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return usagef("%s is required (pass --%s or type it on stdin)", strings.ToLower(label), strings.ToLower(label))
	}
	*dst = strings.TrimRight(line, "\r\n")
	return nil
}
