package web_test

import (
	"net/http"
	"strings"
	"testing"

	"slate"
	"slate/session"
	"slate/store/storetest"
)

// raw sends body exactly as given, with the browser's cookies and the
// page's CSRF token.
func (b *browser) raw(method, path, body, csrf string) *response {
	b.t.Helper()
	return b.do(method, path, []byte(body), http.Header{session.CSRFHeader: {csrf}})
}

// TestPageBadText: an address that is not valid UTF-8 is a 400 page, not
// the 500 PostgreSQL's refusal of such text would make; the estimate
// dialog, which stores a quote, refuses invalid UTF-8 and duplicate keys as
// the API does, and stores nothing.
func TestPageBadText(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		b := s.signup("Producer")
		db, ctx := s.env.DB, b.Ctx
		org, err := db.CreateOrg(ctx, slate.OrgInput{Name: "Harbour Films", Plan: "business"})
		must(t, err)
		pr, err := db.CreateProject(ctx, org.ID, slate.ProjectInput{Title: "Night Shift"})
		must(t, err)
		act, err := db.CreateAct(ctx, pr.ID, slate.ActInput{Name: "One"})
		must(t, err)
		scene, err := db.CreateScene(ctx, act.ID, slate.SceneInput{Name: "Harbour at night"})
		must(t, err)
		_, err = db.CreateShot(ctx, scene.ID, slate.ShotInput{Name: "Wide", DurationMS: 3000})
		must(t, err)
		csrf := b.csrf("/projects/" + pr.ID)

		for _, path := range []string{
			"/projects/prj_%FF",
			"/panel/tree/prj_%C3%28",
			"/orgs/" + org.ID + "/queue?state=%FF",
			"/projects/" + pr.ID + "?tag=%E9t%E9",
		} {
			t.Run(path, func(t *testing.T) {
				b := b.with(t)
				if r := b.get(path); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "not valid UTF-8") {
					t.Errorf("GET %s: %d %.300s", path, r.Status, r.Body)
				}
			})
		}

		estimate := "/panel/estimate/" + pr.ID
		if r := b.raw("POST", estimate, `{"selection": {"all": true}, "tier": "", "engine": "", "skip": []}`, csrf); r.Status != http.StatusOK {
			t.Fatalf("a valid estimate request: %d %.300s", r.Status, r.Body)
		}
		for name, body := range map[string]string{
			"invalid UTF-8 in a tag":  "{\"selection\": {\"tags\": [\"ext\xe9rieur\"]}, \"tier\": \"\", \"engine\": \"\", \"skip\": []}",
			"a duplicate key":         `{"selection": {"all": true}, "tier": "draft", "tier": "final", "engine": "", "skip": []}`,
			"a lone surrogate escape": `{"selection": {"tags": ["\udfff"]}, "tier": "", "engine": "", "skip": []}`,
		} {
			t.Run("estimate with "+name, func(t *testing.T) {
				b := b.with(t)
				before := storetest.Dump(t, s.env)
				if r := b.raw("POST", estimate, body, csrf); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "not valid JSON") {
					t.Errorf("POST %s: %d %.300s", estimate, r.Status, r.Body)
				}
				if after := storetest.Dump(t, s.env); after != before {
					t.Errorf("a refused estimate request wrote to the database")
				}
			})
		}
	})
}
