package slate

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Formats, aspect ratios, frame rates, engines and tiers a project may use.
var (
	Formats      = []string{"film", "episode", "short", "social", "commercial"}
	AspectRatios = []string{"16:9", "9:16", "1:1"}
	// FrameRates are whole frames per second; ffmpeg and EDL timecode both
	// stay exact at these rates.
	FrameRates = []int{24, 25, 30, 48, 50, 60}
	// Engines are the engines the default price book names; a deployment
	// offers the ones its engines file configures, under any valid name.
	Engines = []string{"preview", "comfyui", "wan-2.1", "grok-video", "veo-3.1"}
	Tiers   = []string{"draft", "standard", "high", "4k"}
)

// Project defaults when a request leaves them out.
const (
	DefaultFormat      = "film"
	DefaultAspectRatio = "16:9"
	DefaultFrameRate   = 24
	DefaultEngine      = "preview"
	DefaultTier        = "draft"
	MaxTextLen         = 4000
	MaxShortTextLen    = 200
)

// Project is one film, episode, short, social piece or commercial.
type Project struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"org_id"`
	Title         string    `json:"title"`
	Format        string    `json:"format"`
	AspectRatio   string    `json:"aspect_ratio"`
	FrameRate     int       `json:"frame_rate"`
	DefaultEngine string    `json:"default_engine"`
	DefaultTier   string    `json:"default_tier"`
	Restricted    bool      `json:"restricted"`
	Members       []string  `json:"members"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// ProjectInput creates a project; empty fields take the defaults.
type ProjectInput struct {
	Title         string `json:"title" maxLength:"200"`
	Format        string `json:"format,omitempty" maxLength:"40"`
	AspectRatio   string `json:"aspect_ratio,omitempty" maxLength:"10"`
	FrameRate     int    `json:"frame_rate,omitempty" minimum:"0" maximum:"120"`
	DefaultEngine string `json:"default_engine,omitempty" maxLength:"40"`
	DefaultTier   string `json:"default_tier,omitempty" maxLength:"40"`
}

// ProjectPatch edits a project; nil fields stay as they are.
type ProjectPatch struct {
	Title         *string `json:"title,omitempty" maxLength:"200"`
	Format        *string `json:"format,omitempty" maxLength:"40"`
	AspectRatio   *string `json:"aspect_ratio,omitempty" maxLength:"10"`
	FrameRate     *int    `json:"frame_rate,omitempty" minimum:"0" maximum:"120"`
	DefaultEngine *string `json:"default_engine,omitempty" maxLength:"40"`
	DefaultTier   *string `json:"default_tier,omitempty" maxLength:"40"`
}

// ProjectAccess restricts a project to named members, or lifts that.
type ProjectAccess struct {
	Restricted bool     `json:"restricted"`
	Members    []string `json:"members" maxItems:"1000"`
}

// Apply fills defaults and checks in, returning the project it describes.
func (in ProjectInput) Apply(p *Project) error {
	p.Title = in.Title
	p.Format = or(in.Format, DefaultFormat)
	p.AspectRatio = or(in.AspectRatio, DefaultAspectRatio)
	p.FrameRate = in.FrameRate
	if p.FrameRate == 0 {
		p.FrameRate = DefaultFrameRate
	}
	p.DefaultEngine = or(in.DefaultEngine, DefaultEngine)
	p.DefaultTier = or(in.DefaultTier, DefaultTier)
	return p.Validate()
}

// Apply edits p with the non-nil fields of pt and checks the result.
func (pt ProjectPatch) Apply(p *Project) error {
	set(&p.Title, pt.Title)
	set(&p.Format, pt.Format)
	set(&p.AspectRatio, pt.AspectRatio)
	set(&p.FrameRate, pt.FrameRate)
	set(&p.DefaultEngine, pt.DefaultEngine)
	set(&p.DefaultTier, pt.DefaultTier)
	return p.Validate()
}

// Validate checks every field of a project.
func (p *Project) Validate() error {
	if err := ValidateName("title", p.Title); err != nil {
		return err
	}
	if err := oneOf("format", p.Format, Formats); err != nil {
		return err
	}
	if err := oneOf("aspect_ratio", p.AspectRatio, AspectRatios); err != nil {
		return err
	}
	if !slices.Contains(FrameRates, p.FrameRate) {
		return Invalidf("frame_rate", "frame_rate must be one of 24, 25, 30, 48, 50, 60")
	}
	if err := ValidEngineName("default_engine", p.DefaultEngine); err != nil {
		return err
	}
	return oneOf("default_tier", p.DefaultTier, Tiers)
}

func oneOf(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return Invalidf(field, "%s %q is not one of %s", field, v, strings.Join(allowed, ", "))
	}
	return nil
}

// MaxEngineName bounds an engine's name.
const MaxEngineName = 40

// ValidEngineName refuses a name no engines file could give an engine:
// names are 1 to 40 lower-case letters, digits, '-', '_' and '.', starting
// with a letter or digit. Whether this deployment renders with the engine
// is the store's to say, at estimate time.
func ValidEngineName(field, name string) error {
	ok := name != "" && len(name) <= MaxEngineName && name[0] != '-' && name[0] != '.' && name[0] != '_'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
	}
	if !ok {
		return Invalidf(field, "%s %q is not an engine name (1 to %d of a-z, 0-9, '-', '_', '.')", field, name, MaxEngineName)
	}
	return nil
}

// optionalOneOf is oneOf where "" means "inherit".
func optionalOneOf(field, v string, allowed []string) error {
	if v == "" {
		return nil
	}
	return oneOf(field, v, allowed)
}

func validateText(field, v string, max int) error {
	if utf8.RuneCountInString(v) > max {
		return Invalidf(field, "%s must be at most %d characters", field, max)
	}
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return Invalidf(field, "%s must be valid UTF-8 text", field)
	}
	return nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// ProjectService manages projects and reads their tree.
type ProjectService interface {
	CreateProject(ctx context.Context, orgID string, in ProjectInput) (*Project, error)
	// ListProjects pages the org's projects the caller may see, oldest first.
	ListProjects(ctx context.Context, orgID string, page PageRequest) (*Page[*Project], error)
	GetProject(ctx context.Context, projectID string) (*Project, error)
	UpdateProject(ctx context.Context, projectID string, in ProjectPatch) (*Project, error)
	// DeleteProject needs owner and refuses while anything in it is locked.
	DeleteProject(ctx context.Context, projectID string) error
	// SetProjectAccess needs owner.
	SetProjectAccess(ctx context.Context, projectID string, in ProjectAccess) (*Project, error)
	// Tree reads the whole project in order.
	Tree(ctx context.Context, projectID string) (*Tree, error)
}
