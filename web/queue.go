package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"slate"
)

func (s *Server) routeQueue(mux *http.ServeMux) {
	mux.HandleFunc("GET /orgs/{org}/queue", s.page(s.queuePage))
	mux.HandleFunc("GET /panel/queue/{org}", s.fragment(s.queueFragment))
	mux.HandleFunc("GET /panel/exports/{org}", s.fragment(s.exportsFragment))
}

const (
	// maxQueueJobs bounds one rendering of the queue: every live state
	// change re-renders it, so it must stay cheap; filters reach the rest.
	maxQueueJobs = 1000
	queuePageLen = 200
	// maxBatchLookups bounds the extra reads for the totals of batches
	// only partly listed.
	maxBatchLookups = 100
)

// QueueFilter is the queue page's query: ?state=&project=&batch=.
type QueueFilter struct {
	State, Project, Batch string
}

func filterOf(r *http.Request) QueueFilter {
	q := r.URL.Query()
	return QueueFilter{State: strings.TrimSpace(q.Get("state")), Project: strings.TrimSpace(q.Get("project")),
		Batch: strings.TrimSpace(q.Get("batch"))}
}

// query is the filter as a query string ("" when it filters nothing), so
// the live fragment re-renders exactly what the page shows.
func (f QueueFilter) query() string {
	v := url.Values{}
	for k, x := range map[string]string{"state": f.State, "project": f.Project, "batch": f.Batch} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// QueuePage is the render queue page: filters, the jobs, and export.
type QueuePage struct {
	OrgID    string
	Filter   QueueFilter
	States   []Choice
	Projects []*slate.Project
	Batches  []Choice
	Queue    *QueueView
	// Export is the export form, when a project is chosen.
	Export  *ExportForm
	Exports *ExportsView
}

// QueueView is the live part of the page: the organisation's jobs grouped
// by batch, export jobs apart.
type QueueView struct {
	OrgID    string
	Src      string
	Filtered bool
	Batches  []*BatchGroup
	Exports  []*JobRow
	Shown    int
	// Capped says only the newest maxQueueJobs jobs are shown.
	Capped bool
}

// BatchGroup is one batch of the queue with its totals.
type BatchGroup struct {
	ID, Project, Submitter string
	// Name tells the batch apart in buttons' accessible names.
	Name      string
	Only      string // the queue filtered to this batch
	CreatedAt time.Time
	Engine    string
	Tier      string
	Jobs      int // in the whole batch, shown or not
	States    []StateCount
	Estimate  int64
	Held      int64
	Spent     int64
	Progress  int
	// Partial says the totals are of the jobs shown only: the batch could
	// not be read whole.
	Partial bool
	Actions []ActionButton
	Rows    []*JobRow
}

// StateCount is how many jobs of a batch are in one state.
type StateCount struct {
	State slate.JobState
	Label string
	N     int
}

// JobRow is one job of the queue with the controls its state allows.
type JobRow struct {
	*slate.Job
	// Name is the shot's name, or what an export job makes; Link where it
	// is shown.
	Name, Link string
	Project    string
	Submitter  string
	StateLabel string
	Actions    []ActionButton
	// Reorder shows the priority controls; CanUp and CanDown say whether
	// there is room to move.
	Reorder      bool
	CanUp        bool
	CanDown      bool
	Up, Down     priorityBody
	Done         string // what the buttons refresh after success
	ExportAnchor string
}

type priorityBody struct {
	Priority int `json:"priority"`
}

// queuePage renders the whole render queue page.
func (s *Server) queuePage(ctx context.Context, r *http.Request) (string, *Page, error) {
	orgID := r.PathValue("org")
	p, err := s.layout(ctx, orgID, "Render queue", "queue")
	if err != nil {
		return "", nil, err
	}
	f := filterOf(r)
	names, err := s.namesOf(ctx, orgID)
	if err != nil {
		return "", nil, err
	}
	if _, ok := names.project[f.Project]; f.Project != "" && !ok {
		return "", nil, slate.Errorf(slate.ENOTFOUND, "project %s not found in this organisation", f.Project)
	}
	v := &QueuePage{OrgID: orgID, Filter: f, Projects: names.projects}
	for _, st := range slate.JobStates {
		v.States = append(v.States, Choice{Value: string(st), Label: stateLabel(st), Selected: string(st) == f.State})
	}
	if v.Queue, err = s.queueView(ctx, orgID, f, p.Can, names); err != nil {
		return "", nil, err
	}
	v.Batches = batchChoices(v.Queue, f.Batch)
	if f.Project != "" {
		if v.Export, err = s.exportForm(ctx, f.Project); err != nil {
			return "", nil, err
		}
	}
	if v.Exports, err = s.exportsView(ctx, orgID, f.Project, p.Can, names); err != nil {
		return "", nil, err
	}
	p.Data = v
	return "queue", p, nil
}

// queueFragment renders the jobs alone, for live refreshes.
func (s *Server) queueFragment(ctx context.Context, r *http.Request) (string, any, error) {
	orgID := r.PathValue("org")
	can, names, err := s.canAndNames(ctx, orgID)
	if err != nil {
		return "", nil, err
	}
	v, err := s.queueView(ctx, orgID, filterOf(r), can, names)
	if err != nil {
		return "", nil, err
	}
	return "queue-panel", v, nil
}

// batchChoices are the batches the filter offers: those on show, and the
// one filtered by even when none of its jobs match.
func batchChoices(v *QueueView, current string) []Choice {
	var out []Choice
	seen := false
	for _, b := range v.Batches {
		seen = seen || b.ID == current
		out = append(out, Choice{Value: b.ID, Label: b.Name, Selected: b.ID == current})
	}
	if current != "" && !seen {
		out = append(out, Choice{Value: current, Label: "Batch " + current, Selected: true})
	}
	return out
}

// listJobs reads the filtered queue, newest first, up to maxQueueJobs.
func (s *Server) listJobs(ctx context.Context, orgID string, f QueueFilter) ([]*slate.Job, bool, error) {
	req := slate.JobFilter{State: slate.JobState(f.State), ProjectID: f.Project, BatchID: f.Batch,
		PageRequest: slate.PageRequest{Limit: queuePageLen}}
	var out []*slate.Job
	for {
		page, err := s.Queue.Jobs(ctx, orgID, req)
		if err != nil {
			return nil, false, err
		}
		out = append(out, page.Items...)
		if len(out) > maxQueueJobs || (len(out) == maxQueueJobs && page.NextCursor != "") {
			return out[:maxQueueJobs], true, nil
		}
		if page.NextCursor == "" {
			return out, false, nil
		}
		req.Cursor = page.NextCursor
	}
}

func (s *Server) queueView(ctx context.Context, orgID string, f QueueFilter, can Can, names *orgNames) (*QueueView, error) {
	jobs, capped, err := s.listJobs(ctx, orgID, f)
	if err != nil {
		return nil, err
	}
	v := &QueueView{OrgID: orgID, Src: "/panel/queue/" + url.PathEscape(orgID) + f.query(),
		Filtered: f != QueueFilter{}, Shown: len(jobs), Capped: capped}
	groups := map[string]*BatchGroup{}
	for _, j := range jobs {
		row := jobRow(j, can, names)
		if j.ExportID != "" {
			v.Exports = append(v.Exports, row)
			continue
		}
		g := groups[j.BatchID]
		if g == nil {
			g = &BatchGroup{ID: j.BatchID}
			groups[j.BatchID] = g
			v.Batches = append(v.Batches, g)
		}
		g.Rows = append(g.Rows, row)
	}
	// A batch listed with no state filter and no cap is listed whole, so
	// its own jobs give its totals; otherwise the batch is read.
	whole := f.State == "" && !capped
	lookups := 0
	for _, g := range v.Batches {
		// Rows in submission order, which is the tree order of the batch.
		slices.SortFunc(g.Rows, func(a, b *JobRow) int { return strings.Compare(a.ID, b.ID) })
		var b *slate.Batch
		if !whole && lookups < maxBatchLookups {
			lookups++
			b, err = s.Queue.Batch(ctx, g.ID)
			if err != nil && slate.ErrorCode(err) != slate.ENOTFOUND {
				return nil, err
			}
		}
		if b == nil {
			b = sumRows(g.Rows)
			g.Partial = !whole
		}
		fillGroup(g, b, can, names, orgID)
	}
	return v, nil
}

// sumRows totals the jobs shown by the batch's own rule (Batch.Summarise),
// for groups the list holds only part of.
func sumRows(rows []*JobRow) *slate.Batch {
	b := &slate.Batch{}
	for i, r := range rows {
		if i == 0 {
			b.ProjectID, b.SubmittedBy, b.CreatedAt = r.ProjectID, r.SubmittedBy, r.CreatedAt
			b.Engine, b.Tier = r.Engine, r.Tier
		}
		if r.Engine != b.Engine {
			b.Engine = ""
		}
		if r.Tier != b.Tier {
			b.Tier = ""
		}
		b.Items = append(b.Items, r.Job)
	}
	b.Summarise()
	b.Items = nil
	return b
}

func fillGroup(g *BatchGroup, b *slate.Batch, can Can, names *orgNames, orgID string) {
	g.Project, g.Submitter, g.CreatedAt = names.projectTitle(b.ProjectID), names.who(b.SubmittedBy), b.CreatedAt
	g.Engine, g.Tier, g.Jobs = b.Engine, b.Tier, b.Jobs
	g.Estimate, g.Held, g.Spent, g.Progress = b.Estimate, b.Held, b.Spent, b.Progress
	g.Name = g.Project + " submitted " + formatTime(b.CreatedAt)
	g.Only = "/orgs/" + url.PathEscape(orgID) + "/queue?batch=" + url.QueryEscape(g.ID)
	for _, st := range slate.JobStates {
		if n := b.States[st]; n > 0 {
			g.States = append(g.States, StateCount{State: st, Label: stateLabel(st), N: n})
		}
	}
	g.Actions = buttons(batchActions(b.States, can))
}

func jobRow(j *slate.Job, can Can, names *orgNames) *JobRow {
	r := &JobRow{Job: j, Name: j.ShotName, Project: names.projectTitle(j.ProjectID), Submitter: names.who(j.SubmittedBy),
		StateLabel: stateLabel(j.State), Done: "refresh:queue",
		Actions: buttons(jobActions(j.State, j.CostCharged, can))}
	switch {
	case j.ExportID != "":
		r.Name = "Export of " + r.Project
		r.ExportAnchor = "#export-" + j.ExportID
		r.Done = "refresh:queue refresh:exports"
	case j.ShotID != "":
		if r.Name == "" {
			r.Name = "Shot " + j.ShotID
		}
		r.Link = "/projects/" + url.PathEscape(j.ProjectID) + "?shot=" + url.QueryEscape(j.ShotID)
	}
	if can.RunAI && reorderable(j.State) {
		r.Reorder = true
		r.CanUp, r.CanDown = j.Priority < slate.MaxPriority, j.Priority > slate.MinPriority
		r.Up = priorityBody{min(j.Priority+1, slate.MaxPriority)}
		r.Down = priorityBody{max(j.Priority-1, slate.MinPriority)}
	}
	return r
}
