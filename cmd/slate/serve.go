package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"slate/api"
	"slate/clock"
	"slate/demo"

	"slate/store"
)

// shutdownTimeout bounds how long a stopping server waits for requests in
// flight before it closes their connections.
const shutdownTimeout = 20 * time.Second

type serveOptions struct {
	addr, dsn, data string
	demo            bool
}

func (a *app) serveCommand() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Slate server",
		Long: "Run the Slate server. SQLite in the data directory by default; pass a\n" +
			"postgres:// DSN to share one database between several servers.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.serve(cmd.Context(), o) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.addr, "addr", envOr("SLATE_ADDR", "127.0.0.1:8080"), "HOST:PORT to listen on (env SLATE_ADDR)")
	fs.StringVar(&o.dsn, "db", os.Getenv("SLATE_DB"), "database: sqlite:PATH or postgres://… (env SLATE_DB; default sqlite:DATA/slate.db)")
	fs.StringVar(&o.data, "data", envOr("SLATE_DATA", "data"), "data directory, created on first start (env SLATE_DATA)")
	fs.BoolVar(&o.demo, "demo", false, "seed a demo organisation and project, and print its login")
	return cmd
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// serve runs until ctx ends (SIGINT or SIGTERM), then stops taking
// connections and lets requests in flight finish.
func (a *app) serve(ctx context.Context, o serveOptions) error {
	log := slog.New(slog.NewJSONHandler(a.stderr, nil))
	if err := os.MkdirAll(o.data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if o.dsn == "" {
		o.dsn = "sqlite:" + filepath.Join(o.data, "slate.db")
	}
	clk := clock.System{}
	db, err := store.Open(ctx, o.dsn, store.Options{Clock: clk})
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("database open", "dialect", db.Dialect())

	var seeded *demo.Result
	if o.demo {
		if seeded, err = demo.Seed(ctx, demo.Services{Users: db, Orgs: db, Projects: db, Tree: db}); err != nil {
			return err
		}
		log.Info("demo ready", "created", seeded.Created, "org", seeded.Org.ID, "project", seeded.Project.ID)
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &api.Server{
		Users: db, Orgs: db, Projects: db, Tree: db, Keys: db,
		Clock: clk, Logger: log, Ready: db.Ping,
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String()
	log.Info("listening", "url", url, "version", buildVersion())
	fmt.Fprintf(a.stdout, "Slate is listening on %s\n", url)
	if seeded != nil {
		fmt.Fprintf(a.stdout, "Demo login: %s / %s\n", seeded.Email, seeded.Password)
		fmt.Fprintf(a.stdout, "Try: slate login --server %s --email %s --password %s && slate tree %s\n",
			url, seeded.Email, seeded.Password, seeded.Project.ID)
	}

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
