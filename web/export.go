package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"slate"
)

// presetLabels say what each export preset is for, as the spec describes
// them; a preset without one shows its name.
var presetLabels = map[string]string{
	slate.PresetProRes422HQ:     "ProRes 422 HQ (.mov) — post-production, DCP submission",
	slate.PresetProRes4444:      "ProRes 4444 (.mov) — master",
	slate.PresetMP4H264:         "MP4 H.264 — streaming",
	slate.PresetMP4H265:         "MP4 H.265",
	slate.PresetWebM:            "WebM",
	slate.PresetYouTube:         "YouTube — 16:9, 1920×1080",
	slate.PresetTikTok:          "TikTok — 9:16, 1080×1920",
	slate.PresetInstagramSquare: "Instagram square — 1:1, 1080×1080",
	slate.PresetInstagramFeed:   "Instagram feed — 4:5, 1080×1350",
}

// defaultPreset is preselected: the file most people send on.
const defaultPreset = slate.PresetMP4H264

const (
	// maxExportsShown bounds the exports list, which refreshes on every
	// progress event; perProjectExports bounds each project's share when
	// the list covers the whole organisation.
	maxExportsShown   = 50
	perProjectExports = 20
)

// ExportForm asks for an export of one project.
type ExportForm struct {
	Project  *slate.Project
	Acts     []*slate.TreeAct
	Tags     []string
	Shots    int
	Presets  []Choice
	Reframes []Choice
}

// ExportsView lists recent exports, of one project or of all.
type ExportsView struct {
	ProjectID, ProjectTitle string
	Src                     string
	Items                   []*ExportRow
	// More says older exports exist beyond the list.
	More bool
}

// ExportRow is one export with its downloads and job controls.
type ExportRow struct {
	*slate.Export
	// Name tells exports apart in accessible names.
	Name       string
	StateLabel string
	Creator    string
	Size       string
	Actions    []ActionButton
	// File says the file can be downloaded.
	File bool
}

func presetChoices() []Choice {
	out := make([]Choice, 0, len(slate.ExportPresets))
	for _, p := range slate.ExportPresets {
		label := presetLabels[p]
		if label == "" {
			label = p
		}
		out = append(out, Choice{Value: p, Label: label, Selected: p == defaultPreset})
	}
	return out
}

func reframeChoices() []Choice {
	return []Choice{
		{Value: string(slate.ReframeCrop), Label: "Crop to the centre (fills the frame)", Selected: true},
		{Value: string(slate.ReframePad), Label: "Pad with black (keeps the whole picture)"},
	}
}

// exportForm is the export form of a project, with its acts, scenes and
// tags to choose from.
func (s *Server) exportForm(ctx context.Context, projectID string) (*ExportForm, error) {
	t, err := s.Projects.Tree(ctx, projectID)
	if err != nil {
		return nil, err
	}
	f := &ExportForm{Project: t.Project, Acts: t.Acts, Tags: tagsOf(t), Presets: presetChoices(), Reframes: reframeChoices()}
	for _, a := range t.Acts {
		for _, sc := range a.Scenes {
			f.Shots += len(sc.Shots)
		}
	}
	return f, nil
}

// exportsFragment renders the exports list alone, for live refreshes.
func (s *Server) exportsFragment(ctx context.Context, r *http.Request) (string, any, error) {
	orgID := r.PathValue("org")
	can, names, err := s.canAndNames(ctx, orgID)
	if err != nil {
		return "", nil, err
	}
	projectID := r.URL.Query().Get("project")
	if _, ok := names.project[projectID]; projectID != "" && !ok {
		return "", nil, slate.Errorf(slate.ENOTFOUND, "project %s not found in this organisation", projectID)
	}
	v, err := s.exportsView(ctx, orgID, projectID, can, names)
	if err != nil {
		return "", nil, err
	}
	return "exports-panel", v, nil
}

// exportsView lists the exports of projectID, or the newest of every
// project of the organisation when it is "".
func (s *Server) exportsView(ctx context.Context, orgID, projectID string, can Can, names *orgNames) (*ExportsView, error) {
	v := &ExportsView{ProjectID: projectID, Src: "/panel/exports/" + url.PathEscape(orgID)}
	var exports []*slate.Export
	if projectID != "" {
		v.ProjectTitle = names.projectTitle(projectID)
		v.Src += "?project=" + url.QueryEscape(projectID)
		page, err := s.Exports.Exports(ctx, projectID, slate.PageRequest{Limit: maxExportsShown})
		if err != nil {
			return nil, err
		}
		exports, v.More = page.Items, page.NextCursor != ""
	} else {
		for _, p := range names.projects {
			page, err := s.Exports.Exports(ctx, p.ID, slate.PageRequest{Limit: perProjectExports})
			if err != nil {
				return nil, err
			}
			exports = append(exports, page.Items...)
			v.More = v.More || page.NextCursor != ""
		}
		slices.SortFunc(exports, func(a, b *slate.Export) int {
			return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
		})
		if len(exports) > maxExportsShown {
			exports, v.More = exports[:maxExportsShown], true
		}
	}
	for _, e := range exports {
		v.Items = append(v.Items, exportRow(e, can, names))
	}
	return v, nil
}

func exportRow(e *slate.Export, can Can, names *orgNames) *ExportRow {
	r := &ExportRow{Export: e, Name: "export of " + e.Title + " as " + e.Preset + " at " + formatTime(e.CreatedAt),
		StateLabel: stateLabel(e.State), Creator: names.who(e.CreatedBy), File: e.State == slate.JobSucceeded,
		// An export records no partial charge, so its retry is the state
		// machine's alone; the API refuses one that was charged anyway.
		Actions: buttons(jobActions(e.State, 0, can))}
	if e.Size > 0 {
		r.Size = formatBytes(e.Size)
	}
	return r
}

// formatBytes is a file size in the units people read (1 kB = 1000 B, as
// file browsers on most systems now show).
func formatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTP"[exp])
}

// Choice is an option of a select.
type Choice struct {
	Value, Label string
	Selected     bool
}
