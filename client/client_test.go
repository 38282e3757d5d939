package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"slate"
	"slate/api"
	"slate/client"
	"slate/limit"
	"slate/store/storetest"
)

// serve runs the real API on a real store and returns a signed-up owner's
// client with an org, a project, a scene and a shot.
func serve(t *testing.T, env *storetest.Env) (*httptest.Server, *client.Client, *slate.Project, *slate.Shot) {
	t.Helper()
	return serveWith(t, env, env.DB)
}

// serveWith is serve with credits answered by credits.
func serveWith(t *testing.T, env *storetest.Env, credits slate.CreditService) (*httptest.Server, *client.Client, *slate.Project, *slate.Shot) {
	t.Helper()
	f := startAPI(t, env, &api.Server{Credits: credits})
	sh, err := f.c.CreateShot(context.Background(), f.scene.ID, slate.ShotInput{Name: "Wide", DurationMS: 4000})
	if err != nil {
		t.Fatal(err)
	}
	return f.srv, f.c, f.project, sh
}

// fixture is a running API and a signed-up owner's client with an org, a
// project, an act and a scene.
type fixture struct {
	srv     *httptest.Server
	c       *client.Client
	org     string
	project *slate.Project
	act     *slate.Act
	scene   *slate.Scene
}

// startAPI serves s over real HTTP, its core services filled in from env
// where the test left them nil, and makes the owner's fixture.
func startAPI(t *testing.T, env *storetest.Env, s *api.Server) *fixture {
	t.Helper()
	s.Users, s.Orgs, s.Projects, s.Tree, s.Keys = env.DB, env.DB, env.DB, env.DB, env.DB
	if s.Credits == nil {
		s.Credits = env.DB
	}
	s.Catalog, s.Clock, s.Ready = env.DB.Catalog, env.Clock, env.DB.Ping
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	f := &fixture{srv: srv}
	var err error
	step := func(what string) {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	sess, err := client.New(srv.URL, "").Signup(ctx, slate.Signup{Email: "ada@example.test", Password: "correct horse battery", Name: "Ada"})
	step("signup")
	f.c = client.New(srv.URL, sess.Token)
	org, err := f.c.CreateOrg(ctx, slate.OrgInput{Name: "Films", Plan: "business"})
	step("org")
	f.org = org.ID
	f.project, err = f.c.CreateProject(ctx, org.ID, slate.ProjectInput{Title: "Lighthouse"})
	step("project")
	f.act, err = f.c.CreateAct(ctx, f.project.ID, slate.ActInput{Name: "One"})
	step("act")
	f.scene, err = f.c.CreateScene(ctx, f.act.ID, slate.SceneInput{Name: "Cliff"})
	step("scene")
	return f
}

func TestErrorsCarryTheProblem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		srv, c, p, shot := serve(t, env)
		ctx := context.Background()
		if _, err := c.Lock(ctx, slate.ElementRef{Kind: slate.KindShot, ID: shot.ID}, "approved cut"); err != nil {
			t.Fatal(err)
		}
		name := "renamed"
		for _, tc := range []struct {
			name   string
			call   func() error
			status int
			code   slate.Code
			check  func(t *testing.T, e *client.Error)
		}{
			{"unknown project", func() error { _, err := c.GetProject(ctx, "prj_nope"); return err }, 404, slate.ENOTFOUND, nil},
			{"no token", func() error { _, err := client.New(srv.URL, "").Me(ctx); return err }, 401, slate.EUNAUTHENTICATED, nil},
			{"locked shot", func() error {
				_, err := c.UpdateShot(ctx, shot.ID, slate.ShotPatch{Name: &name})
				return err
			}, 423, slate.ELOCKED, func(t *testing.T, e *client.Error) {
				if e.Lock == nil || e.Lock.Reason != "approved cut" || e.Lock.Element.ID != shot.ID {
					t.Errorf("lock = %+v, want the shot's lock with its reason", e.Lock)
				}
			}},
			{"bad duration", func() error {
				_, err := c.CreateShot(ctx, shot.SceneID, slate.ShotInput{Name: "x", DurationMS: 10})
				return err
			}, 400, slate.EINVALID, func(t *testing.T, e *client.Error) {
				if e.Field != "duration_ms" {
					t.Errorf("field = %q, want duration_ms", e.Field)
				}
			}},
			{"empty selection", func() error { _, err := c.ResolveSelection(ctx, p.ID, slate.Selection{}); return err }, 400, slate.EINVALID, nil},
			{"account paused after failed logins", func() error {
				var err error
				for range limit.DefaultBackoff.Free + 1 {
					_, err = client.New(srv.URL, "").Login(ctx, "ada@example.test", "wrong password")
				}
				return err
			}, 429, slate.ERATELIMITED, func(t *testing.T, e *client.Error) {
				if e.RetryAfter != limit.DefaultBackoff.First || e.Slate().RetryAfter != e.RetryAfter {
					t.Errorf("retry after %v (domain error %v), want %v", e.RetryAfter, e.Slate().RetryAfter, limit.DefaultBackoff.First)
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				var ce *client.Error
				if !errors.As(err, &ce) {
					t.Fatalf("err = %v, want *client.Error", err)
				}
				if ce.Status != tc.status || ce.Code != tc.code || ce.Title == "" {
					t.Errorf("problem = %+v, want status %d code %s and a title", ce, tc.status, tc.code)
				}
				// The domain error is reachable the way local code expects.
				var se *slate.Error
				if !errors.As(err, &se) || se.Code != tc.code || slate.ErrorCode(err) != tc.code {
					t.Errorf("as *slate.Error: %v, code %s; want %s", se, slate.ErrorCode(err), tc.code)
				}
				if tc.check != nil {
					tc.check(t, ce)
				}
			})
		}
	})
}

