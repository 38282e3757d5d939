package export

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"slate"
)

// maxText bounds the user's text in an EDL or a file's title: EDL readers
// were made for 8-character reels and short clip names.
const maxText = 128

// recordStart is where the cut starts on the record side, by the
// convention of programme timecode: 01:00:00:00.
const recordStart = 3600

// EDL writes spec's cut as a CMX 3600 edit list: one cut event for each
// shot, with its take's frames as the source and the cut's timeline, from
// 01:00:00:00, as the record. Timecodes count at the project's whole frame
// rate, non-drop; a rate outside 1..MaxFrameRate (which NewPlan refuses)
// is written as slate.DefaultFrameRate.
func EDL(spec slate.ExportSpec) string {
	fps := spec.FrameRate
	if fps < 1 || fps > MaxFrameRate {
		fps = slate.DefaultFrameRate
	}
	durations := make([]int64, len(spec.Clips))
	for i, c := range spec.Clips {
		durations[i] = max(c.DurationMS, 0)
	}
	var b strings.Builder
	b.WriteString(strings.TrimSpace("TITLE: "+Clean(spec.Title, maxText)) + "\n")
	b.WriteString("FCM: NON-DROP FRAME\n")
	record := int64(recordStart * fps)
	for i, frames := range Frames(durations, fps) {
		c := spec.Clips[i]
		fmt.Fprintf(&b, "\n%03d  %-8s %-5s %-8s %s %s %s %s\n", i+1, "AX", "AA/V", "C",
			TimecodeOf(0, fps), TimecodeOf(frames, fps), TimecodeOf(record, fps), TimecodeOf(record+frames, fps))
		// An empty name would leave a trailing space, which some readers
		// keep as the name.
		b.WriteString(strings.TrimSpace("* FROM CLIP NAME: "+Clean(c.ShotName, maxText)) + "\n")
		b.WriteString(strings.TrimSpace("* SLATE SHOT: "+Clean(c.ShotID, maxText)+" TAKE: "+Clean(c.TakeID, maxText)) + "\n")
		record += frames
	}
	return b.String()
}

// Clean makes s safe to write on one line of an EDL or in a file's
// metadata: control characters and line breaks become spaces, invalid
// UTF-8 is replaced, the ends are trimmed and the text is cut to at most
// limit runes. A hostile name can then never start a line of its own.
func Clean(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > limit {
		s = strings.TrimSpace(string([]rune(s)[:limit]))
	}
	return s
}

// Timecode is a SMPTE non-drop timecode, HH:MM:SS:FF.
type Timecode struct {
	Hours, Minutes, Seconds, Frames int
}

// TimecodeOf is the timecode of frame n at fps frames a second.
func TimecodeOf(n int64, fps int) Timecode {
	f := int64(fps)
	secs := n / f
	return Timecode{Hours: int(secs / 3600), Minutes: int(secs / 60 % 60), Seconds: int(secs % 60), Frames: int(n % f)}
}

// FrameCount is the frame tc names at fps frames a second.
func (tc Timecode) FrameCount(fps int) int64 {
	return (int64(tc.Hours)*3600+int64(tc.Minutes)*60+int64(tc.Seconds))*int64(fps) + int64(tc.Frames)
}

func (tc Timecode) String() string {
	return fmt.Sprintf("%02d:%02d:%02d:%02d", tc.Hours, tc.Minutes, tc.Seconds, tc.Frames)
}

// parseTimecode reads HH:MM:SS:FF. Frames are not checked against a rate,
// which the EDL does not state.
func parseTimecode(s string) (Timecode, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return Timecode{}, fmt.Errorf("timecode %q is not HH:MM:SS:FF", s)
	}
	var n [4]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || len(p) < 2 || i > 0 && i < 3 && v > 59 {
			return Timecode{}, fmt.Errorf("timecode %q is not HH:MM:SS:FF", s)
		}
		n[i] = v
	}
	return Timecode{Hours: n[0], Minutes: n[1], Seconds: n[2], Frames: n[3]}, nil
}

// EDLDoc is an edit list read back by ParseEDL.
type EDLDoc struct {
	Title string
	FCM   string
	// Events are in the order of the list.
	Events []EDLEvent
}

// EDLEvent is one event line of an edit list and the comments under it.
type EDLEvent struct {
	Number                                   int
	Reel, Track, Transition                  string
	SourceIn, SourceOut, RecordIn, RecordOut Timecode
	// ClipName is the "* FROM CLIP NAME:" comment's; Comments holds the
	// others, without their "* ".
	ClipName string
	Comments []string
}

// Frames is how long the event lasts in the cut at fps.
func (e EDLEvent) Frames(fps int) int64 {
	return e.RecordOut.FrameCount(fps) - e.RecordIn.FrameCount(fps)
}

// ParseEDL reads a CMX 3600 list of cuts, such as EDL writes. A line it
// does not understand, and an event line that is not a cut with four
// timecodes, are errors naming the line; comments before the first event
// are skipped.
func ParseEDL(r io.Reader) (*EDLDoc, error) {
	doc := &EDLDoc{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
		case strings.HasPrefix(line, "TITLE:"):
			doc.Title = strings.TrimSpace(strings.TrimPrefix(line, "TITLE:"))
		case strings.HasPrefix(line, "FCM:"):
			doc.FCM = strings.TrimSpace(strings.TrimPrefix(line, "FCM:"))
		case strings.HasPrefix(trimmed, "*"):
			if len(doc.Events) == 0 {
				continue
			}
			e := &doc.Events[len(doc.Events)-1]
			text := strings.TrimSpace(strings.TrimPrefix(trimmed, "*"))
			if name, ok := strings.CutPrefix(text, "FROM CLIP NAME:"); ok {
				e.ClipName = strings.TrimSpace(name)
			} else {
				e.Comments = append(e.Comments, text)
			}
		case trimmed[0] >= '0' && trimmed[0] <= '9':
			e, err := parseEvent(trimmed)
			if err != nil {
				return nil, fmt.Errorf("edl: line %d: %w", n, err)
			}
			doc.Events = append(doc.Events, e)
		default:
			return nil, fmt.Errorf("edl: line %d: not an EDL line: %q", n, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("edl: %w", err)
	}
	return doc, nil
}

func parseEvent(line string) (EDLEvent, error) {
	f := strings.Fields(line)
	if len(f) != 8 {
		return EDLEvent{}, fmt.Errorf("event %q has %d fields, want 8 (number, reel, track, cut and four timecodes)", line, len(f))
	}
	num, err := strconv.Atoi(f[0])
	if err != nil || num < 1 {
		return EDLEvent{}, fmt.Errorf("event number %q is not a positive number", f[0])
	}
	e := EDLEvent{Number: num, Reel: f[1], Track: f[2], Transition: f[3]}
	if e.Transition != "C" {
		return EDLEvent{}, fmt.Errorf("event %d's transition %q is not a cut", num, e.Transition)
	}
	for i, tc := range []*Timecode{&e.SourceIn, &e.SourceOut, &e.RecordIn, &e.RecordOut} {
		if *tc, err = parseTimecode(f[4+i]); err != nil {
			return EDLEvent{}, fmt.Errorf("event %d: %w", num, err)
		}
	}
	return e, nil
}
