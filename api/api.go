// Package api is Slate's REST API under /api/v1. It is code-first: handlers
// are registered with huma, which validates requests against the schemas of
// the domain types and generates the OpenAPI document served at
// /api/v1/openapi.json, so the document and the server cannot drift apart.
//
// Handlers are thin: they decode, call one domain service and encode. Rules
// and permission checks live in the services; this package only translates
// HTTP to service calls and domain errors to problem responses.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"slate"
	"slate/events"
	"slate/netguard"
	"slate/pricing"
	"slate/session"
)

// Server serves the REST API on the domain services.
type Server struct {
	Users    slate.UserService
	Orgs     slate.OrgService
	Projects slate.ProjectService
	Tree     slate.TreeService
	Credits  slate.CreditService
	Queue    slate.QueueService
	Takes    slate.TakeService
	Exports  slate.ExportService
	Margin   slate.MarginService
	// Engines lists the deployment's engines and values credits for the
	// margin report; nil lists none.
	Engines Engines
	// Media serves takes' files; nil answers their downloads 404.
	Media MediaStore
	// Webhooks manages organisations' webhooks.
	Webhooks slate.WebhookService
	// WebhookAddresses is the outbound address policy: a webhook whose
	// URL spells an address it refuses is not made. The zero policy
	// refuses every address that is not public.
	WebhookAddresses netguard.Policy
	// Events feeds the live event streams; nil answers them 500.
	Events *events.Broker
	// Catalog returns the plans, packs and price book in force; nil means
	// the spec's defaults.
	Catalog func() pricing.Catalog
	Keys    slate.IdempotencyService
	Clock   slate.Clock
	Logger  *slog.Logger
	Ready   func(context.Context) error // for /healthz

	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// SignIn paces sign-ups, logins, invitation acceptances and token
	// creation per client address and account.
	SignIn SignInLimits
	// StreamsPerCredential and StreamsPerOrg cap the event streams open
	// at once on this server for one token or session, and for one
	// organisation; 0 means DefaultStreamsPerCredential and
	// DefaultStreamsPerOrg.
	StreamsPerCredential int
	StreamsPerOrg        int

	once    sync.Once
	mux     *http.ServeMux
	api     huma.API
	handler http.Handler
	// opIDs maps a ServeMux pattern ("POST /api/v1/orgs") to its operation
	// id, for metrics and logs.
	opIDs   map[string]string
	public  map[string]bool
	metrics *metrics
	guard   *signInGuard
	streams *streamSlots
}

// DefaultMaxBodyBytes is the request body limit unless configured otherwise.
const DefaultMaxBodyBytes = 1 << 20

// Handler returns the HTTP handler of the whole API, including /healthz and
// /metrics.
func (s *Server) Handler() http.Handler {
	s.init()
	return s.handler
}

// OpenAPI returns the generated OpenAPI document.
func (s *Server) OpenAPI() *huma.OpenAPI {
	s.init()
	return s.api.OpenAPI()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Server) maxBody() int64 {
	if s.MaxBodyBytes > 0 {
		return s.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

// Security scheme names in the OpenAPI document.
const (
	schemeBearer  = "bearer"
	schemeSession = "session"
)

func (s *Server) init() {
	s.once.Do(func() {
		s.mux = http.NewServeMux()
		s.opIDs = map[string]string{}
		s.guard = s.newSignInGuard()
		s.public = map[string]bool{
			"GET /healthz":                 true,
			"GET /metrics":                 true,
			"GET /api/v1/openapi.json":     true,
			"GET /api/v1/openapi.yaml":     true,
			"GET /api/v1/openapi-3.0.json": true,
			"GET /api/v1/openapi-3.0.yaml": true,
		}

		config := huma.DefaultConfig("Slate API", "1.0.0")
		config.Info.Description = "Production management for AI filmmaking. Errors are application/problem+json with a stable `code`."
		// No $schema fields or Link headers in responses: clients get plain
		// domain objects.
		config.CreateHooks = nil
		config.OpenAPIPath = "/api/v1/openapi"
		config.DocsPath = ""
		config.SchemasPath = ""
		config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
			schemeBearer: {Type: "http", Scheme: "bearer",
				Description: "A session token from login or an API token from POST /api/v1/tokens."},
			schemeSession: {Type: "apiKey", In: "cookie", Name: session.CookieName,
				Description: "The web app's session cookie, set by login."},
		}
		describeDocument(config.OpenAPI)
		s.api = humago.New(s.mux, config)

		s.registerOps()
		s.registerUsers()
		s.registerOrgs()
		s.registerMembers()
		s.registerProjects()
		s.registerTree()
		s.registerTags()
		s.registerLocks()
		s.registerSelections()
		s.registerCredits()
		s.registerEngines()
		s.registerQueue()
		s.registerTakes()
		s.registerExports()
		s.streams = newStreamSlots(s.StreamsPerCredential, s.StreamsPerOrg)
		s.registerEvents()
		s.registerWebhooks()
		s.tidyDocument()

		s.metrics = newMetrics()
		s.mux.Handle("GET /metrics", s.metrics.handler())
		s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, r, slate.Errorf(slate.ENOTFOUND, "no route for %s %s", r.Method, r.URL.Path))
		})

		// Outermost first: observe (logs, metrics, panics), limit bodies,
		// authenticate, refuse text that is not valid UTF-8 or strict
		// JSON, then replay or record idempotent requests.
		var h http.Handler = s.mux
		h = s.nudgeEvents(h)
		h = s.idempotency(h)
		h = s.refuseBadText(h)
		h = s.authenticate(h)
		h = s.limitBody(h)
		h = s.observe(h)
		s.handler = h
	})
}