func TestIdempotencyKeyReplays(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		_, c, p, _ := serve(t, env)
		ctx := client.WithIdempotencyKey(context.Background(), "create-act-2")
		first, err := c.CreateAct(ctx, p.ID, slate.ActInput{Name: "Two"})
		if err != nil {
			t.Fatal(err)
		}
		again, err := c.CreateAct(ctx, p.ID, slate.ActInput{Name: "Two"})
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != first.ID {
			t.Errorf("retry with the same key made act %s, want the first %s", again.ID, first.ID)
		}
		tree, err := c.Tree(context.Background(), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tree.Acts) != 2 {
			t.Errorf("acts = %d, want 2: the retry must not create another", len(tree.Acts))
		}
		if _, err := c.CreateAct(ctx, p.ID, slate.ActInput{Name: "Different"}); slate.ErrorCode(err) != slate.ECONFLICT {
			t.Errorf("same key, other request: %v, want conflict", err)
		}
	})
}

// TestInvalidUTF8NotSent: text that is not valid UTF-8 is refused by the
// client, naming the field, rather than sent as U+FFFD; valid text beyond
// ASCII goes through as it is.
func TestInvalidUTF8NotSent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		_, c, p, shot := serve(t, env)
		ctx := context.Background()
		before := storetest.Dump(t, env)
		for _, tc := range []struct {
			name  string
			call  func() error
			field string
		}{
			{"a shot's name", func() error {
				_, err := c.CreateShot(ctx, shot.SceneID, slate.ShotInput{Name: "caf\xe9", DurationMS: 2000})
				return err
			}, "name"},
			{"a tag", func() error {
				_, err := c.SetTags(ctx, slate.ElementRef{Kind: slate.KindShot, ID: shot.ID}, []string{"night", "ext\xe9rieur"})
				return err
			}, "tags[1]"},
			{"a selection's tag", func() error {
				_, err := c.ResolveSelection(ctx, p.ID, slate.Selection{Tags: []string{"\xff"}})
				return err
			}, "selection.tags[0]"},
		} {
			err := tc.call()
			var se *slate.Error
			if !errors.As(err, &se) || se.Code != slate.EINVALID || se.Field != tc.field {
				t.Errorf("%s: %v, want invalid naming %s", tc.name, err, tc.field)
			}
		}
		if after := storetest.Dump(t, env); after != before {
			t.Error("a refused call reached the server and changed the database")
		}
		name := "Plan-séquence — 夜 🎬"
		sh, err := c.CreateShot(ctx, shot.SceneID, slate.ShotInput{Name: name, DurationMS: 2000})
		if err != nil || sh.Name != name {
			t.Fatalf("valid UTF-8: %+v, %v", sh, err)
		}
	})
}
