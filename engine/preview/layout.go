package preview

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"unicode"

	"slate"
)

// Card is the words a preview shows, laid out to fit its frame: what the
// engine writes to the text files drawtext reads.
type Card struct {
	Name   string
	Prompt string
	// Info says what the clip is: a preview, its frame and rate.
	Info string
}

// metrics are the sizes a frame's text is set in. Layout wraps with them
// and Args draws with them, so the two agree on what fits.
type metrics struct {
	margin         int
	nameSize       int
	promptSize     int
	timecodeSize   int
	lineSpacing    int
	nameChars      int
	promptChars    int
	promptLines    int
	promptTop      int
	infoTop        int
	timecodeBottom int
}

// glyphWidth is DejaVu Sans's average advance as a fraction of the font
// size, a little generous so wrapped lines stay inside the margin.
const glyphWidth = 0.6

func metricsFor(w, h int) metrics {
	base := min(w, h)
	m := metrics{
		margin:       max(w/20, 4),
		nameSize:     max(base/12, 8),
		promptSize:   max(base/22, 6),
		timecodeSize: max(base/16, 6),
	}
	m.lineSpacing = m.promptSize / 4
	textWidth := float64(w - 2*m.margin)
	m.nameChars = max(int(textWidth/(glyphWidth*float64(m.nameSize))), 4)
	m.promptChars = max(int(textWidth/(glyphWidth*float64(m.promptSize))), 4)
	m.promptTop = m.margin + m.nameSize*3/2
	m.timecodeBottom = h - m.margin - m.timecodeSize
	// The info line sits on its own above the timecode: beside it, it would
	// run into the timecode in a portrait frame.
	m.infoTop = m.timecodeBottom - m.promptSize - m.lineSpacing*2
	room := m.infoTop - m.promptSize - m.promptTop
	m.promptLines = max(room/(m.promptSize+m.lineSpacing), 1)
	return m
}

// Layout sets the shot name on one line and wraps the prompt to the lines
// that fit between it and the timecode; text that does not fit ends in an
// ellipsis. Control characters go, except the prompt's own line breaks.
func Layout(spec slate.RenderSpec) Card {
	m := metricsFor(spec.Width, spec.Height)
	name := strings.Join(strings.Fields(clean(spec.ShotName)), " ")
	if name == "" {
		name = "Untitled shot"
	}
	lines := wrap(clean(spec.Prompt), m.promptChars)
	if len(lines) == 0 {
		lines = []string{"(no prompt)"}
	}
	if len(lines) > m.promptLines {
		lines = lines[:m.promptLines]
		lines[len(lines)-1] = ellipsis(lines[len(lines)-1]+" …", m.promptChars)
	}
	return Card{
		Name:   ellipsis(name, m.nameChars),
		Prompt: strings.Join(lines, "\n"),
		Info:   fmt.Sprintf("PREVIEW  %d×%d  %d fps", spec.Width, spec.Height, spec.FrameRate),
	}
}

// clean makes text safe to draw: valid UTF-8, Unix line breaks, tabs as
// spaces, and no other control characters, which fonts draw as boxes.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ").Replace(s)
	return strings.Map(func(r rune) rune {
		if r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return -1
		}
		return r
	}, s)
}

// wrap breaks each paragraph of s into lines at most width columns wide,
// at spaces where it can and inside words where it must.
func wrap(s string, width int) []string {
	var lines []string
	for para := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		var line strings.Builder
		col := 0
		flush := func() {
			lines = append(lines, line.String())
			line.Reset()
			col = 0
		}
		for _, word := range strings.Fields(para) {
			w := columns(word)
			if col > 0 && col+1+w > width {
				flush()
			}
			if col > 0 {
				line.WriteByte(' ')
				col++
			}
			for w > width-col { // a word longer than a line is cut
				head := cut(word, width-col)
				line.WriteString(head)
				flush()
				word = word[len(head):]
				w = columns(word)
			}
			line.WriteString(word)
			col += w
		}
		if col > 0 || len(strings.Fields(para)) == 0 {
			flush()
		}
	}
	// Runs of blank lines take room the words need: keep one at most, and
	// none at the end.
	lines = slices.CompactFunc(lines, func(a, b string) bool { return a == "" && b == "" })
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// ellipsis shortens s to width columns, ending in "…" when it had to cut.
func ellipsis(s string, width int) string {
	if columns(s) <= width {
		return s
	}
	return strings.TrimRight(cut(s, width-1), " ") + "…"
}

// cut returns the longest prefix of s at most width columns wide, and at
// least one rune, so wrapping always moves on.
func cut(s string, width int) string {
	col := 0
	for i, r := range s {
		col += runeColumns(r)
		if col > width && i > 0 {
			return s[:i]
		}
	}
	return s
}

func columns(s string) int {
	n := 0
	for _, r := range s {
		n += runeColumns(r)
	}
	return n
}

// runeColumns is how many average glyph widths r takes: none for combining
// marks, two for East Asian wide characters and emoji.
func runeColumns(r rune) int {
	switch {
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200d':
		return 0
	case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0xa4cf, r >= 0xac00 && r <= 0xd7a3,
		r >= 0xf900 && r <= 0xfaff, r >= 0xfe30 && r <= 0xfe4f, r >= 0xff00 && r <= 0xff60,
		r >= 0xffe0 && r <= 0xffe6, r >= 0x1f300 && r <= 0x1faff, r >= 0x20000 && r <= 0x3fffd:
		return 2
	}
	return 1
}

// background picks a dark, muted colour from the shot id, so neighbouring
// shots look different in a cut while white text stays readable on all of
// them. It returns ffmpeg's 0xRRGGBB form.
func background(shotID string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(shotID))
	sum := h.Sum32()
	hue := float64(sum%360) / 60
	const s, v = 0.45, 0.32
	c := v * s
	x := c * (1 - abs(mod2(hue)-1))
	var r, g, b float64
	switch int(hue) {
	case 0:
		r, g = c, x
	case 1:
		r, g = x, c
	case 2:
		g, b = c, x
	case 3:
		g, b = x, c
	case 4:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := v - c
	level := func(f float64) int { return int((f+m)*255 + 0.5) }
	return fmt.Sprintf("0x%02x%02x%02x", level(r), level(g), level(b))
}

func mod2(f float64) float64 { return f - 2*float64(int(f/2)) }

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
