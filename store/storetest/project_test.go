package storetest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/store/storetest"
)

// rawDB opens env's database directly, for setting up rows no service of
// this package writes and for proving rows are gone.
func rawDB(t *testing.T, env *storetest.Env) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", env.DSN
	if path, ok := strings.CutPrefix(env.DSN, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func projectIDs(ps []*slate.Project) string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return strings.Join(ids, ",")
}

func TestListProjectsHidesRestricted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		viewer, viewerCtx := inviteAndJoin(t, env, o, "viewer")
		secret := env.NewProject(t, o.Ctx, o.Org.ID)
		if _, err := env.DB.SetProjectAccess(o.Ctx, secret.ID, slate.ProjectAccess{Restricted: true}); err != nil {
			t.Fatal(err)
		}
		list := func(ctx context.Context) string {
			t.Helper()
			ps, err := env.DB.ListProjects(ctx, o.Org.ID, slate.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return projectIDs(ps.Items)
		}
		if got, want := list(o.Ctx), o.Project.ID+","+secret.ID; got != want {
			t.Errorf("owner sees %s, want %s", got, want)
		}
		if got := list(viewerCtx); got != o.Project.ID {
			t.Errorf("viewer sees %s, want only the open project", got)
		}
		if _, err := env.DB.GetProject(viewerCtx, secret.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("viewer gets restricted project: %v, want not found", err)
		}

		if _, err := env.DB.SetProjectAccess(o.Ctx, secret.ID, slate.ProjectAccess{Restricted: true, Members: []string{viewer.ID}}); err != nil {
			t.Fatal(err)
		}
		page, err := env.DB.ListProjects(viewerCtx, o.Org.ID, slate.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		ps := page.Items
		if projectIDs(ps) != o.Project.ID+","+secret.ID || !ps[1].Restricted || fmt.Sprint(ps[1].Members) != fmt.Sprint([]string{viewer.ID}) {
			t.Errorf("named viewer sees %+v", ps)
		}
		got, err := env.DB.GetProject(viewerCtx, secret.ID)
		if err != nil || got.Title != secret.Title {
			t.Errorf("named viewer gets restricted project: %+v, %v", got, err)
		}
		_, outsider := env.NewUser(t, "outsider")
		if _, err := env.DB.ListProjects(outsider, o.Org.ID, slate.PageRequest{}); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("outsider lists projects: %v, want not found", err)
		}
		if _, err := env.DB.GetProject(outsider, o.Project.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("outsider gets project: %v, want not found", err)
		}
	})
}

func TestUpdateProject(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		_, viewerCtx := inviteAndJoin(t, env, o, "viewer")
		_, outsider := env.NewUser(t, "outsider")
		str := func(s string) *string { return &s }
		num := func(n int) *int { return &n }
		for _, tc := range []struct {
			name  string
			ctx   context.Context
			patch slate.ProjectPatch
			want  slate.Code
		}{
			{"empty title", o.Ctx, slate.ProjectPatch{Title: str(" ")}, slate.EINVALID},
			{"bad format", o.Ctx, slate.ProjectPatch{Title: str("New"), Format: str("opera")}, slate.EINVALID},
			{"bad frame rate", o.Ctx, slate.ProjectPatch{FrameRate: num(23)}, slate.EINVALID},
			{"bad tier", o.Ctx, slate.ProjectPatch{DefaultTier: str("8k")}, slate.EINVALID},
			{"read only", viewerCtx, slate.ProjectPatch{Title: str("Mine")}, slate.EFORBIDDEN},
			{"outsider", outsider, slate.ProjectPatch{Title: str("Mine")}, slate.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := env.DB.UpdateProject(tc.ctx, o.Project.ID, tc.patch); slate.ErrorCode(err) != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
				got, err := env.DB.GetProject(o.Ctx, o.Project.ID)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(got) != fmt.Sprint(o.Project) {
					t.Errorf("refused update changed the project:\n%+v\n%+v", got, o.Project)
				}
			})
		}

		env.Clock.Advance(time.Minute)
		p, err := env.DB.UpdateProject(o.Ctx, o.Project.ID, slate.ProjectPatch{
			Title: str("The Lighthouse (cut 2)"), AspectRatio: str("9:16"), FrameRate: num(25), DefaultEngine: str("veo-3.1")})
		if err != nil {
			t.Fatal(err)
		}
		got, err := env.DB.GetProject(o.Ctx, o.Project.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(p) {
			t.Errorf("read back %+v, want %+v", got, p)
		}
		if got.Title != "The Lighthouse (cut 2)" || got.AspectRatio != "9:16" || got.FrameRate != 25 ||
			got.DefaultEngine != "veo-3.1" || got.Format != "film" || got.DefaultTier != "draft" {
			t.Errorf("updated project = %+v", got)
		}
		if !got.UpdatedAt.Equal(storetest.Epoch.Add(time.Minute)) || !got.CreatedAt.Equal(storetest.Epoch) {
			t.Errorf("created %v, updated %v", got.CreatedAt, got.UpdatedAt)
		}
	})
}

