package client_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"slate"
	"slate/api"
	"slate/client"
	"slate/media"
	"slate/store/storetest"
)

// listRequests counts the requests a client sends for each path, and the
// limit each asked for.
type listRequests struct {
	next http.RoundTripper
	mu   sync.Mutex
	by   map[string][]string
}

func (l *listRequests) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		l.mu.Lock()
		l.by[r.URL.Path] = append(l.by[r.URL.Path], r.URL.Query().Get("limit"))
		l.mu.Unlock()
	}
	return l.next.RoundTrip(r)
}

func (l *listRequests) take(path string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.by[path]
	delete(l.by, path)
	return out
}

// TestListsFollowCursors: the client's whole-list methods walk every page,
// PageSize items at a time, and answer each item once, in the list's order.
func TestListsFollowCursors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		dir, err := media.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dir.Close() })
		f := startAPI(t, env, &api.Server{Webhooks: env.DB, Queue: env.DB, Takes: env.DB, Media: dir})
		ctx, owner, org, url := context.Background(), f.c, f.org, f.srv.URL
		shot := must(owner.CreateShot(ctx, f.scene.ID, slate.ShotInput{Name: "Wide", DurationMS: 2000}))(t)
		q := &queueServer{c: owner, env: env, media: dir, p: f.project, shots: []*slate.Shot{shot}}
		const n = 5
		// The fixture has one org and one project already.
		for i := range n - 1 {
			must(owner.CreateProject(ctx, org, slate.ProjectInput{Title: fmt.Sprintf("Project %d", i)}))(t)
			must(owner.CreateOrg(ctx, slate.OrgInput{Name: fmt.Sprintf("Org %d", i), Plan: "free"}))(t)
		}
		for i := range n {
			must(owner.Invite(ctx, org, slate.InvitationInput{Email: fmt.Sprintf("guest-%d@example.test", i)}))(t)
			must(owner.CreateWebhook(ctx, org, slate.WebhookInput{URL: "https://hooks.example.test/slate"}))(t)
		}
		for range n {
			must(owner.Submit(ctx, q.p.ID, slate.BatchInput{Selection: &slate.Selection{Shots: []string{q.shots[0].ID}}, Tier: "draft"}))(t)
			q.render(t, []byte("frames"))
		}
		for i := range n - 1 {
			sess := must(client.New(url, "").Signup(ctx, slate.Signup{Email: fmt.Sprintf("member-%d@example.test", i),
				Password: "correct horse battery", Name: "Member"}))(t)
			member := client.New(url, sess.Token)
			inv := must(owner.Invite(ctx, org, slate.InvitationInput{Email: sess.User.Email}))(t)
			must(member.AcceptInvitation(ctx, inv.Token))(t)
		}

		counted := &listRequests{next: http.DefaultTransport, by: map[string][]string{}}
		paged := client.New(url, owner.Token)
		paged.HTTP = &http.Client{Transport: counted}
		paged.PageSize = 2
		for _, tc := range []struct {
			name, path string
			list       func(c *client.Client) ([]string, error)
		}{
			{"orgs", "/api/v1/orgs", func(c *client.Client) ([]string, error) {
				return ids(c.ListOrgs(ctx))
			}},
			{"projects", "/api/v1/orgs/" + org + "/projects", func(c *client.Client) ([]string, error) {
				return ids(c.ListProjects(ctx, org))
			}},
			{"members", "/api/v1/orgs/" + org + "/members", func(c *client.Client) ([]string, error) {
				return ids(c.ListMembers(ctx, org))
			}},
			{"invitations", "/api/v1/orgs/" + org + "/invitations", func(c *client.Client) ([]string, error) {
				return ids(c.ListInvitations(ctx, org))
			}},
			{"webhooks", "/api/v1/orgs/" + org + "/webhooks", func(c *client.Client) ([]string, error) {
				return ids(c.ListWebhooks(ctx, org))
			}},
			{"takes", "/api/v1/shots/" + q.shots[0].ID + "/takes", func(c *client.Client) ([]string, error) {
				return ids(c.Takes(ctx, q.shots[0].ID))
			}},
		} {
			whole := must(tc.list(owner))(t)
			got := must(tc.list(paged))(t)
			if len(whole) != n || !slices.Equal(got, whole) {
				t.Errorf("%s: pages of 2 gave %v; one page gives %v (want %d)", tc.name, got, whole, n)
			}
			if asked := counted.take(tc.path); !slices.Equal(asked, []string{"2", "2", "2"}) {
				t.Errorf("%s: asked with limits %v, want three pages of 2", tc.name, asked)
			}
		}
		if client.New(url, "").PageSize != slate.MaxPageLimit {
			t.Error("a new client does not read lists in the largest pages")
		}
	})
}

// ids names each item of a list by its id (members by user id).
func ids[T any](items []T, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, it := range items {
		switch v := any(it).(type) {
		case *slate.Org:
			out[i] = v.ID
		case *slate.Project:
			out[i] = v.ID
		case *slate.Member:
			out[i] = v.UserID
		case *slate.Invitation:
			out[i] = v.ID
		case *slate.Webhook:
			out[i] = v.ID
		case *slate.Take:
			out[i] = v.ID
		default:
			return nil, fmt.Errorf("no id for %T", it)
		}
		if !strings.Contains(out[i], "_") {
			return nil, fmt.Errorf("odd id %q", out[i])
		}
	}
	return out, nil
}
