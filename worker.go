package slate

import (
	"context"
	"time"
)

// RenderSpec is everything an engine needs to render one shot: the shot's
// words and camera, and the frame the job's tier and the project's aspect
// ratio and frame rate make.
type RenderSpec struct {
	JobID          string `json:"job_id"`
	ShotID         string `json:"shot_id"`
	ShotName       string `json:"shot_name"`
	Prompt         string `json:"prompt"`
	NegativePrompt string `json:"negative_prompt"`
	Seed           int64  `json:"seed"`
	Camera         Camera `json:"camera"`
	Engine         string `json:"engine"`
	Tier           string `json:"tier"`
	DurationMS     int64  `json:"duration_ms"`
	Width          int    `json:"width"`
	Height         int    `json:"height"`
	FrameRate      int    `json:"frame_rate"`
	// AspectRatio is the project's, such as "16:9"; hosted models take it
	// rather than a frame size.
	AspectRatio string `json:"aspect_ratio"`
	// StartFrame is the frame of a take the render starts from, when the
	// shot has one; the worker extracts it into StartImage, a PNG file
	// the engine sends to its model.
	StartFrame *FrameRef `json:"start_frame,omitempty"`
	StartImage string    `json:"-"`
}

// FrameRef is one frame of a stored file: at AtMS, or its last frame.
type FrameRef struct {
	MediaKey string `json:"-"`
	TakeID   string `json:"take_id"`
	AtMS     int64  `json:"at_ms"`
	Last     bool   `json:"last,omitempty"`
}

// ClaimRequest asks for the next job a worker may run.
type ClaimRequest struct {
	WorkerID string
	// Engines are the engines the worker serves; it is handed no other.
	Engines []string
	// Lease is how long the job is the worker's without a heartbeat.
	Lease time.Duration
}

// ProviderRequest is a hosted provider's receipt for a request it
// accepted: its id, and whatever else the engine needs to find it again
// (opaque outside the engine).
type ProviderRequest struct {
	ID   string `json:"id"`
	Data string `json:"data,omitempty"`
}

// Claim is a job handed to a worker, leased until LeaseUntil.
type Claim struct {
	Job  *Job
	Spec RenderSpec
	// Request is set when a worker before this one had the job's render
	// accepted by its provider: this worker resumes it.
	Request *ProviderRequest
	// Export is set, instead of Spec, when the job makes an export.
	Export     *ExportSpec
	LeaseUntil time.Time
}

// RenderResult is what a worker made of a job: the media it stored and
// what ffprobe, or the engine, says of it.
type RenderResult struct {
	MediaKey   string
	MediaType  string
	Size       int64
	Width      int
	Height     int
	FrameRate  int
	DurationMS int64
	Streams    Streams
	Provider   TakeProvider
}

// Streams is what ffprobe measured of a file's streams beyond its frame.
// A take keeps it, so an export can tell whether takes join without
// re-encoding without probing them again.
type Streams struct {
	VideoCodec    string `json:"video_codec,omitempty"`
	PixFmt        string `json:"pix_fmt,omitempty"`
	VideoProfile  string `json:"video_profile,omitempty"`
	AudioCodec    string `json:"audio_codec,omitempty"`
	AudioRate     int    `json:"audio_sample_rate,omitempty"`
	AudioChannels int    `json:"audio_channels,omitempty"`
}

// Beat is a worker's heartbeat for a running job: the progress the engine
// reports and when it expects to finish.
type Beat struct {
	WorkerID string
	Progress int
	ETA      *time.Time
	Lease    time.Duration
}

// WorkerService is the render queue as workers use it. Workers are not
// members: they act for the queue, and every call names the worker, whose
// lease must still be the job's.
type WorkerService interface {
	// Claim leases the next job, or returns nil when there is none the
	// worker may take now.
	Claim(ctx context.Context, req ClaimRequest) (*Claim, error)
	// Heartbeat extends the lease and records progress. It answers the
	// job's state: cancel_requested tells the worker to stop. A lease that
	// is no longer the worker's is a conflict.
	Heartbeat(ctx context.Context, jobID string, b Beat) (JobState, error)
	// Submitted records that the job's provider accepted its request,
	// before the worker waits for the result, so whoever holds the job
	// next resumes the request instead of paying for another.
	Submitted(ctx context.Context, jobID, workerID string, r ProviderRequest) error
	// Finish stores the take, charges the job and selects the take.
	Finish(ctx context.Context, jobID, workerID string, r RenderResult) (*Job, error)
	// Fail ends a job the engine could not render and releases its hold;
	// a job whose cancel was requested ends canceled instead.
	Fail(ctx context.Context, jobID, workerID string, e JobError) (*Job, error)
	// Stopped ends a job the worker stopped because its cancel was
	// requested: the hold is released, or partly charged when the engine
	// bills partial work.
	Stopped(ctx context.Context, jobID, workerID string) (*Job, error)
	// ReapLeases requeues jobs whose lease lapsed, or fails them after
	// MaxAttempts, and returns how many it moved.
	ReapLeases(ctx context.Context) (int, error)
}
