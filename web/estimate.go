package web

import (
	"context"
	"encoding/json"
	"net/http"

	jsonv2 "github.com/go-json-experiment/json"

	"slate"
)

// EstimateRequest asks for the estimate dialog: the shots a user picked
// (by tag or by ticking them), the engine and tier to price them at ("" for
// each shot's own), and the shots unticked in the dialog since.
type EstimateRequest struct {
	Selection slate.Selection `json:"selection"`
	Engine    string          `json:"engine"`
	Tier      string          `json:"tier"`
	Skip      []string        `json:"skip"`
}

// EstimateLine is one row of the dialog: a quoted line, or an unticked shot.
type EstimateLine struct {
	Shot    *slate.Shot
	Line    *slate.QuoteLine
	Skipped bool
}

// EstimateView is the cost estimate dialog. The quote is the credit
// service's, so the dialog's numbers are the ones a submission holds.
type EstimateView struct {
	Project   *slate.Project
	Request   EstimateRequest
	Quote     *slate.Quote
	Lines     []EstimateLine
	Tiers     []string
	Engines   []string
	Plans     []slate.Plan
	Packs     []slate.CreditPack
	Selection string // the request's selection as JSON, carried by the form
	Can       Can
	// Problem is why no quote could be made (a refused engine, a locked
	// shot), shown in the dialog.
	Problem string
}

const maxEstimateBody = 1 << 20

// estimateDialog prices the picked shots and renders the dialog. Each call
// makes a new quote; submitting sends that quote's id, so what was shown is
// what is held.
func (s *Server) estimateDialog(ctx context.Context, r *http.Request) (string, any, error) {
	var req EstimateRequest
	// Strict, as the API is: invalid UTF-8 or a key given twice is refused,
	// not repaired, since the selection is priced and the quote stored.
	if err := jsonv2.UnmarshalRead(http.MaxBytesReader(nil, r.Body, maxEstimateBody), &req); err != nil {
		return "", nil, slate.Errorf(slate.EINVALID, "the estimate request is not valid JSON: %v", err)
	}
	projectID := r.PathValue("project")
	p, err := s.Projects.GetProject(ctx, projectID)
	if err != nil {
		return "", nil, err
	}
	v := &EstimateView{Project: p, Request: req, Tiers: s.catalog().PriceBook.TierNames(), Engines: s.engineNames(),
		Plans: s.catalog().Plans, Packs: s.catalog().CreditPacks}
	if v.Can, err = s.can(ctx, p.OrgID); err != nil {
		return "", nil, err
	}
	sel, _ := json.Marshal(req.Selection)
	v.Selection = string(sel)
	shots, err := s.Tree.ResolveSelection(ctx, projectID, req.Selection)
	if err != nil {
		return "", nil, err
	}
	skip := map[string]bool{}
	for _, id := range req.Skip {
		skip[id] = true
	}
	var ticked []string
	for _, sh := range shots {
		if !skip[sh.ID] {
			ticked = append(ticked, sh.ID)
		}
	}
	if len(ticked) > 0 {
		v.Quote, err = s.Credits.Estimate(ctx, projectID, slate.EstimateInput{
			Selection: slate.Selection{Shots: ticked}, Engine: req.Engine, Tier: req.Tier})
		switch {
		case err == nil:
		case slate.ErrorCode(err) == slate.EINTERNAL:
			return "", nil, err
		default:
			v.Problem = slate.ErrorMessage(err)
		}
	}
	lines := map[string]*slate.QuoteLine{}
	if v.Quote != nil {
		for i := range v.Quote.Lines {
			lines[v.Quote.Lines[i].ShotID] = &v.Quote.Lines[i]
		}
	}
	for _, sh := range shots {
		v.Lines = append(v.Lines, EstimateLine{Shot: sh, Line: lines[sh.ID], Skipped: skip[sh.ID]})
	}
	return "estimate", v, nil
}
