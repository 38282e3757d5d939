package veo

import (
	"strings"

	"slate"
	"slate/engine"
)

// operation is google.longrunning.Operation as both backends return it.
// "done" is left out while it runs (proto3 JSON omits false).
type operation struct {
	Name     string     `json:"name"`
	Done     bool       `json:"done"`
	Error    *rpcStatus `json:"error"`
	Response *response  `json:"response"`
}

// response holds either backend's result: the Gemini API wraps its
// samples in generateVideoResponse, Vertex AI lists videos at the top.
type response struct {
	GenerateVideoResponse *filtered `json:"generateVideoResponse"`
	Videos                []struct {
		GCSURI   string `json:"gcsUri"`
		MimeType string `json:"mimeType"`
	} `json:"videos"`
	filtered
}

// filtered is a result's samples and what Google's filters held back.
type filtered struct {
	GeneratedSamples []struct {
		Video struct {
			URI string `json:"uri"`
		} `json:"video"`
	} `json:"generatedSamples"`
	RAIMediaFilteredCount   int      `json:"raiMediaFilteredCount"`
	RAIMediaFilteredReasons []string `json:"raiMediaFilteredReasons"`
}

// result is where a finished operation's video is: an https URI (Gemini
// API) or a gs:// object (Vertex AI), or the job error it ended with.
func (op *operation) result() (string, *engine.Error) {
	if op.Error != nil {
		name := op.Error.Status
		if name == "" {
			name = grpcNames[op.Error.Code]
		}
		return "", failure(name, op.Error.Message)
	}
	if op.Response == nil {
		return "", engine.Errorf(slate.JobErrEngineFailed, true, "Veo finished operation %s with neither a video nor an error", op.Name)
	}
	r := op.Response
	f := r.filtered
	if r.GenerateVideoResponse != nil {
		f = *r.GenerateVideoResponse
	}
	for _, s := range f.GeneratedSamples {
		if s.Video.URI != "" {
			return s.Video.URI, nil
		}
	}
	for _, v := range r.Videos {
		if v.GCSURI != "" {
			return v.GCSURI, nil
		}
	}
	if f.RAIMediaFilteredCount > 0 || len(f.RAIMediaFilteredReasons) > 0 {
		why := strings.Join(f.RAIMediaFilteredReasons, "; ")
		if why == "" {
			why = "no reason given"
		}
		return "", engine.Errorf(slate.JobErrPromptRejected, false, "Google's safety filters held the video back: %s", why)
	}
	return "", engine.Errorf(slate.JobErrEngineFailed, true, "Veo finished operation %s without a video", op.Name)
}
