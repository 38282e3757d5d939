package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"strings"
	"testing"

	"slate"
	"slate/api"
	"slate/export"
)

// export posts an export as who and returns it.
func (h *harness) export(who *person, projectID string, in slate.ExportInput) *api.ExportView {
	h.t.Helper()
	var e api.ExportView
	h.must(call{method: "POST", path: path("/api/v1/projects/%s/exports", projectID), token: who.Token, body: in}, 201, &e)
	return &e
}

// finishExport does a worker's part for an export: it claims the export's
// job, stores data as its file and finishes it. Export jobs run on the
// export engine, which nothing else claims; takeMu keeps two of these from
// taking each other's jobs, and the priority puts this one first.
func (h *harness) finishExport(who *person, projectID string, in slate.ExportInput, data []byte) *api.ExportView {
	h.t.Helper()
	takeMu.Lock()
	defer takeMu.Unlock()
	top := slate.MaxPriority
	in.Priority = &top
	e := h.export(who, projectID, in)
	ctx := context.Background()
	worker := fmt.Sprintf("api-cutter-%d", seq.Add(1))
	c := h.claim(worker, slate.ExportEngine)
	if c == nil || c.Export == nil || c.Export.ExportID != e.ID {
		h.t.Fatalf("claimed %+v, want export %s", c, e.ID)
	}
	key := h.putMedia("exports", data)
	if _, err := h.env.DB.Finish(ctx, c.Job.ID, worker, slate.RenderResult{MediaKey: key, MediaType: "video/mp4",
		Size: int64(len(data)), Width: 1080, Height: 1920, FrameRate: 24}); err != nil {
		h.t.Fatal(err)
	}
	var done api.ExportView
	h.must(call{method: "GET", path: "/api/v1/exports/" + e.ID, token: who.Token}, 200, &done)
	return &done
}

// TestExportAPI: an export is refused while a shot has no take, naming it;
// then it is queued with its EDL ready at once, its file only once it has
// succeeded, offered under a safe name whatever the title.
func TestExportAPI(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, h *harness) {
		owner := h.signup("owner")
		org := h.createOrg(owner)
		var p slate.Project
		hostile := `Fin "de" l'été; <script>alert(1)</script>/../x`
		h.must(call{method: "POST", path: "/api/v1/orgs/" + org.ID + "/projects", token: owner.Token,
			body: slate.ProjectInput{Title: hostile}}, 201, &p)
		ids := h.buildTree(owner, p.ID)
		second := h.addShot(owner, ids.Scene, 1_500)
		h.take(owner, ids, []byte("first take"))
		all := slate.Selection{All: true}

		before, jobs := h.queueState(owner, org.ID)
		pr := h.do(call{method: "POST", path: path("/api/v1/projects/%s/exports", p.ID), token: owner.Token,
			body: slate.ExportInput{Selection: all, Preset: slate.PresetMP4H264}}).problem(t, 409, "conflict")
		if len(pr.MissingTakes) != 1 || pr.MissingTakes[0].ID != second.ID || pr.MissingTakes[0].Name != "Long" {
			t.Fatalf("missing takes = %+v", pr.MissingTakes)
		}
		if after, jobsAfter := h.queueState(owner, org.ID); after != before || len(jobsAfter) != len(jobs) {
			t.Fatalf("a refused export changed the queue: %d → %d jobs", len(jobs), len(jobsAfter))
		}

		h.take(owner, treeIDs{Project: p.ID, Shot: second.ID}, []byte("second take"))
		e := h.export(owner, p.ID, slate.ExportInput{Selection: all, Preset: slate.PresetTikTok, Reframe: slate.ReframePad})
		if e.State != slate.JobQueued || e.FileURL != "" || e.EDLURL != "/api/v1/exports/"+e.ID+"/edl" || len(e.Clips) != 2 {
			t.Fatalf("export = %+v", e)
		}
		h.do(call{method: "GET", path: "/api/v1/exports/" + e.ID + "/file", token: owner.Token}).problem(t, 409, "conflict")

		r := h.do(call{method: "GET", path: e.EDLURL, token: owner.Token})
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("EDL: %d %s", r.Status, r.Header)
		}
		doc, err := export.ParseEDL(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatalf("parse EDL: %v\n%s", err, r.Body)
		}
		if len(doc.Events) != 2 || doc.Events[1].ClipName != "Long" || doc.Events[1].RecordOut.FrameCount(24) != 24*60*60+(4_000+1_500)*24/1000 {
			t.Fatalf("EDL events = %+v", doc.Events)
		}

		data := bytes.Repeat([]byte("frame"), 1000)
		done := h.finishExport(owner, p.ID, slate.ExportInput{Selection: all, Preset: slate.PresetMP4H264}, data)
		if done.State != slate.JobSucceeded || done.FileURL != "/api/v1/exports/"+done.ID+"/file" || done.Size != int64(len(data)) {
			t.Fatalf("finished export = %+v", done)
		}
		r = h.do(call{method: "GET", path: done.FileURL, token: owner.Token})
		if r.Status != 200 || !bytes.Equal(r.Body, data) || r.Header.Get("Content-Type") != "video/mp4" {
			t.Fatalf("file: %d %s", r.Status, r.Header)
		}
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition"))
		name := params["filename"]
		if err != nil || name != done.FileName || strings.ContainsAny(name, `"/<>;'`) || !strings.HasSuffix(name, " - mp4-h264.mp4") {
			t.Fatalf("Content-Disposition %q (%v): file name %q", r.Header.Get("Content-Disposition"), err, name)
		}
		r = h.do(call{method: "GET", path: done.FileURL, token: owner.Token, header: map[string]string{"Range": "bytes=5-9"}})
		if r.Status != 206 || string(r.Body) != "frame" {
			t.Fatalf("range: %d %q", r.Status, r.Body)
		}

		var page slate.Page[*api.ExportView]
		h.must(call{method: "GET", path: path("/api/v1/projects/%s/exports?limit=1", p.ID), token: owner.Token}, 200, &page)
		if len(page.Items) != 1 || page.Items[0].ID != done.ID || page.NextCursor == "" {
			t.Fatalf("exports page = %+v", page)
		}
		h.must(call{method: "GET", path: path("/api/v1/projects/%s/exports?cursor=%s", p.ID, page.NextCursor), token: owner.Token}, 200, &page)
		if len(page.Items) != 1 || page.Items[0].ID != e.ID {
			t.Fatalf("second page = %+v", page)
		}
	})
}
