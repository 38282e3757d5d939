package web_test

import (
	"fmt"
	"strings"
	"testing"

	"slate"
)

// walkLinks follows a paged page's "More" link (id more) from path to the
// end and returns the hrefs under prefix each page lists, in order.
func walkLinks(t *testing.T, b *browser, path, more, prefix string) (hrefs []string, pages int) {
	t.Helper()
	for next := path; next != ""; pages++ {
		if pages > 10 {
			t.Fatalf("%s: paging does not end", path)
		}
		d := b.page(next)
		for _, e := range d.all(func(e *element) bool { return e.Name == "a" && strings.HasPrefix(e.attr("href"), prefix) }) {
			hrefs = append(hrefs, e.attr("href"))
		}
		if first := d.byID(strings.Replace(more, "-more", "-first", 1)); (first != nil) != (pages > 0) {
			t.Errorf("%s page %d: link back to the first page %v", path, pages+1, first)
		}
		next = d.byID(more).attr("href")
	}
	return hrefs, pages
}

// TestPageProjectsPaged: an organisation's page lists its projects a page
// at a time with a link to the next; walked to the end the links list
// every project the member may see once, and none of the restricted ones.
func TestPageProjectsPaged(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		owner := s.signup("Owner")
		var org slate.Org
		owner.bearer("POST", "/api/v1/orgs", slate.OrgInput{Name: "Films", Plan: "business"}, 201, &org)
		viewer := s.member(owner, org.ID, "Viewer")
		visible := map[string]bool{}
		n := slate.DefaultPageLimit + 7
		for i := range n {
			p, err := s.env.DB.CreateProject(owner.Ctx, org.ID, slate.ProjectInput{Title: fmt.Sprintf("Film %d", i)})
			must(t, err)
			if i%10 == 3 {
				_, err = s.env.DB.SetProjectAccess(owner.Ctx, p.ID, slate.ProjectAccess{Restricted: true})
				must(t, err)
				continue
			}
			visible["/projects/"+p.ID] = true
		}
		for _, tc := range []struct {
			who  *browser
			want int
		}{{owner, n}, {viewer, len(visible)}} {
			hrefs, pages := walkLinks(t, tc.who, "/orgs/"+org.ID, "projects-more", "/projects/")
			if pages != 2 {
				t.Errorf("%s: %d pages, want 2", tc.who.User.Name, pages)
			}
			seen := map[string]bool{}
			for _, h := range hrefs {
				if seen[h] {
					t.Errorf("%s: %s listed twice", tc.who.User.Name, h)
				}
				seen[h] = true
				if tc.who == viewer && !visible[h] {
					t.Errorf("viewer is shown restricted project %s", h)
				}
			}
			if len(seen) != tc.want {
				t.Errorf("%s: %d projects listed, want %d", tc.who.User.Name, len(seen), tc.want)
			}
		}
		if r := owner.get("/orgs/" + org.ID + "?cursor=bogus"); r.Status != 400 {
			t.Errorf("a bad cursor answered %d, want 400", r.Status)
		}
	})
}

// TestPageOrgSwitcher: the switcher offers the first page of the user's
// organisations, the current one wherever it is, and a way to the paged
// list of them all.
func TestPageOrgSwitcher(t *testing.T) {
	t.Parallel()
	eachSite(t, func(t *testing.T, s *site) {
		u := s.signup("Many")
		var last *slate.Org
		n := slate.DefaultPageLimit + 3
		for i := range n {
			o, err := s.env.DB.CreateOrg(u.Ctx, slate.OrgInput{Name: fmt.Sprintf("Org %d", i), Plan: "free"})
			must(t, err)
			last = o
		}
		d := u.page("/orgs/" + last.ID)
		options := d.all(func(e *element) bool {
			return e.Name == "option" && e.within("select") != nil &&
				e.within("select").attr("id") == "org-switch"
		})
		var selected, all bool
		orgs := 0
		for _, o := range options {
			switch v := o.attr("value"); {
			case v == "/orgs":
				all = true
			case v == "/orgs/"+last.ID:
				selected = o.has("selected")
				orgs++
			case v != "/orgs/new":
				orgs++
			}
		}
		if !selected || !all || orgs != slate.DefaultPageLimit+1 {
			t.Errorf("switcher: current org selected %v, a way to all %v, %d orgs; want the first page and the current one",
				selected, all, orgs)
		}
		hrefs, pages := walkLinks(t, u, "/orgs", "organisations-more", "/orgs/org_")
		seen := map[string]bool{}
		for _, h := range hrefs {
			seen[h] = true
		}
		if pages != 2 || len(seen) != n || len(hrefs) != n {
			t.Errorf("/orgs lists %d links to %d orgs on %d pages; want each of %d once on 2 pages", len(hrefs), len(seen), pages, n)
		}
	})
}
