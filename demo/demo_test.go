package demo_test

import (
	"context"
	"testing"

	"slate"
	"slate/demo"
	"slate/store/storetest"
)

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		svc := demo.Services{Users: env.DB, Orgs: env.DB, Projects: env.DB, Tree: env.DB}
		first, err := demo.Seed(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		if !first.Created {
			t.Error("first seed: Created = false")
		}
		second, err := demo.Seed(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		if second.Created || second.Project.ID != first.Project.ID || second.Org.ID != first.Org.ID {
			t.Errorf("second seed made a new demo: %+v then %+v", first, second)
		}
		uctx := storetest.Ctx(first.User)
		orgs, err := env.DB.ListOrgs(uctx, slate.PageRequest{})
		if err != nil || len(orgs.Items) != 1 {
			t.Fatalf("orgs after two seeds = %v (%v), want 1", orgs, err)
		}
		projects, err := env.DB.ListProjects(uctx, first.Org.ID, slate.PageRequest{})
		if err != nil || len(projects.Items) != 1 {
			t.Fatalf("projects after two seeds = %v (%v), want 1", projects, err)
		}
		checkTree(t, env, uctx, first.Project.ID)
	})
}

func checkTree(t *testing.T, env *storetest.Env, ctx context.Context, projectID string) {
	t.Helper()
	tree, err := env.DB.Tree(ctx, projectID)
	if err != nil {
		t.Fatal(err)
	}
	acts, scenes, shots := len(tree.Acts), 0, 0
	for _, a := range tree.Acts {
		scenes += len(a.Scenes)
		for _, s := range a.Scenes {
			shots += len(s.Shots)
			for _, sh := range s.Shots {
				if sh.Prompt == "" || sh.DurationMS < slate.MinShotDurationMS || sh.Camera.ShotType == "" {
					t.Errorf("shot %q lacks prompt, duration or camera: %+v", sh.Name, sh)
				}
			}
		}
	}
	if acts != 2 || scenes != 4 || shots != 12 {
		t.Errorf("tree has %d acts, %d scenes, %d shots; want 2, 4, 12", acts, scenes, shots)
	}
	if got := tree.Acts[0].Scenes[0].Tags; !slate.ContainsTag(got, "exterior") {
		t.Errorf("first scene tags = %v, want exterior", got)
	}
	for _, tc := range []struct {
		tag  string
		want int
	}{
		{"exterior", 6},   // two exterior scenes of three shots
		{"FOR REVIEW", 5}, // a tagged scene of three plus two tagged shots elsewhere
		{"hero shot", 2},
	} {
		sel, err := env.DB.ResolveSelection(ctx, projectID, slate.Selection{Tags: []string{tc.tag}})
		if err != nil {
			t.Fatalf("select %q: %v", tc.tag, err)
		}
		if len(sel) != tc.want {
			t.Errorf("select %q: %d shots, want %d", tc.tag, len(sel), tc.want)
		}
	}
}