func TestDeleteProject(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		_, edCtx := inviteAndJoin(t, env, o, "editor", slate.PermModify)
		db := rawDB(t, env)
		act, err := env.DB.CreateAct(o.Ctx, o.Project.ID, slate.ActInput{Name: "Act One"})
		if err != nil {
			t.Fatal(err)
		}
		actRef := slate.ElementRef{Kind: slate.KindAct, ID: act.ID}
		if _, err := env.DB.Lock(o.Ctx, actRef, "picture locked"); err != nil {
			t.Fatal(err)
		}

		if err := env.DB.DeleteProject(edCtx, o.Project.ID); slate.ErrorCode(err) != slate.EFORBIDDEN {
			t.Errorf("editor deletes: got %v, want forbidden", err)
		}
		err = env.DB.DeleteProject(o.Ctx, o.Project.ID)
		var se *slate.Error
		if slate.ErrorCode(err) != slate.ELOCKED || !errors.As(err, &se) || se.Lock == nil {
			t.Fatalf("delete with a locked act: got %v, want locked", err)
		}
		want := slate.Lock{Element: slate.ElementRef{Kind: slate.KindAct, ID: act.ID, Name: "Act One"},
			By: o.User.ID, ByName: "owner", At: storetest.Epoch, Reason: "picture locked"}
		if fmt.Sprint(*se.Lock) != fmt.Sprint(want) {
			t.Errorf("lock = %+v, want %+v", *se.Lock, want)
		}
		if _, err := env.DB.GetProject(o.Ctx, o.Project.ID); err != nil {
			t.Fatalf("refused delete removed the project: %v", err)
		}

		if err := env.DB.Unlock(o.Ctx, actRef); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.DeleteProject(o.Ctx, o.Project.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := env.DB.GetProject(o.Ctx, o.Project.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("deleted project: got %v, want not found", err)
		}
		var acts int
		if err := db.QueryRow(`SELECT COUNT(*) FROM acts WHERE project_id = $1`, o.Project.ID).Scan(&acts); err != nil || acts != 0 {
			t.Errorf("acts left = %d, %v; want the tree deleted with the project", acts, err)
		}
		wantActions(t, env, o, "project.delete", "unlock", "lock")
	})
}

func TestSetProjectAccess(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		ed, edCtx := inviteAndJoin(t, env, o, "editor", slate.PermModify)
		stranger, _ := env.NewUser(t, "stranger")
		for _, tc := range []struct {
			name string
			ctx  context.Context
			in   slate.ProjectAccess
			want slate.Code
		}{
			{"non-member named", o.Ctx, slate.ProjectAccess{Restricted: true, Members: []string{ed.ID, stranger.ID}}, slate.EINVALID},
			{"empty id", o.Ctx, slate.ProjectAccess{Restricted: true, Members: []string{""}}, slate.EINVALID},
			{"non-owner", edCtx, slate.ProjectAccess{Restricted: true, Members: []string{ed.ID}}, slate.EFORBIDDEN},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := env.DB.SetProjectAccess(tc.ctx, o.Project.ID, tc.in); slate.ErrorCode(err) != tc.want {
					t.Fatalf("got %v, want %s", err, tc.want)
				}
				got, err := env.DB.GetProject(o.Ctx, o.Project.ID)
				if err != nil || got.Restricted || len(got.Members) != 0 {
					t.Errorf("refused change altered access: %+v, %v", got, err)
				}
			})
		}

		p, err := env.DB.SetProjectAccess(o.Ctx, o.Project.ID, slate.ProjectAccess{Restricted: true, Members: []string{ed.ID, ed.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if !p.Restricted || fmt.Sprint(p.Members) != fmt.Sprint([]string{ed.ID}) {
			t.Errorf("project = %+v, want restricted to the editor once", p)
		}
		p, err = env.DB.SetProjectAccess(o.Ctx, o.Project.ID, slate.ProjectAccess{Restricted: true, Members: []string{o.User.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(p.Members) != fmt.Sprint([]string{o.User.ID}) {
			t.Errorf("members = %v, want the list replaced", p.Members)
		}
		if _, err := env.DB.GetProject(edCtx, o.Project.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Errorf("editor no longer named: got %v, want not found", err)
		}
		wantActions(t, env, o, "project.access", "project.access")
	})
}
