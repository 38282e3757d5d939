package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"slate/api"
	"slate/clock"
	"slate/demo"
	"slate/engine/roster"
	"slate/events"
	"slate/netguard"
	"slate/payment"
	"slate/pricing"
	"slate/store"
	"slate/web"
)

// shutdownTimeout bounds how long a stopping server waits for requests in
// flight before it closes their connections.
const shutdownTimeout = 20 * time.Second

// closeEvery is how often the server closes billing periods that have
// ended; a period is at least a month, so a minute late is on time.
const closeEvery = time.Minute

// dbOptions say which database to open and with which prices; `serve` and
// `ledger verify` share them so both find the same database by default.
type dbOptions struct {
	dsn, data, pricing string
	// tune, when set, adjusts the store's options: serve sets the
	// sign-in limits.
	tune func(*store.Options)
}

func dbFlags(fs *pflag.FlagSet, o *dbOptions) {
	fs.StringVar(&o.dsn, "db", os.Getenv("SLATE_DB"), "database: sqlite:PATH or postgres://… (env SLATE_DB; default sqlite:DATA/slate.db)")
	fs.StringVar(&o.data, "data", envOr("SLATE_DATA", "data"), "data directory, created on first start (env SLATE_DATA)")
	fs.StringVar(&o.pricing, "pricing", os.Getenv("SLATE_PRICING"), "pricing `FILE`: plans, credit packs and price book over the defaults (env SLATE_PRICING)")
}

// resolve fills in the default DSN, the SQLite file in the data directory.
func (o *dbOptions) resolve() {
	if o.dsn == "" {
		o.dsn = "sqlite:" + filepath.Join(o.data, "slate.db")
	}
}

// catalog is the pricing file's catalog, or the spec's defaults.
func (o *dbOptions) catalog() (pricing.Catalog, error) {
	if o.pricing == "" {
		return pricing.Default(), nil
	}
	return pricing.Load(o.pricing)
}

// open opens the store with the catalog of the pricing file, or the spec's
// defaults without one. Purchases go through the built-in grant provider:
// self-hosted Slate takes no card payments.
func (o *dbOptions) open(ctx context.Context, engines *roster.Roster) (*store.DB, error) {
	o.resolve()
	opts := store.Options{Clock: clock.System{}, Payments: payment.Grant{}}
	if engines != nil {
		opts.Engines, opts.Offers = engines.Names(), engines.Offers()
	}
	var err error
	if opts.Catalog, err = o.catalog(); err != nil {
		return nil, err
	}
	if o.tune != nil {
		o.tune(&opts)
	}
	return store.Open(ctx, o.dsn, opts)
}

type serveOptions struct {
	dbOptions
	renderOptions
	signIn  signInOptions
	addr    string
	demo    bool
	history time.Duration
	// webhookAllow is the allow-list of the outbound address policy, as
	// given: CIDRs webhooks may reach although they are not public.
	webhookAllow string
	// streamsPerCred and streamsPerOrg cap open event streams.
	streamsPerCred, streamsPerOrg int
}

