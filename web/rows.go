package web

import (
	"html/template"
	"net/url"
	"strings"

	"slate"
)

// shotRows writes the shot rows of one scene of the tree in Go: one
// template call per scene instead of about fifteen reflective calls per
// shot, which made the project page of a 10,000-shot film cost 1.9 times
// the JSON tree (docs/benchmarks.md). It is the one place the web app
// writes HTML by hand, so it keeps two rules the template would: every
// value goes through HTMLEscapeString, which escapes < > & ' " for text and
// attributes alike, and every attribute value is double-quoted. The hostile
// string tests cover it with the rest of the tree.
func shotRows(shots []*slate.Shot, states map[string]slate.JobState) template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	for _, sh := range shots {
		id := esc(sh.ID)
		b.WriteString("\n<li class=\"shot\" data-shot=\"")
		b.WriteString(id)
		b.WriteString("\"><input type=\"checkbox\" class=\"pick\" value=\"")
		b.WriteString(id)
		b.WriteString("\" aria-label=\"Tick ")
		b.WriteString(esc(sh.Name))
		b.WriteString("\"> <a href=\"?shot=")
		b.WriteString(esc(url.QueryEscape(sh.ID)))
		b.WriteString("\" data-panel=\"shot/")
		b.WriteString(id)
		b.WriteString("\">")
		b.WriteString(esc(sh.Name))
		b.WriteString("</a>")
		if l := sh.Lock; l != nil {
			b.WriteString(" <span class=\"lock\" title=\"Locked by ")
			b.WriteString(esc(l.ByName))
			if l.Reason != "" {
				b.WriteString(": ")
				b.WriteString(esc(l.Reason))
			}
			b.WriteString("\">locked</span>")
		}
		if sh.ReviewStatus != slate.ReviewPending {
			rs := esc(sh.ReviewStatus)
			b.WriteString(" <span class=\"rv " + rs + "\">" + rs + "</span>")
		}
		if st, ok := states[sh.ID]; ok && st != "" {
			s := esc(string(st))
			b.WriteString(" <span class=\"st " + s + "\">" + s + "</span>")
		} else if sh.SelectedTakeID != "" {
			b.WriteString(" <span class=\"st rendered\">rendered</span>")
		}
		for _, t := range sh.Tags {
			b.WriteString(" <span class=\"tag\">")
			b.WriteString(esc(t))
			b.WriteString("</span>")
		}
		b.WriteString("</li>")
	}
	return template.HTML(b.String())
}
