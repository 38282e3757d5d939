package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"slate"
)

// historyPage is how many ledger entries the drawer shows at a time: enough
// to see a batch settle, few enough to stay quick on a phone.
const historyPage = 25

// CreditsView is the credits drawer: balance by bucket, forecast, the
// filtered ledger and the packs on sale.
type CreditsView struct {
	OrgID    string
	Credits  *slate.Credits
	Plan     slate.Plan
	Bank     Bank
	Forecast *slate.Forecast
	Rows     []TxRow
	Filter   HistoryFilter
	// Src reloads the drawer as it is; Older and Newest page the history.
	Src, Older, Newest string
	// Problem is why the filters were refused, shown above the history.
	Problem  string
	Kinds    []slate.EntryKind
	Projects []*slate.Project
	Members  []*slate.Member
	Packs    []PackOption
	// PackPlans name the plans that sell packs, for the hint shown when
	// the current plan does not.
	PackPlans []string
	Can       Can
}

// Bank is the rollover bank as members see it: rollover and purchased
// credits together, with the purchased share (which never expires and does
// not count against the cap) named apart.
type Bank struct {
	Total, Rollover, Purchased int64
	// Cap is the plan's cap on rollover credits; NoCap when it has none.
	Cap   int64
	NoCap bool
}

func bankOf(c *slate.Credits, p slate.Plan) Bank {
	return Bank{Total: c.Rollover + c.Purchased, Rollover: c.Rollover, Purchased: c.Purchased,
		Cap: max(p.RolloverCap, 0), NoCap: p.RolloverCap == slate.NoRolloverCap}
}

// HistoryFilter is the history's filter form, as the query carries it.
type HistoryFilter struct {
	Kind, Project, Member, From, To string
}

func (f HistoryFilter) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"kind": f.Kind, "project": f.Project, "member": f.Member,
		"from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// TxRow is one line of the history with the names its ids stand for.
type TxRow struct {
	T       *slate.Transaction
	Project string
	Actor   string
	// Amount and Held are signed changes ("+5,000", "-1,200"); Held is
	// empty for entries that do not touch held credits.
	Amount, Held string
}

// PackOption is a credit pack with its price as a buyer reads it.
type PackOption struct {
	Pack  slate.CreditPack
	Price string
}

// creditsDrawer renders the credits detail for the top bar's drawer.
func (s *Server) creditsDrawer(ctx context.Context, r *http.Request) (string, any, error) {
	orgID := r.PathValue("org")
	can, err := s.can(ctx, orgID)
	if err != nil {
		return "", nil, err
	}
	q := r.URL.Query()
	v := &CreditsView{OrgID: orgID, Can: can, Kinds: slate.EntryKinds,
		Filter: HistoryFilter{Kind: q.Get("kind"), Project: q.Get("project"), Member: q.Get("member"),
			From: q.Get("from"), To: q.Get("to")}}
	base := "/orgs/" + url.PathEscape(orgID) + "/credits"
	v.Src = base
	if r.URL.RawQuery != "" {
		v.Src += "?" + r.URL.RawQuery
	}
	if v.Credits, err = s.Credits.Credits(ctx, orgID); err != nil {
		return "", nil, err
	}
	cat := s.catalog()
	v.Plan, _ = cat.Plan(v.Credits.Plan)
	v.Plan.Name = v.Credits.Plan
	v.Bank = bankOf(v.Credits, v.Plan)
	for _, p := range cat.Plans {
		if p.AllowPacks {
			v.PackPlans = append(v.PackPlans, p.Name)
		}
	}
	if v.Plan.AllowPacks {
		for _, p := range cat.CreditPacks {
			v.Packs = append(v.Packs, PackOption{Pack: p, Price: slate.FormatCents(p.PriceCents)})
		}
	}
	if v.Forecast, err = s.Credits.Forecast(ctx, orgID); err != nil {
		return "", nil, err
	}
	if v.Projects, err = s.allProjects(ctx, orgID); err != nil {
		return "", nil, err
	}
	if v.Members, err = s.allMembers(ctx, orgID); err != nil {
		return "", nil, err
	}
	f := slate.TransactionFilter{ProjectID: v.Filter.Project, MemberID: v.Filter.Member,
		Kind: slate.EntryKind(v.Filter.Kind), Page: slate.PageRequest{Cursor: q.Get("cursor"), Limit: historyPage}}
	if f.From, f.To, err = dayRange(v.Filter.From, v.Filter.To); err != nil {
		v.Problem = slate.ErrorMessage(err)
		return "credits", v, nil
	}
	page, err := s.Credits.Transactions(ctx, orgID, f)
	switch {
	case err == nil:
	case slate.ErrorCode(err) == slate.EINVALID || slate.ErrorCode(err) == slate.ENOTFOUND:
		// A stale cursor or a project since restricted: say so in the
		// drawer, where the filters can be changed.
		v.Problem = slate.ErrorMessage(err)
		return "credits", v, nil
	default:
		return "", nil, err
	}
	v.Rows = txRows(page.Items, v.Projects, v.Members)
	filters := v.Filter.values()
	if q.Get("cursor") != "" {
		v.Newest = withQuery(base, filters)
	}
	if page.NextCursor != "" {
		filters.Set("cursor", page.NextCursor)
		v.Older = withQuery(base, filters)
	}
	return "credits", v, nil
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// dayRange turns the filter's dates (the day inputs' YYYY-MM-DD, in UTC
// like every date the app shows) into the ledger's half-open range: "to"
// includes the whole of its day.
func dayRange(from, to string) (*time.Time, *time.Time, error) {
	parse := func(field, s string, days int) (*time.Time, error) {
		if s == "" {
			return nil, nil
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, slate.Invalidf(field, "%s must be a date like 2026-03-01, got %q", field, s)
		}
		t = t.AddDate(0, 0, days)
		return &t, nil
	}
	f, err := parse("from", from, 0)
	if err != nil {
		return nil, nil, err
	}
	t, err := parse("to", to, 1)
	if err != nil {
		return nil, nil, err
	}
	if f != nil && t != nil && !t.After(*f) {
		return nil, nil, slate.Invalidf("to", "the date range ends before it starts")
	}
	return f, t, nil
}

func txRows(items []*slate.Transaction, projects []*slate.Project, members []*slate.Member) []TxRow {
	titles := make(map[string]string, len(projects))
	for _, p := range projects {
		titles[p.ID] = p.Title
	}
	names := make(map[string]string, len(members))
	for _, m := range members {
		names[m.UserID] = m.Name
	}
	rows := make([]TxRow, 0, len(items))
	for _, t := range items {
		row := TxRow{T: t, Project: titles[t.ProjectID], Actor: names[t.ActorID], Amount: slate.FormatChange(t.Amount)}
		if t.Held != 0 {
			row.Held = slate.FormatChange(t.Held)
		}
		rows = append(rows, row)
	}
	return rows
}
