package web_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"slate"
)

// dialogView is what the estimate dialog shows.
type dialogView struct {
	Total, Shortfall int64
	HasTotal         bool
	Costs            map[string]int64 // shot → its line's cost
	Skipped          map[string]bool  // shot → its line is unticked
	Tiers            map[string]string
	Tier             string // the tier chosen
	Doc              *doc
}

func (b *browser) dialog(projectID, csrf string, sel slate.Selection, tier string, skip ...string) *dialogView {
	b.t.Helper()
	r := b.send("POST", "/panel/estimate/"+projectID, map[string]any{"selection": sel, "tier": tier, "engine": "", "skip": skip}, csrf)
	d := b.html(r, "POST /panel/estimate")
	v := &dialogView{Costs: map[string]int64{}, Skipped: map[string]bool{}, Tiers: map[string]string{}, Doc: d}
	num := func(s string) int64 {
		b.t.Helper()
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 10, 64)
		if err != nil {
			b.t.Fatalf("number %q: %v", s, err)
		}
		return n
	}
	if tot := d.byID("estimate-total"); tot != nil {
		v.HasTotal = true
		v.Total = num(tot.attr("data-total"))
		if shown := num(tot.Text); shown != v.Total {
			b.t.Errorf("total shows %d, data-total %d", shown, v.Total)
		}
	}
	var row *element
	cells := 0
	for _, e := range d.Elements {
		switch {
		case e.Name == "tr" && e.has("data-shot"):
			row, cells = e, 0
			v.Skipped[e.attr("data-shot")] = e.class("skipped")
		case row != nil && e.Name == "td" && e.within("tr") == row:
			cells++
			if cells == 3 {
				v.Tiers[row.attr("data-shot")] = strings.TrimSpace(e.Text)
			}
			if e.has("data-cost") {
				v.Costs[row.attr("data-shot")] = num(e.attr("data-cost"))
			}
		case row != nil && e.Name == "input" && e.attr("name") == "keep" && e.within("tr") == row:
			if e.attr("value") != row.attr("data-shot") || e.has("checked") == v.Skipped[e.attr("value")] {
				b.t.Errorf("row %s: checkbox %v against skipped %v", row.attr("data-shot"), e, v.Skipped[e.attr("value")])
			}
		case e.Name == "select" && e.attr("name") == "tier":
			for _, o := range d.Elements {
				if o.Name == "option" && o.within("select") == e && o.has("selected") {
					v.Tier = strings.TrimSpace(o.Text)
				}
			}
		}
	}
	if sf := d.first(func(e *element) bool { return e.class("shortfall") }); sf != nil {
		s, _, _ := strings.Cut(sf.Text, " short")
		_, s, _ = strings.Cut(s, "Not enough credits:")
		v.Shortfall = num(s)
	}
	return v
}

