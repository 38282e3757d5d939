package api

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/danielgtaylor/huma/v2"

	"slate"
)

// TakePath names a take.
type TakePath struct {
	Take string `path:"take" maxLength:"100" doc:"Take id"`
}

// MediaStore opens stored media by key.
type MediaStore interface {
	Open(key string) (*os.File, error)
}

func (s *Server) registerTakes() {
	tags := []string{"takes"}
	register(s, huma.Operation{
		OperationID: "listTakes", Method: http.MethodGet, Path: "/api/v1/shots/{shot}/takes", Tags: tags,
		Summary:     "A shot's takes, newest first",
		Description: "Members with read who may see the shot's project.",
	}, errsRead, func(ctx context.Context, in *struct {
		ShotPath
		PageQuery
	}) (*out[*slate.Page[*slate.Take]], error) {
		return replyOr(s.Takes.Takes(ctx, in.Shot, in.Page()))
	})
	register(s, huma.Operation{
		OperationID: "selectTake", Method: http.MethodPost, Path: "/api/v1/takes/{take}/select", Tags: tags,
		Summary:     "Make a take its shot's selected take",
		Description: "Needs modify. Allowed on locked shots. Selecting another take resets review to pending.",
	}, errsWrite, func(ctx context.Context, in *TakePath) (*out[*slate.Shot], error) {
		return replyOr(s.Takes.SelectTake(ctx, in.Take))
	})
	register(s, huma.Operation{
		OperationID: "getTakeMedia", Method: http.MethodGet, Path: "/api/v1/takes/{take}/media", Tags: tags,
		Summary:     "Download a take's video",
		Description: "Members with read. Supports Range requests, so players can seek.",
		Responses:   binaryResponses("video/mp4", "The video"),
	}, errsRead, func(ctx context.Context, in *TakePath) (*huma.StreamResponse, error) {
		t, err := s.Takes.Take(ctx, in.Take)
		if err != nil {
			return nil, err
		}
		return s.serveMedia(t.MediaKey, t.MediaType, t.ID+".mp4", "take "+t.ID)
	})
}

// rangeRefusal turns http.ServeContent's plain-text refusal of a Range
// outside the file into a problem, like every other error of the API.
type rangeRefusal struct {
	http.ResponseWriter
	r        *http.Request
	size     int64
	replaced bool
}

func (w *rangeRefusal) WriteHeader(status int) {
	if status != http.StatusRequestedRangeNotSatisfiable {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.replaced = true
	w.Header().Del("X-Content-Type-Options")
	writeProblem(w.ResponseWriter, w.r, newProblem(status, slate.EINVALID,
		fmt.Sprintf("range %q is not within the file's %d bytes", w.r.Header.Get("Range"), w.size)))
}

func (w *rangeRefusal) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // ServeContent's plain-text message
	}
	return w.ResponseWriter.Write(b)
}
