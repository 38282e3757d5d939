package api

import (
	"context"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"slate"
	"slate/export"
)

// ExportPath names an export.
type ExportPath struct {
	Export string `path:"export" maxLength:"100" doc:"Export id"`
}

// ExportView is an export with where to fetch its file (once it has one)
// and its EDL.
type ExportView struct {
	slate.Export
	FileURL string `json:"file_url,omitempty" doc:"Where to download the file, once the export has succeeded"`
	EDLURL  string `json:"edl_url" doc:"Where to download the CMX 3600 EDL of the cut"`
}

func viewExport(e *slate.Export) *ExportView {
	v := &ExportView{Export: *e, EDLURL: "/api/v1/exports/" + e.ID + "/edl"}
	if v.Clips == nil {
		v.Clips = []slate.ExportClip{}
	}
	if e.State == slate.JobSucceeded && e.FileKey != "" {
		v.FileURL = "/api/v1/exports/" + e.ID + "/file"
	}
	return v
}

// exportsIn pages a project's exports.
type exportsIn struct {
	ProjectPath
	PageQuery
}

func (s *Server) registerExports() {
	tags := []string{"exports"}
	register(s, huma.Operation{
		OperationID: "createExport", Method: http.MethodPost, Path: "/api/v1/projects/{project}/exports", Tags: tags,
		Summary: "Export a cut of the selected shots with a preset",
		Description: "Needs run_ai: an export is a queue job (engine `export`) that workers run, steered with the job " +
			"actions on its job_id. The cut is the selection's shots in tree order, each with the take selected now. " +
			"A shot without a selected take refuses the whole export with 409 listing every such shot in " +
			"missing_takes. Reframe (crop or pad) fits takes of another shape to the preset's. Exports cost nothing " +
			"unless the price book prices them.",
		DefaultStatus: http.StatusCreated,
	}, opts{errs: []int{402, 403, 404, 409}}, func(ctx context.Context, in *struct {
		ProjectPath
		Body slate.ExportInput
	}) (*out[*ExportView], error) {
		e, err := s.Exports.CreateExport(ctx, in.Project, in.Body)
		if err != nil {
			return nil, err
		}
		return reply(viewExport(e)), nil
	})
	register(s, huma.Operation{
		OperationID: "listExports", Method: http.MethodGet, Path: "/api/v1/projects/{project}/exports", Tags: tags,
		Summary:     "A project's exports, newest first, without their cuts",
		Description: "Members with read who may see the project. Pages by cursor.",
	}, errsRead, func(ctx context.Context, in *exportsIn) (*out[*slate.Page[*ExportView]], error) {
		page, err := s.Exports.Exports(ctx, in.Project, in.Page())
		if err != nil {
			return nil, err
		}
		views := &slate.Page[*ExportView]{Items: make([]*ExportView, len(page.Items)), NextCursor: page.NextCursor}
		for i, e := range page.Items {
			views.Items[i] = viewExport(e)
		}
		return reply(views), nil
	})
	register(s, huma.Operation{
		OperationID: "getExport", Method: http.MethodGet, Path: "/api/v1/exports/{export}", Tags: tags,
		Summary:     "An export: its state, progress, cut and file",
		Description: "Members with read who may see the project.",
	}, errsRead, func(ctx context.Context, in *ExportPath) (*out[*ExportView], error) {
		e, err := s.Exports.Export(ctx, in.Export)
		if err != nil {
			return nil, err
		}
		return reply(viewExport(e)), nil
	})
	register(s, huma.Operation{
		OperationID: "getExportFile", Method: http.MethodGet, Path: "/api/v1/exports/{export}/file", Tags: tags,
		Summary:     "Download an export's file",
		Description: "Members with read, once the export has succeeded (409 before). Supports Range requests.",
		Responses:   binaryResponses("video/*", "The file"),
	}, opts{errs: []int{403, 404, 409}}, func(ctx context.Context, in *ExportPath) (*huma.StreamResponse, error) {
		e, err := s.Exports.Export(ctx, in.Export)
		if err != nil {
			return nil, err
		}
		if e.State != slate.JobSucceeded || e.FileKey == "" {
			return nil, slate.Errorf(slate.ECONFLICT, "export %s is %s; its file is ready once it has succeeded", e.ID, e.State)
		}
		return s.serveMedia(e.FileKey, e.MediaType, e.FileName, "export "+e.ID)
	})
	register(s, huma.Operation{
		OperationID: "getExportEDL", Method: http.MethodGet, Path: "/api/v1/exports/{export}/edl", Tags: tags,
		Summary: "Download the CMX 3600 EDL of an export's cut",
		Description: "Members with read. The EDL lists each shot's event with source and record timecodes at the " +
			"project frame rate; it describes the cut the file is made of, so it is ready before the file is.",
		Responses: map[string]*huma.Response{
			"200": {Description: "The EDL", Content: map[string]*huma.MediaType{
				"text/plain": {Schema: &huma.Schema{Type: "string"}}}},
		},
	}, errsRead, func(ctx context.Context, in *ExportPath) (*huma.StreamResponse, error) {
		e, err := s.Exports.Export(ctx, in.Export)
		if err != nil {
			return nil, err
		}
		body := export.EDL(slate.ExportSpec{ExportID: e.ID, Title: e.Title, Preset: e.Preset, Reframe: e.Reframe,
			FrameRate: e.FrameRate, Clips: e.Clips})
		name := e.ID + ".edl"
		if e.FileName != "" {
			name = strings.TrimSuffix(e.FileName, path.Ext(e.FileName)) + ".edl"
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			_, w := humago.Unwrap(hctx)
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Content-Disposition", attachment(name))
			_, _ = io.WriteString(w, body)
		}}, nil
	})
}

// binaryResponses documents a download that supports Range requests. The
// media type alone says the body is a file: OpenAPI 3.1 wants no schema for
// raw bytes, and huma's format "binary" would carry its 3.1-only
// contentMediaType into the 3.0 document.
func binaryResponses(mediaType, what string) map[string]*huma.Response {
	body := map[string]*huma.MediaType{mediaType: {}}
	return map[string]*huma.Response{
		"200": {Description: what, Content: body},
		"206": {Description: "The part of the file the Range header asked for", Content: body},
		"416": {Description: "The Range lies outside the file", Content: map[string]*huma.MediaType{
			"application/problem+json": {Schema: &huma.Schema{Ref: "#/components/schemas/Problem"}}}},
	}
}

// attachment is a Content-Disposition offering a download as name, encoded
// so that any name, quotes and non-ASCII included, stays one header value.
func attachment(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}

// serveMedia streams a stored file with Range support.
func (s *Server) serveMedia(key, mediaType, name, what string) (*huma.StreamResponse, error) {
	if s.Media == nil {
		return nil, slate.Errorf(slate.ENOTFOUND, "this server keeps no media")
	}
	f, err := s.Media.Open(key)
	if err != nil {
		return nil, slate.Errorf(slate.ENOTFOUND, "the file of %s is missing", what)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer f.Close()
		r, w := humago.Unwrap(hctx)
		w.Header().Set("Content-Type", mediaType)
		w.Header().Set("Content-Disposition", attachment(name))
		w.Header().Set("Cache-Control", "private, max-age=3600")
		http.ServeContent(&rangeRefusal{ResponseWriter: w, r: r, size: fi.Size()}, r, "", fi.ModTime(), io.ReadSeeker(f))
	}}, nil
}