func (a *app) serveCommand() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Slate server",
		Long: "Run the Slate server. SQLite in the data directory by default; pass a\n" +
			"postgres:// DSN to share one database between several servers.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := fromEnv(cmd.Flags(), signInEnv, os.LookupEnv); err != nil {
				return err
			}
			return a.serve(cmd.Context(), o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.addr, "addr", envOr("SLATE_ADDR", "127.0.0.1:8080"), "HOST:PORT to listen on (env SLATE_ADDR)")
	dbFlags(fs, &o.dbOptions)
	renderFlags(fs, &o.renderOptions, 2)
	fs.DurationVar(&o.history, "history", store.DefaultHistory, "how long finished jobs, events and webhook deliveries are kept")
	fs.BoolVar(&o.demo, "demo", false, "seed a demo organisation and project, and print its login")
	signInFlags(fs, &o.signIn)
	fs.StringVar(&o.webhookAllow, "webhook-allow", os.Getenv("SLATE_WEBHOOK_ALLOW"),
		"`CIDR,…` webhooks may reach although not public, e.g. 10.0.0.0/8 for receivers on a private network (env SLATE_WEBHOOK_ALLOW; default none: loopback, private, link-local and other non-public addresses are refused)")
	fs.IntVar(&o.streamsPerCred, "streams-per-credential", envInt("SLATE_STREAMS_PER_CREDENTIAL", api.DefaultStreamsPerCredential),
		"event streams one token or session may hold open on this server (env SLATE_STREAMS_PER_CREDENTIAL)")
	fs.IntVar(&o.streamsPerOrg, "streams-per-org", envInt("SLATE_STREAMS_PER_ORG", api.DefaultStreamsPerOrg),
		"event streams one organisation may hold open on this server (env SLATE_STREAMS_PER_ORG)")
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
	allow, err := netguard.ParseAllow(o.webhookAllow)
	if err != nil {
		return fmt.Errorf("--webhook-allow: %w", err)
	}
	addresses := netguard.Policy{Allow: allow}
	if o.streamsPerCred < 1 || o.streamsPerOrg < 1 {
		return usagef("--streams-per-credential and --streams-per-org must be at least 1")
	}
	if err := os.MkdirAll(o.data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	clk := clock.System{}
	limits, err := o.signIn.api()
	if err != nil {
		return err
	}
	o.tune = o.signIn.store
	reg, db, dir, err := o.openRender(ctx, &o.dbOptions)
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("database open", "dialect", db.Dialect(), "price_book", db.Catalog().PriceBook.Version)

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
	// The period closer stops before the database closes: this defer runs
	// before the one above.
	bg, stopBg := context.WithCancel(ctx)
	closerDone := make(chan struct{})
	go func() {
		defer close(closerDone)
		closePeriods(bg, db, log, closeEvery)
	}()
	defer func() { stopBg(); <-closerDone }()
	prunerDone := make(chan struct{})
	go func() {
		defer close(prunerDone)
		pruneHistory(bg, db, log, o.history)
	}()
	defer func() { stopBg(); <-prunerDone }()
	// Live feeds and webhook deliveries stop before the database closes
	// too. The broker also stops as shutdown begins, which ends the open
	// event streams that would otherwise hold Shutdown up.
	broker := events.Start(db, events.Options{Clock: clk, Logger: log})
	defer broker.Stop()
	deliverDone := make(chan struct{})
	go func() {
		defer close(deliverDone)
		(&events.Deliverer{Queue: db, Clock: clk, Addresses: addresses, Logger: log}).Run(bg)
	}()
	defer func() { stopBg(); <-deliverDone }()
	// Workers stop before the database closes, after the HTTP server: a
	// render in flight finishes (within its grace) and reports its take.
	waitWorkers := startWorkers(bg, db, o.renderOptions, reg, dir, log)
	defer waitWorkers()
	if len(allow) > 0 {
		log.Info("webhooks may reach", "allow", o.webhookAllow)
	}
	log.Info("render queue", "engines", reg.Names(), "workers", o.workers, "media", dir.Root())

	srv := &api.Server{
		Users: db, Orgs: db, Projects: db, Tree: db, Credits: db, Catalog: db.Catalog, Keys: db,
		Queue: db, Takes: db, Exports: db, Media: dir, Margin: db, Engines: reg,
		Clock: clk, Logger: log, Ready: db.Ping,
		Webhooks: db, WebhookAddresses: addresses, Events: broker, SignIn: limits,
		StreamsPerCredential: o.streamsPerCred, StreamsPerOrg: o.streamsPerOrg,
	}
	app := &web.Server{
		Users: db, Orgs: db, Projects: db, Tree: db, Credits: db, Queue: db, Takes: db,
		Exports: db, Webhooks: db, Catalog: db.Catalog, Logger: log, API: srv.Handler(),
		Engines: reg, Margin: db, Clock: clk,
	}
	hs := &http.Server{
		Handler:           app.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(broker.Stop)
	url := "http://" + ln.Addr().String()
	log.Info("listening", "url", url, "version", buildVersion())
	fmt.Fprintf(a.stdout, "Slate is listening on %s\n", url)
	if seeded != nil {
		fmt.Fprintf(a.stdout, "Demo login: %s / %s\n", seeded.Email, seeded.Password)
		fmt.Fprintf(a.stdout, "Open %s/login?email=%s&next=/projects/%s in a browser\n",
			url, neturl.QueryEscape(seeded.Email), seeded.Project.ID)
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

// closePeriods closes the billing periods that have ended: once at start, so
// boundaries that passed while the server was down close before anyone asks,
// then every tick until ctx ends. Each organisation's close is idempotent,
// so several servers on one database may all run this.
func closePeriods(ctx context.Context, db *store.DB, log *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := db.ClosePeriods(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("close periods", "err", err, "closed", n)
		case n > 0:
			log.Info("periods closed", "organisations", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pruneEvery is how often the server deletes history past its keeping.
const pruneEvery = time.Hour

// pruneHistory deletes finished jobs, events and deliveries older than keep
// (none when keep is 0) and sign-in failures past remembering, at start
// and then hourly, until ctx ends.
func pruneHistory(ctx context.Context, db *store.DB, log *slog.Logger, keep time.Duration) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		if keep > 0 {
			jobs, events, err := db.PruneHistory(ctx, time.Now().Add(-keep))
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("prune history", "err", err)
			case jobs+events > 0:
				log.Info("history pruned", "jobs", jobs, "events", events)
			}
		}
		if _, err := db.ForgetSignInFailures(ctx); err != nil && ctx.Err() == nil {
			log.Error("forget sign-in failures", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
