package web_test

import (
	"strconv"
	"strings"
	"testing"

	"slate"
	"slate/pricing"
)

// writes returns the elements of a page that change something through
// the API (data-api with a method other than GET), leaving out signing out,
// which everyone may; usable says which of them can be used: a button not
// disabled, a form with a control not disabled.
func writes(d *doc) (all, usable []*element) {
	for _, e := range d.Elements {
		method, path, _ := strings.Cut(e.attr("data-api"), " ")
		if !e.has("data-api") || method == "GET" || path == "/api/v1/auth/logout" {
			continue
		}
		all = append(all, e)
		if e.Name != "form" {
			if !e.disabled() {
				usable = append(usable, e)
			}
			continue
		}
		for _, c := range d.Elements {
			if (c.Name == "input" || c.Name == "select" || c.Name == "textarea" || c.Name == "button") &&
				c.within("form") == e && !c.disabled() {
				usable = append(usable, e)
				break
			}
		}
	}
	return all, usable
}

// TestPagePermissions: a member who may only read sees the project's pages
// with nothing that writes; one with modify gets the shot form; one with
// run_ai gets Generate, priced as the price book prices the shot.
func TestPagePermissions(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		demo := demoSite(t, s)
		p, sh := demo.Project.ID, demo.Shot
		cost, err := pricing.Default().PriceBook.ShotCost(sh.EffectiveEngine, sh.EffectiveTier, sh.DurationMS)
		must(t, err)
		pages := []string{
			"/projects/" + p, "/projects/" + p + "?shot=" + sh.ID, "/projects/" + p + "?scene=" + demo.Scene.ID,
			"/projects/" + p + "?act=" + demo.Act.ID, "/panel/tree/" + p, "/panel/project/" + p + "/shot/" + sh.ID,
			"/orgs/" + demo.Org.ID,
		}
		tests := []struct {
			name                   string
			who                    *browser
			modify, runAI, canEdit bool
		}{
			{"read", s.member(demo.Owner, demo.Org.ID, "Reader"), false, false, false},
			{"modify", s.member(demo.Owner, demo.Org.ID, "Editor", slate.PermModify), true, false, true},
			{"run_ai", s.member(demo.Owner, demo.Org.ID, "Director", slate.PermRunAI), false, true, false},
			{"owner", demo.Owner, true, true, true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				b := tc.who.with(t)
				for _, path := range pages {
					d := b.page(path)
					all, usable := writes(d)
					if !tc.canEdit && len(all) > 0 {
						t.Errorf("%s: a member without modify is offered %v", path, all)
					}
					if tc.canEdit && len(usable) == 0 && path != "/panel/tree/"+p {
						t.Errorf("%s: a member with modify has nothing to change", path)
					}
					estimates := d.all(func(e *element) bool { return e.has("data-estimate") || e.has("data-estimate-picked") })
					if !tc.runAI && len(estimates) > 0 {
						t.Errorf("%s: a member without run_ai sees %v", path, estimates)
					}
					if tc.runAI && strings.HasPrefix(path, "/projects/") && len(estimates) == 0 {
						t.Errorf("%s: a member with run_ai has nothing to estimate", path)
					}
				}
				d := b.page("/projects/" + p + "?shot=" + sh.ID)
				form := d.byID("shot-form")
				if form == nil || (form.attr("data-api") == "PATCH /api/v1/shots/"+sh.ID) != tc.modify {
					t.Fatalf("shot form %v", form)
				}
				save := d.first(func(e *element) bool { return e.Name == "button" && e.within("form") == form })
				usable := save != nil && !save.disabled() && strings.TrimSpace(save.Text) == "Save shot"
				if usable != tc.modify {
					t.Errorf("Save shot usable = %v (%v), want %v", usable, save, tc.modify)
				}
				for _, id := range []string{"review-form", "move-form"} {
					if (d.byID(id) != nil) != tc.modify {
						t.Errorf("#%s shown = %v, want %v", id, d.byID(id) != nil, tc.modify)
					}
				}
				gen := d.byID("generate")
				if (gen != nil) != tc.runAI {
					t.Fatalf("Generate shown = %v, want %v", gen != nil, tc.runAI)
				}
				if gen != nil {
					got := strings.Join(strings.Fields(gen.Text), " ")
					n, ok := strings.CutPrefix(got, "Generate · ")
					n, ok2 := strings.CutSuffix(n, " credits")
					v, err := strconv.ParseInt(strings.ReplaceAll(n, ",", ""), 10, 64)
					if !ok || !ok2 || err != nil || v != cost || gen.disabled() {
						t.Errorf("Generate button %q (disabled %v), want it to cost %d credits", got, gen.disabled(), cost)
					}
				}
			})
		}
	})
}