// TestPageEstimateDialog: the estimate dialog's numbers are the API's for
// the same selection and tier; unticking a shot takes its line off the
// total; another tier changes the prices; a balance too small shows the
// shortfall with its remedies and keeps Render disabled.
func TestPageEstimateDialog(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		b := s.signup("Producer")
		db, ctx := s.env.DB, b.Ctx
		// build and api take the subtest's t and browser: a failure must stop
		// the subtest that met it.
		build := func(t *testing.T, plan string, shots []slate.ShotInput) (*slate.Project, []*slate.Shot) {
			org, err := db.CreateOrg(ctx, slate.OrgInput{Name: "Estimates " + plan, Plan: plan})
			must(t, err)
			pr, err := db.CreateProject(ctx, org.ID, slate.ProjectInput{Title: "Night Shift"})
			must(t, err)
			act, err := db.CreateAct(ctx, pr.ID, slate.ActInput{Name: "One"})
			must(t, err)
			night, err := db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Harbour at night"})
			must(t, err)
			_, err = db.SetTags(ctx, slate.ElementRef{Kind: slate.KindScene, ID: night.ID}, []string{"night"})
			must(t, err)
			day, err := db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Harbour by day"})
			must(t, err)
			var out []*slate.Shot
			for i, in := range shots {
				scene := night.ID
				if i == len(shots)-1 {
					scene = day.ID // the last shot is not tagged night
				}
				sh, err := db.CreateShot(ctx, scene, in)
				must(t, err)
				out = append(out, sh)
			}
			return pr, out
		}
		api := func(b *browser, projectID string, sel slate.Selection, tier string) *slate.Quote {
			var qt slate.Quote
			b.bearer("POST", "/api/v1/projects/"+projectID+"/estimates", slate.EstimateInput{Selection: sel, Tier: tier}, http.StatusCreated, &qt)
			return &qt
		}
		night := slate.Selection{Tags: []string{"night"}}

		t.Run("prices", func(t *testing.T) {
			t.Parallel()
			b := b.with(t)
			pr, shots := build(t, "business", []slate.ShotInput{
				{Name: "Wide", DurationMS: 4000},
				{Name: "Close", DurationMS: 6000, Engine: "veo-3.1"},
				{Name: "Insert", DurationMS: 2500, Engine: "wan-2.1", Tier: "standard"},
				{Name: "Day", DurationMS: 5000},
			})
			csrf := b.csrf("/projects/" + pr.ID)
			tagged := shots[:3]

			all := b.dialog(pr.ID, csrf, night, "")
			want := api(b, pr.ID, night, "")
			if !all.HasTotal || all.Total != want.Total || all.Total <= 0 || len(all.Costs) != len(tagged) {
				t.Fatalf("dialog total %d over %d lines, API %d over %d", all.Total, len(all.Costs), want.Total, len(want.Lines))
			}
			for _, l := range want.Lines {
				if all.Costs[l.ShotID] != l.Cost {
					t.Errorf("shot %s: dialog %d, API %d", l.ShotName, all.Costs[l.ShotID], l.Cost)
				}
			}
			for _, sh := range tagged {
				if all.Skipped[sh.ID] {
					t.Errorf("shot %s unticked before anything was", sh.Name)
				}
			}
			if _, ok := all.Costs[shots[3].ID]; ok {
				t.Error("the untagged shot is in the tag's estimate")
			}
			if before := all.Doc.byID("balance-before"); before == nil || strings.ReplaceAll(before.Text, ",", "") != strconv.FormatInt(want.BalanceBefore, 10) {
				t.Errorf("balance before %v, API %d", before, want.BalanceBefore)
			}

			skip := tagged[1]
			less := b.dialog(pr.ID, csrf, night, "", skip.ID)
			if less.Total != all.Total-all.Costs[skip.ID] || !less.Skipped[skip.ID] {
				t.Errorf("unticking %s (%d): total %d → %d, skipped %v", skip.Name, all.Costs[skip.ID], all.Total, less.Total, less.Skipped[skip.ID])
			}
			if _, ok := less.Costs[skip.ID]; ok {
				t.Error("the unticked shot keeps its cost")
			}
			if got := api(b, pr.ID, slate.Selection{Shots: []string{tagged[0].ID, tagged[2].ID}}, "").Total; less.Total != got {
				t.Errorf("unticked total %d, API for the rest %d", less.Total, got)
			}

			high := b.dialog(pr.ID, csrf, night, "high")
			wantHigh := api(b, pr.ID, night, "high")
			if high.Total != wantHigh.Total || high.Total == all.Total || high.Tier != "high" {
				t.Errorf("at high: dialog %d (tier %q), API %d, own tiers %d", high.Total, high.Tier, wantHigh.Total, all.Total)
			}
			for _, sh := range tagged {
				if high.Tiers[sh.ID] != "high" || high.Costs[sh.ID] == all.Costs[sh.ID] && sh.Tier != "high" {
					t.Errorf("shot %s at high: tier %q, cost %d (own tier %d)", sh.Name, high.Tiers[sh.ID], high.Costs[sh.ID], all.Costs[sh.ID])
				}
			}
			draft := b.dialog(pr.ID, csrf, night, "draft")
			if draft.Total != api(b, pr.ID, night, "draft").Total || draft.Total >= high.Total {
				t.Errorf("at draft: dialog %d, high %d", draft.Total, high.Total)
			}
			if submit := high.Doc.byID("estimate-submit"); submit == nil || submit.disabled() {
				t.Errorf("Render button %v, want it enabled", submit)
			}
		})

		t.Run("shortfall", func(t *testing.T) {
			t.Parallel()
			b := b.with(t)
			pr, shots := build(t, "free", []slate.ShotInput{
				{Name: "Storm", DurationMS: 60_000, Engine: "veo-3.1"},
				{Name: "Calm", DurationMS: 1_000},
			})
			csrf := b.csrf("/projects/" + pr.ID)
			sel := slate.Selection{Shots: []string{shots[0].ID}}
			want := api(b, pr.ID, sel, "high")
			if want.Shortfall <= 0 {
				t.Fatalf("the API sees no shortfall: %+v", want)
			}
			v := b.dialog(pr.ID, csrf, sel, "high")
			if v.Total != want.Total || v.Shortfall != want.Shortfall {
				t.Errorf("dialog total %d short %d, API %d short %d", v.Total, v.Shortfall, want.Total, want.Shortfall)
			}
			if submit := v.Doc.byID("estimate-submit"); submit == nil || !submit.disabled() {
				t.Errorf("Render button %v, want it disabled", submit)
			}
			var got []slate.Remedy
			for _, e := range v.Doc.Elements {
				if e.Name != "button" || e.within("ul") == nil || !e.within("ul").class("remedies") {
					continue
				}
				switch {
				case e.has("data-set-tier"):
					got = append(got, slate.Remedy{Kind: "tier", Tier: e.attr("data-set-tier")})
				case strings.HasSuffix(e.attr("data-api"), "/plan"):
					var body map[string]string
					if err := json.Unmarshal([]byte(e.attr("data-body")), &body); err != nil {
						t.Errorf("plan remedy body %q: %v", e.attr("data-body"), err)
					}
					got = append(got, slate.Remedy{Kind: "plan", Plan: body["plan"]})
					if e.disabled() {
						t.Errorf("the owner's upgrade button is disabled: %v", e)
					}
				case strings.HasSuffix(e.attr("data-api"), "/credits/purchases"):
					var body slate.PurchaseInput
					if err := json.Unmarshal([]byte(e.attr("data-body")), &body); err != nil {
						t.Errorf("pack remedy body %q: %v", e.attr("data-body"), err)
					}
					got = append(got, slate.Remedy{Kind: "pack", Pack: body.Pack})
				default:
					t.Errorf("remedy button %v", e)
				}
			}
			var wantRemedies []slate.Remedy
			for _, r := range want.Remedies {
				wantRemedies = append(wantRemedies, slate.Remedy{Kind: r.Kind, Tier: r.Tier, Pack: r.Pack, Plan: r.Plan})
			}
			if len(wantRemedies) == 0 || !reflect.DeepEqual(got, wantRemedies) {
				t.Errorf("remedies shown %+v, API %+v", got, wantRemedies)
			}

			fits := b.dialog(pr.ID, csrf, slate.Selection{Shots: []string{shots[1].ID}}, "")
			if fits.Shortfall != 0 || fits.Doc.first(func(e *element) bool { return e.class("shortfall") }) != nil {
				t.Errorf("a one-second shot shows a shortfall of %d", fits.Shortfall)
			}
		})
	})
}
