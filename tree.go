package slate

import (
	"context"
	"time"
)

// ElementKind names the three lockable, positionable levels of the tree, and
// the project as the parent of its acts.
type ElementKind string

const (
	KindAct   ElementKind = "act"
	KindScene ElementKind = "scene"
	KindShot  ElementKind = "shot"
	// KindProject is only a parent: Reorder of a project orders its acts.
	KindProject ElementKind = "project"
)

// ElementRef points at one act, scene or shot.
type ElementRef struct {
	Kind ElementKind `json:"kind"`
	ID   string      `json:"id"`
	Name string      `json:"name,omitempty"`
}

// Shot duration bounds, in milliseconds.
const (
	MinShotDurationMS = 1_000
	MaxShotDurationMS = 60_000
)

// Act is the top level of a project's tree.
type Act struct {
	ID          string    `json:"id"`
	ProjectID   string    `json:"project_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Position    int       `json:"position"`
	Lock        *Lock     `json:"lock,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Scene sits in an act and holds shots.
type Scene struct {
	ID          string    `json:"id"`
	ProjectID   string    `json:"project_id"`
	ActID       string    `json:"act_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Location    string    `json:"location"`
	TimeOfDay   string    `json:"time_of_day"`
	Position    int       `json:"position"`
	Tags        []string  `json:"tags"`
	Lock        *Lock     `json:"lock,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Camera describes how a shot is framed and moves.
type Camera struct {
	ShotType string `json:"shot_type,omitempty" maxLength:"200"`
	Angle    string `json:"angle,omitempty" maxLength:"200"`
	Movement string `json:"movement,omitempty" maxLength:"200"`
	Lens     string `json:"lens,omitempty" maxLength:"200"`
}

// Review statuses of a shot.
const (
	ReviewPending  = "pending"
	ReviewApproved = "approved"
	ReviewFlagged  = "flagged"
)

// Shot is one generated clip of the film. Engine and Tier are overrides; the
// Effective fields resolve them against the project defaults.
type Shot struct {
	ID              string `json:"id"`
	ProjectID       string `json:"project_id"`
	ActID           string `json:"act_id"`
	SceneID         string `json:"scene_id"`
	Name            string `json:"name"`
	Position        int    `json:"position"`
	DurationMS      int64  `json:"duration_ms"`
	Prompt          string `json:"prompt"`
	NegativePrompt  string `json:"negative_prompt"`
	Seed            *int64 `json:"seed,omitempty"`
	Camera          Camera `json:"camera"`
	Engine          string `json:"engine"`
	Tier            string `json:"tier"`
	EffectiveEngine string `json:"effective_engine"`
	EffectiveTier   string `json:"effective_tier"`
	ReviewStatus    string `json:"review_status"`
	ReviewNote      string `json:"review_note"`
	SelectedTakeID  string `json:"selected_take_id,omitempty"`
	// StartFrame, when set, is the frame the shot's render starts from,
	// for engines that render image-to-video.
	StartFrame *StartFrame `json:"start_frame,omitempty"`
	Tags       []string    `json:"tags"`
	Lock       *Lock       `json:"lock,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

// StartFrame is a frame of a take in the project that a shot's render
// starts from: most often the last frame of the shot before, so one shot
// runs on from another.
type StartFrame struct {
	// TakeID is the take; in a patch, "" takes the start frame away.
	TakeID string `json:"take_id" maxLength:"100"`
	// AtMS is the frame's time in the take; absent is its last frame.
	AtMS *int64 `json:"at_ms,omitempty" minimum:"0" maximum:"3600000"`
}

// Resolve fills the effective engine and tier from the project's defaults.
func (s *Shot) Resolve(p *Project) {
	s.EffectiveEngine = or(s.Engine, p.DefaultEngine)
	s.EffectiveTier = or(s.Tier, p.DefaultTier)
}

// ActInput creates an act; Position 0 appends, otherwise it is the 1-based
// place among its siblings and later siblings move down one.
type ActInput struct {
	Name        string `json:"name" maxLength:"200"`
	Description string `json:"description,omitempty" maxLength:"4000"`
	Position    int    `json:"position,omitempty" minimum:"0"`
}

// ActPatch edits an act; Position moves it among its siblings.
type ActPatch struct {
	Name        *string `json:"name,omitempty" maxLength:"200"`
	Description *string `json:"description,omitempty" maxLength:"4000"`
	Position    *int    `json:"position,omitempty" minimum:"1"`
}

// SceneInput creates a scene in an act.
type SceneInput struct {
	Name        string `json:"name" maxLength:"200"`
	Description string `json:"description,omitempty" maxLength:"4000"`
	Location    string `json:"location,omitempty" maxLength:"200"`
	TimeOfDay   string `json:"time_of_day,omitempty" maxLength:"200"`
	Position    int    `json:"position,omitempty" minimum:"0"`
}

// ScenePatch edits a scene; ActID with Position moves it to another act.
type ScenePatch struct {
	Name        *string `json:"name,omitempty" maxLength:"200"`
	Description *string `json:"description,omitempty" maxLength:"4000"`
	Location    *string `json:"location,omitempty" maxLength:"200"`
	TimeOfDay   *string `json:"time_of_day,omitempty" maxLength:"200"`
	ActID       *string `json:"act_id,omitempty" maxLength:"100"`
	Position    *int    `json:"position,omitempty" minimum:"1"`
}

// ShotInput creates a shot in a scene.
type ShotInput struct {
	Name           string  `json:"name" maxLength:"200"`
	DurationMS     int64   `json:"duration_ms"`
	Prompt         string  `json:"prompt,omitempty"`
	NegativePrompt string  `json:"negative_prompt,omitempty"`
	Seed           *int64  `json:"seed,omitempty"`
	Camera         *Camera `json:"camera,omitempty"`
	Engine         string  `json:"engine,omitempty" maxLength:"40"`
	Tier           string  `json:"tier,omitempty" maxLength:"40"`
	Position       int     `json:"position,omitempty" minimum:"0"`
	// StartFrame starts the render from a frame of a take in the project.
	StartFrame *StartFrame `json:"start_frame,omitempty"`
}

// ShotPatch edits a shot; SceneID and Position move it.
type ShotPatch struct {
	Name           *string `json:"name,omitempty" maxLength:"200"`
	DurationMS     *int64  `json:"duration_ms,omitempty"`
	Prompt         *string `json:"prompt,omitempty"`
	NegativePrompt *string `json:"negative_prompt,omitempty"`
	Seed           *int64  `json:"seed,omitempty"`
	Camera         *Camera `json:"camera,omitempty"`
	Engine         *string `json:"engine,omitempty" maxLength:"40"`
	Tier           *string `json:"tier,omitempty" maxLength:"40"`
	SceneID        *string `json:"scene_id,omitempty" maxLength:"100"`
	Position       *int    `json:"position,omitempty" minimum:"1"`
	// StartFrame sets the frame the render starts from; a take_id of ""
	// takes it away.
	StartFrame *StartFrame `json:"start_frame,omitempty"`
}

// Apply fills a from in and checks it.
func (in ActInput) Apply(a *Act) error {
	a.Name, a.Description = in.Name, in.Description
	return a.Validate()
}

// Apply edits a with the non-nil fields of pt and checks it; moving is the
// caller's business.
func (pt ActPatch) Apply(a *Act) error {
	set(&a.Name, pt.Name)
	set(&a.Description, pt.Description)
	return a.Validate()
}

// Validate checks an act's fields.
func (a *Act) Validate() error {
	if err := ValidateName("name", a.Name); err != nil {
		return err
	}
	return validateText("description", a.Description, MaxTextLen)
}

// Apply fills s from in and checks it.
func (in SceneInput) Apply(s *Scene) error {
	s.Name, s.Description, s.Location, s.TimeOfDay = in.Name, in.Description, in.Location, in.TimeOfDay
	return s.Validate()
}

// Apply edits s with the non-nil fields of pt and checks it.
func (pt ScenePatch) Apply(s *Scene) error {
	set(&s.Name, pt.Name)
	set(&s.Description, pt.Description)
	set(&s.Location, pt.Location)
	set(&s.TimeOfDay, pt.TimeOfDay)
	return s.Validate()
}

// Validate checks a scene's fields.
func (s *Scene) Validate() error {
	if err := ValidateName("name", s.Name); err != nil {
		return err
	}
	if err := validateText("description", s.Description, MaxTextLen); err != nil {
		return err
	}
	if err := validateText("location", s.Location, MaxShortTextLen); err != nil {
		return err
	}
	return validateText("time_of_day", s.TimeOfDay, MaxShortTextLen)
}

// Apply fills s from in and checks it.
func (in ShotInput) Apply(s *Shot) error {
	s.Name, s.DurationMS, s.Prompt, s.NegativePrompt = in.Name, in.DurationMS, in.Prompt, in.NegativePrompt
	s.Seed, s.Engine, s.Tier = in.Seed, in.Engine, in.Tier
	if in.StartFrame != nil && in.StartFrame.TakeID != "" {
		f := *in.StartFrame
		s.StartFrame = &f
	}
	if in.Camera != nil {
		s.Camera = *in.Camera
	}
	s.ReviewStatus = ReviewPending
	return s.Validate()
}

// Apply edits s with the non-nil fields of pt and checks it; moving is the
// caller's business.
func (pt ShotPatch) Apply(s *Shot) error {
	set(&s.Name, pt.Name)
	set(&s.DurationMS, pt.DurationMS)
	set(&s.Prompt, pt.Prompt)
	set(&s.NegativePrompt, pt.NegativePrompt)
	if pt.Seed != nil {
		s.Seed = pt.Seed
	}
	set(&s.Camera, pt.Camera)
	set(&s.Engine, pt.Engine)
	set(&s.Tier, pt.Tier)
	if pt.StartFrame != nil {
		s.StartFrame = nil
		if pt.StartFrame.TakeID != "" {
			f := *pt.StartFrame
			s.StartFrame = &f
		}
	}
	return s.Validate()
}

// Validate checks a shot's fields.
func (s *Shot) Validate() error {
	if err := ValidateName("name", s.Name); err != nil {
		return err
	}
	if s.DurationMS < MinShotDurationMS || s.DurationMS > MaxShotDurationMS {
		return Invalidf("duration_ms", "duration_ms must be between %d and %d (1 s to 60 s), got %d",
			MinShotDurationMS, MaxShotDurationMS, s.DurationMS)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"prompt", s.Prompt, MaxTextLen},
		{"negative_prompt", s.NegativePrompt, MaxTextLen},
		{"camera.shot_type", s.Camera.ShotType, MaxShortTextLen},
		{"camera.angle", s.Camera.Angle, MaxShortTextLen},
		{"camera.movement", s.Camera.Movement, MaxShortTextLen},
		{"camera.lens", s.Camera.Lens, MaxShortTextLen},
	} {
		if err := validateText(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if s.Engine != "" {
		if err := ValidEngineName("engine", s.Engine); err != nil {
			return err
		}
	}
	return optionalOneOf("tier", s.Tier, Tiers)
}

// Review sets a shot's review status.
type Review struct {
	Status string `json:"status" enum:"pending,approved,flagged"`
	Note   string `json:"note,omitempty" maxLength:"4000"`
}

// Validate checks the status and note. Approving also needs a take, which the
// store checks.
func (r Review) Validate() error {
	if err := oneOf("status", r.Status, []string{ReviewPending, ReviewApproved, ReviewFlagged}); err != nil {
		return err
	}
	return validateText("note", r.Note, MaxTextLen)
}

// TreeScene is a scene with its shots, in order.
type TreeScene struct {
	Scene
	Shots []*Shot `json:"shots"`
}

// TreeAct is an act with its scenes, in order.
type TreeAct struct {
	Act
	Scenes []*TreeScene `json:"scenes"`
}

// Tree is a whole project in order.
type Tree struct {
	Project *Project   `json:"project"`
	Acts    []*TreeAct `json:"acts"`
}

// Reorder lists all of a parent's children in their new order.
type Reorder struct {
	IDs []string `json:"ids" maxItems:"10000"`
}

// TreeService creates, edits, moves, tags, locks and reviews the tree.
type TreeService interface {
	CreateAct(ctx context.Context, projectID string, in ActInput) (*Act, error)
	UpdateAct(ctx context.Context, actID string, in ActPatch) (*Act, error)
	DeleteAct(ctx context.Context, actID string) error
	CreateScene(ctx context.Context, actID string, in SceneInput) (*Scene, error)
	UpdateScene(ctx context.Context, sceneID string, in ScenePatch) (*Scene, error)
	DeleteScene(ctx context.Context, sceneID string) error
	CreateShot(ctx context.Context, sceneID string, in ShotInput) (*Shot, error)
	GetShot(ctx context.Context, shotID string) (*Shot, error)
	UpdateShot(ctx context.Context, shotID string, in ShotPatch) (*Shot, error)
	DeleteShot(ctx context.Context, shotID string) error
	// Reorder sets the order of the children of a project (its acts), an act
	// (its scenes) or a scene (its shots). ids must list every child once.
	Reorder(ctx context.Context, parent ElementRef, ids []string) error

	// SetTags replaces the tags of a scene or shot. Allowed on locked elements.
	SetTags(ctx context.Context, el ElementRef, tags []string) ([]string, error)
	Lock(ctx context.Context, el ElementRef, reason string) (*Lock, error)
	Unlock(ctx context.Context, el ElementRef) error
	// SetReview sets a shot's review status; approving needs a take.
	SetReview(ctx context.Context, shotID string, in Review) (*Shot, error)

	// ResolveSelection returns the selected shots in tree order, once each.
	ResolveSelection(ctx context.Context, projectID string, sel Selection) ([]*Shot, error)
	// Bulk applies a tag, untag, lock or unlock action to a selection, all or
	// nothing.
	Bulk(ctx context.Context, projectID string, in Bulk) (*BulkResult, error)
}