// opts is what differs between operations beyond huma's own fields.
type opts struct {
	public bool
	// errs are the error statuses the operation documents besides the ones
	// every operation may answer.
	errs []int
}

// register adds one operation: it documents its security and problem
// responses and records its pattern for middleware.
func register[I, O any](s *Server, op huma.Operation, o opts, h func(context.Context, *I) (*O, error)) {
	errs := map[int]bool{http.StatusBadRequest: true, http.StatusInternalServerError: true}
	if o.public {
		// An empty list, not a missing one: the document's global
		// requirement does not apply.
		op.Security = []map[string][]string{}
	} else {
		errs[http.StatusUnauthorized] = true
	}
	for _, e := range o.errs {
		errs[e] = true
	}
	if op.Method != http.MethodGet {
		errs[http.StatusRequestEntityTooLarge] = true
	}
	op.Errors = nil
	for _, e := range []int{400, 401, 402, 403, 404, 409, 410, 413, 423, 429, 500, 503} {
		if errs[e] {
			op.Errors = append(op.Errors, e)
		}
	}
	if op.DefaultStatus == 0 {
		op.DefaultStatus = http.StatusOK
		if op.Method == http.MethodDelete {
			op.DefaultStatus = http.StatusNoContent
		}
	}
	op.MaxBodyBytes = s.maxBody()
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		o, err := h(ctx, in)
		var e *slate.Error
		if errors.As(err, &e) {
			// huma takes response headers (Retry-After) only from the
			// handler's own error, so domain errors become problems here.
			return nil, problemFor(ctx, err)
		}
		return o, err
	})
	pattern := op.Method + " " + op.Path
	s.opIDs[pattern] = op.OperationID
	if o.public {
		s.public[pattern] = true
	}
}

// tidyDocument drops the 422 responses huma documents for schema violations:
// this API answers them with 400 like any other invalid input.
func (s *Server) tidyDocument() {
	for _, item := range s.api.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Patch, item.Delete} {
			if op != nil {
				delete(op.Responses, "422")
			}
		}
	}
}

// Common error sets of operations.
var (
	errsRead   = opts{errs: []int{403, 404}}
	errsWrite  = opts{errs: []int{403, 404, 409}}
	errsLocked = opts{errs: []int{403, 404, 409, 423}}
)

// out is the response of an operation with a JSON body.
type out[T any] struct {
	Body T
}

func reply[T any](v T) *out[T] { return &out[T]{Body: v} }

// replyOr answers v, or the error of the service call that produced it.
func replyOr[T any](v T, err error) (*out[T], error) {
	if err != nil {
		return nil, err
	}
	return reply(v), nil
}

// list answers, as one page, a list that users' data does not grow: the
// operator's catalogue, or the shots of one project's tree (which the tree
// itself answers whole). Every list that grows with users' data pages with
// PageQuery instead.
func list[T any](items []T) *out[*slate.Page[T]] {
	if items == nil {
		items = []T{}
	}
	return reply(&slate.Page[T]{Items: items})
}

// noContent is the response of deletes.
type noContent struct{}
