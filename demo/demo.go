// Package demo seeds a demo organisation with a sample project, so that a
// fresh `slate serve --demo` has something to show. It goes through the
// domain services only, so it seeds SQLite and PostgreSQL alike and obeys
// every rule a real user's requests would.
package demo

import (
	"context"
	"errors"
	"fmt"

	"slate"
)

// The demo login. It is printed on start; a demo server is not meant to face
// the internet.
const (
	Email    = "demo@slate.test"
	Password = "slate-demo-password"
	UserName = "Demo Producer"
	OrgName  = "Demo Studio"
	OrgPlan  = "business"
	Title    = "The Lighthouse Keeper"
)

// Services are the domain services the seed uses.
type Services struct {
	Users    slate.UserService
	Orgs     slate.OrgService
	Projects slate.ProjectService
	Tree     slate.TreeService
}

// Result tells where the demo lives and whether this call created it.
type Result struct {
	Email, Password string
	User            *slate.User
	Org             *slate.Org
	Project         *slate.Project
	// Created is false when the demo project was already there.
	Created bool
}

// Seed makes sure the demo user, organisation and project exist, creating
// whatever is missing. Running it again changes nothing, so every start of
// a demo server can call it.
func Seed(ctx context.Context, s Services) (*Result, error) {
	u, err := demoUser(ctx, s.Users)
	if err != nil {
		return nil, err
	}
	res := &Result{Email: Email, Password: Password, User: u}
	ctx = slate.NewContextWithUser(ctx, u)
	if res.Org, err = demoOrg(ctx, s.Orgs); err != nil {
		return nil, err
	}
	projects, err := slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Project], error) {
		return s.Projects.ListProjects(ctx, res.Org.ID, p)
	})
	if err != nil {
		return nil, fmt.Errorf("demo: list projects: %w", err)
	}
	for _, p := range projects {
		if p.Title == Title {
			res.Project = p
			return res, nil
		}
	}
	if res.Project, err = s.Projects.CreateProject(ctx, res.Org.ID, slate.ProjectInput{
		Title: Title, Format: "short", AspectRatio: "16:9", FrameRate: 24,
	}); err != nil {
		return nil, fmt.Errorf("demo: create project: %w", err)
	}
	if err := seedTree(ctx, s.Tree, res.Project.ID); err != nil {
		return nil, err
	}
	res.Created = true
	return res, nil
}

// demoUser signs in as the demo user, signing it up on first run. A demo
// account whose password someone changed is left alone: seeding it would
// print a login that does not work.
func demoUser(ctx context.Context, users slate.UserService) (*slate.User, error) {
	_, u, err := users.Login(ctx, Email, Password)
	if err == nil {
		return u, nil
	}
	if slate.ErrorCode(err) != slate.EUNAUTHENTICATED {
		return nil, fmt.Errorf("demo: sign in: %w", err)
	}
	u, err = users.Signup(ctx, slate.Signup{Email: Email, Password: Password, Name: UserName})
	if slate.ErrorCode(err) == slate.ECONFLICT {
		return nil, errors.New("demo: the demo user exists with another password; not seeding")
	}
	if err != nil {
		return nil, fmt.Errorf("demo: sign up: %w", err)
	}
	return u, nil
}

func demoOrg(ctx context.Context, orgs slate.OrgService) (*slate.Org, error) {
	list, err := slate.Collect(func(p slate.PageRequest) (*slate.Page[*slate.Org], error) {
		return orgs.ListOrgs(ctx, p)
	})
	if err != nil {
		return nil, fmt.Errorf("demo: list orgs: %w", err)
	}
	for _, o := range list {
		if o.Name == OrgName {
			return o, nil
		}
	}
	o, err := orgs.CreateOrg(ctx, slate.OrgInput{Name: OrgName, Plan: OrgPlan})
	if err != nil {
		return nil, fmt.Errorf("demo: create org: %w", err)
	}
	return o, nil
}

func seedTree(ctx context.Context, tree slate.TreeService, projectID string) error {
	for _, a := range script {
		act, err := tree.CreateAct(ctx, projectID, slate.ActInput{Name: a.name, Description: a.description})
		if err != nil {
			return fmt.Errorf("demo: act %q: %w", a.name, err)
		}
		for _, sc := range a.scenes {
			scene, err := tree.CreateScene(ctx, act.ID, sc.input)
			if err != nil {
				return fmt.Errorf("demo: scene %q: %w", sc.input.Name, err)
			}
			if err := setTags(ctx, tree, slate.KindScene, scene.ID, sc.tags); err != nil {
				return err
			}
			for _, sh := range sc.shots {
				cam := sh.camera
				shot, err := tree.CreateShot(ctx, scene.ID, slate.ShotInput{
					Name: sh.name, DurationMS: sh.durationMS, Prompt: sh.prompt, Camera: &cam,
				})
				if err != nil {
					return fmt.Errorf("demo: shot %q: %w", sh.name, err)
				}
				if err := setTags(ctx, tree, slate.KindShot, shot.ID, sh.tags); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func setTags(ctx context.Context, tree slate.TreeService, kind slate.ElementKind, id string, tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	if _, err := tree.SetTags(ctx, slate.ElementRef{Kind: kind, ID: id}, tags); err != nil {
		return fmt.Errorf("demo: tag %s %s: %w", kind, id, err)
	}
	return nil
}
