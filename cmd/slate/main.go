// Command slate is Slate's one binary: `slate serve` runs the server, every
// other command is a client of a server, talking to it over the HTTP API
// through package client.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it comes from the module's build information.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes: scripts tell a refused request from a mistyped command.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError marks a command line that could not be understood, as opposed
// to a request the server refused.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// run executes one command line and returns the process's exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	a.printError(err)
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		return exitUsage
	}
	return exitError
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "slate",
		Short: "Production management for AI filmmaking",
		Long: "Slate keeps an AI film's Act → Scene → Shot tree in order.\n\n" +
			"`slate serve` runs the server; every other command talks to a server\n" +
			"(see `slate login`). Tables by default, --json for scripts.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.BoolVar(&a.json, "json", false, "print the server's answer as JSON")
	pf.StringVar(&a.server, "server", os.Getenv("SLATE_SERVER"), "server `URL` (default: the one logged in to; env SLATE_SERVER)")
	pf.StringVar(&a.orgFlag, "org", "", "organisation `ID` (default: the one chosen with slate org use)")
	pf.StringVar(&a.projectFlag, "project", "", "project `ID` (default: the one chosen with slate project use)")
	root.AddCommand(
		a.serveCommand(),
		a.workerCommand(),
		a.versionCommand(),
		a.openapiCommand(),
	)
	root.AddCommand(a.authCommands()...)
	root.AddCommand(a.orgCommands()...)
	root.AddCommand(a.projectCommands()...)
	root.AddCommand(a.treeCommands()...)
	root.AddCommand(a.tagCommands()...)
	root.AddCommand(a.selectionCommands()...)
	root.AddCommand(a.creditCommands()...)
	root.AddCommand(a.queueCommands()...)
	root.AddCommand(a.webhookCommands()...)
	strictArgs(root)
	return root
}

// strictArgs makes every argument-count mistake a usage error, and makes
// group commands (`slate org`) refuse unknown subcommands instead of quietly
// printing help.
func strictArgs(c *cobra.Command) {
	if c.HasSubCommands() && c.RunE == nil && c.Run == nil {
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for %q", args[0], c.CommandPath())
			}
			return c.Help()
		}
	}
	if check := c.Args; check != nil {
		c.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError{fmt.Errorf("%w\nusage: %s", err, c.UseLine())}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		strictArgs(sub)
	}
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of slate",
		Args:  cobra.NoArgs,
		Run: func(c *cobra.Command, _ []string) {
			fmt.Fprintln(a.stdout, "slate", buildVersion())
		},
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		if v != "" {
			return v
		}
	}
	return "(devel)"
}
