package client

import (
	"context"
	"fmt"
	"net/http"

	"slate"
)

// collection maps a kind to its path segment, so one method serves all three
// levels the way the API's routes do.
func collection(k slate.ElementKind) (string, error) {
	switch k {
	case slate.KindProject:
		return "projects", nil
	case slate.KindAct:
		return "acts", nil
	case slate.KindScene:
		return "scenes", nil
	case slate.KindShot:
		return "shots", nil
	}
	return "", fmt.Errorf("client: unknown element kind %q", k)
}

func elementPath(el slate.ElementRef, suffix string) (string, error) {
	col, err := collection(el.Kind)
	if err != nil {
		return "", err
	}
	return pathf("/api/v1/"+col+"/%s"+suffix, el.ID), nil
}

// CreateAct adds an act to a project.
func (c *Client) CreateAct(ctx context.Context, projectID string, in slate.ActInput) (*slate.Act, error) {
	return send[slate.Act](ctx, c, http.MethodPost, pathf("/api/v1/projects/%s/acts", projectID), in)
}

// UpdateAct edits or moves an act.
func (c *Client) UpdateAct(ctx context.Context, actID string, in slate.ActPatch) (*slate.Act, error) {
	return send[slate.Act](ctx, c, http.MethodPatch, pathf("/api/v1/acts/%s", actID), in)
}

// DeleteAct deletes an act and everything in it.
func (c *Client) DeleteAct(ctx context.Context, actID string) error {
	return c.do(ctx, http.MethodDelete, pathf("/api/v1/acts/%s", actID), nil, nil)
}

// CreateScene adds a scene to an act.
func (c *Client) CreateScene(ctx context.Context, actID string, in slate.SceneInput) (*slate.Scene, error) {
	return send[slate.Scene](ctx, c, http.MethodPost, pathf("/api/v1/acts/%s/scenes", actID), in)
}

// UpdateScene edits a scene or moves it, also to another act.
func (c *Client) UpdateScene(ctx context.Context, sceneID string, in slate.ScenePatch) (*slate.Scene, error) {
	return send[slate.Scene](ctx, c, http.MethodPatch, pathf("/api/v1/scenes/%s", sceneID), in)
}

// DeleteScene deletes a scene and its shots.
func (c *Client) DeleteScene(ctx context.Context, sceneID string) error {
	return c.do(ctx, http.MethodDelete, pathf("/api/v1/scenes/%s", sceneID), nil, nil)
}

// CreateShot adds a shot to a scene.
func (c *Client) CreateShot(ctx context.Context, sceneID string, in slate.ShotInput) (*slate.Shot, error) {
	return send[slate.Shot](ctx, c, http.MethodPost, pathf("/api/v1/scenes/%s/shots", sceneID), in)
}

// GetShot reads one shot.
func (c *Client) GetShot(ctx context.Context, shotID string) (*slate.Shot, error) {
	return send[slate.Shot](ctx, c, http.MethodGet, pathf("/api/v1/shots/%s", shotID), nil)
}

// UpdateShot edits a shot or moves it, also to another scene.
func (c *Client) UpdateShot(ctx context.Context, shotID string, in slate.ShotPatch) (*slate.Shot, error) {
	return send[slate.Shot](ctx, c, http.MethodPatch, pathf("/api/v1/shots/%s", shotID), in)
}

// DeleteShot deletes a shot.
func (c *Client) DeleteShot(ctx context.Context, shotID string) error {
	return c.do(ctx, http.MethodDelete, pathf("/api/v1/shots/%s", shotID), nil, nil)
}

// Reorder sets the order of the children of a project (slate.KindProject: its
// acts), an act (its scenes) or a scene (its shots); ids lists every child.
func (c *Client) Reorder(ctx context.Context, parent slate.ElementRef, ids []string) error {
	p, err := elementPath(parent, "/order")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPut, p, slate.Reorder{IDs: ids}, nil)
}

// SetTags replaces the tags of a scene or shot and returns them normalised.
func (c *Client) SetTags(ctx context.Context, el slate.ElementRef, tags []string) ([]string, error) {
	p, err := elementPath(el, "/tags")
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = []string{}
	}
	type tagList struct {
		Tags []string `json:"tags"`
	}
	out, err := send[tagList](ctx, c, http.MethodPut, p, tagList{tags})
	if err != nil {
		return nil, err
	}
	return out.Tags, nil
}

// Lock locks an act, scene or shot with an optional reason.
func (c *Client) Lock(ctx context.Context, el slate.ElementRef, reason string) (*slate.Lock, error) {
	p, err := elementPath(el, "/lock")
	if err != nil {
		return nil, err
	}
	return send[slate.Lock](ctx, c, http.MethodPost, p, slate.LockInput{Reason: reason})
}

// Unlock lifts the lock of an act, scene or shot.
func (c *Client) Unlock(ctx context.Context, el slate.ElementRef) error {
	p, err := elementPath(el, "/lock")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil)
}

// SetReview sets a shot's review status; approving needs a take.
func (c *Client) SetReview(ctx context.Context, shotID string, in slate.Review) (*slate.Shot, error) {
	return send[slate.Shot](ctx, c, http.MethodPost, pathf("/api/v1/shots/%s/review", shotID), in)
}

// ResolveSelection returns the shots a selection picks, in tree order.
func (c *Client) ResolveSelection(ctx context.Context, projectID string, sel slate.Selection) ([]*slate.Shot, error) {
	in := struct {
		Selection slate.Selection `json:"selection"`
	}{sel}
	out, err := send[list[*slate.Shot]](ctx, c, http.MethodPost, pathf("/api/v1/projects/%s/selection", projectID), in)
	if err != nil {
		return nil, err
	}
	return out.Items, nil
}

// Bulk applies tag, untag, lock or unlock to every shot of a selection.
func (c *Client) Bulk(ctx context.Context, projectID string, in slate.Bulk) (*slate.BulkResult, error) {
	return send[slate.BulkResult](ctx, c, http.MethodPost, pathf("/api/v1/projects/%s/bulk", projectID), in)
}
