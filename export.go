package slate

import (
	"context"
	"slices"
	"time"
)

// ExportEngine is the engine name export jobs carry in the queue: a worker
// that can cut takes together with ffmpeg serves it, and no render engine
// may take the name.
const ExportEngine = "export"

// Export presets, from the spec. The export package knows what each one
// encodes; the rest of Slate only needs their names.
const (
	PresetProRes422HQ     = "prores-422hq"
	PresetProRes4444      = "prores-4444"
	PresetMP4H264         = "mp4-h264"
	PresetMP4H265         = "mp4-h265"
	PresetWebM            = "webm"
	PresetYouTube         = "youtube"
	PresetTikTok          = "tiktok"
	PresetInstagramSquare = "instagram-square"
	PresetInstagramFeed   = "instagram-feed"
)

// ExportPresets lists every preset, in the order people are shown them.
var ExportPresets = []string{PresetProRes422HQ, PresetProRes4444, PresetMP4H264, PresetMP4H265, PresetWebM,
	PresetYouTube, PresetTikTok, PresetInstagramSquare, PresetInstagramFeed}

// ValidPreset reports whether name is an export preset.
func ValidPreset(name string) bool { return slices.Contains(ExportPresets, name) }

// Reframe is how a take whose shape differs from the export's is fitted to
// it.
type Reframe string

// Reframe choices: crop fills the frame and cuts the overflow at the
// centre; pad fits the whole picture and fills the rest with black.
const (
	ReframeCrop Reframe = "crop"
	ReframePad  Reframe = "pad"
)

// ExportInput asks for an export of a selection of a project's shots.
type ExportInput struct {
	Selection Selection `json:"selection"`
	Preset    string    `json:"preset" maxLength:"40"`
	// Reframe defaults to crop.
	Reframe  Reframe `json:"reframe,omitempty" enum:"crop,pad"`
	Priority *int    `json:"priority,omitempty" minimum:"0" maximum:"100"`
}

// ExportClip is one shot's place in an export: the take that was selected
// when the export was asked for, and how long the shot lasts in the cut.
type ExportClip struct {
	Position   int    `json:"position"`
	ShotID     string `json:"shot_id"`
	ShotName   string `json:"shot_name"`
	TakeID     string `json:"take_id"`
	DurationMS int64  `json:"duration_ms"`
	// Take is the take as recorded, on the spec a worker claims: where its
	// file is, and what ffprobe measured of it when it was made.
	Take *Take `json:"-"`
}

// Export is one delivery file of a cut. It runs as a queue job: its state,
// progress and error are its job's.
type Export struct {
	ID        string `json:"id"`
	OrgID     string `json:"org_id"`
	ProjectID string `json:"project_id"`
	JobID     string `json:"job_id"`
	// Title is the project's title when the export was asked for: the
	// file's title and the EDL's.
	Title      string     `json:"title"`
	Preset     string     `json:"preset"`
	Reframe    Reframe    `json:"reframe"`
	State      JobState   `json:"state"`
	Progress   int        `json:"progress"`
	ETA        *time.Time `json:"eta,omitempty"`
	Error      *JobError  `json:"error,omitempty"`
	FrameRate  int        `json:"frame_rate"`
	DurationMS int64      `json:"duration_ms"`
	Cost       int64      `json:"cost"`
	// What the finished file is, as ffprobe measured it.
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	Size      int64  `json:"size,omitempty"`
	// FileName is the name a download is offered under.
	FileName   string       `json:"file_name"`
	FileKey    string       `json:"-"`
	CreatedBy  string       `json:"created_by"`
	CreatedAt  time.Time    `json:"created_at"`
	FinishedAt *time.Time   `json:"finished_at,omitempty"`
	Clips      []ExportClip `json:"clips"`
}

// ExportSpec is everything a worker needs to make an export's file.
type ExportSpec struct {
	ExportID  string       `json:"export_id"`
	Title     string       `json:"title"`
	Preset    string       `json:"preset"`
	Reframe   Reframe      `json:"reframe"`
	FrameRate int          `json:"frame_rate"`
	Clips     []ExportClip `json:"clips"`
}

// ExportService makes and reads exports.
type ExportService interface {
	// CreateExport queues an export of the selection's shots in tree
	// order, each with its selected take. A shot without one refuses the
	// whole export with a conflict naming every such shot.
	CreateExport(ctx context.Context, projectID string, in ExportInput) (*Export, error)
	Export(ctx context.Context, exportID string) (*Export, error)
	Exports(ctx context.Context, projectID string, page PageRequest) (*Page[*Export], error)
}
