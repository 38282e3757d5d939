package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// Engines is the deployment's engines as the API shows them.
type Engines interface {
	slate.EngineService
	// CreditValue (millionths of Currency per credit, 0 unknown) values
	// the credits in the margin report.
	CreditValue() int64
	Currency() string
}

type enginePath struct {
	Engine string `path:"engine" maxLength:"40" doc:"Engine name, as listEngines gives it"`
}

type marginIn struct {
	OrgPath
	From string `query:"from" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"First month (YYYY-MM, UTC); the current month when absent"`
	To   string `query:"to" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"Last month (YYYY-MM, UTC), at most 24 months after from; from's month when absent"`
}

// filter reads the months, defaulting to the current one.
func (in *marginIn) filter(now time.Time) (slate.MarginFilter, error) {
	f := slate.MarginFilter{From: now, To: now}
	if in.From != "" {
		t, err := time.Parse("2006-01", in.From)
		if err != nil {
			return f, slate.Invalidf("from", "from must be a month such as 2026-12")
		}
		f.From, f.To = t, t
	}
	if in.To != "" {
		t, err := time.Parse("2006-01", in.To)
		if err != nil {
			return f, slate.Invalidf("to", "to must be a month such as 2026-12")
		}
		f.To = t
	}
	return f, nil
}

// now reads the server's clock.
func (s *Server) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now()
	}
	return time.Now()
}

func (s *Server) registerEngines() {
	tags := []string{"engines"}
	register(s, huma.Operation{
		OperationID: "listEngines", Method: http.MethodGet, Path: "/api/v1/engines", Tags: tags,
		Summary: "The engines this deployment renders with",
		Description: "Any signed-in user: each engine's adapter, model, concurrency limit, tiers and durations offered, " +
			"credit rate and provider price, and whether its provider answered the last check. Checks older than five " +
			"minutes are made again, all at once, so a listing may take a few seconds. Never shows a key. The operator's " +
			"engines file, so one page: next_cursor is always empty.",
	}, opts{}, func(ctx context.Context, _ *struct{}) (*out[*slate.Page[*slate.EngineInfo]], error) {
		if s.Engines == nil {
			return list[*slate.EngineInfo](nil), nil
		}
		infos, err := s.Engines.Engines(ctx)
		if err != nil {
			return nil, err
		}
		return list(infos), nil
	})
	register(s, huma.Operation{
		OperationID: "checkEngine", Method: http.MethodPost, Path: "/api/v1/engines/{engine}/check", Tags: tags,
		Summary: "Check that an engine's provider answers with the deployment's key",
		Description: "Any signed-in user: makes one cheap authenticated call to the provider, or answers the last " +
			"check when it was under ten seconds ago, so repeating it costs the provider nothing more.",
	}, opts{errs: []int{404}}, func(ctx context.Context, in *enginePath) (*out[*slate.EngineInfo], error) {
		if s.Engines == nil {
			return nil, slate.NotFound("engine", in.Engine)
		}
		return replyOr(s.Engines.CheckEngine(ctx, in.Engine))
	})
	register(s, huma.Operation{
		OperationID: "getMargin", Method: http.MethodGet, Path: "/api/v1/orgs/{org}/credits/margin", Tags: []string{"credits"},
		Summary: "Credits charged against what providers were paid, per engine and month",
		Description: "Members with billing. For each month and engine: takes, credits charged, the provider's cost " +
			"(millionths of the currency, from the engines file's rates), and, when the deployment says what a credit " +
			"sells for, revenue and margin.",
	}, errsRead, func(ctx context.Context, in *marginIn) (*out[*slate.MarginReport], error) {
		f, err := in.filter(s.now())
		if err != nil {
			return nil, err
		}
		r, err := s.Margin.Margin(ctx, in.Org, f)
		if err != nil {
			return nil, err
		}
		if s.Engines != nil {
			r.Value(s.Engines.CreditValue(), s.Engines.Currency())
		}
		return reply(r), nil
	})
}
