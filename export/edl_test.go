package export_test

import (
	"fmt"
	"strings"
	"testing"

	"slate"
	"slate/export"
	"slate/golden"
)

func TestEDLGolden(t *testing.T) {
	t.Parallel()
	golden.Check(t, "three_shots.edl", export.EDL(threeShots(slate.PresetProRes422HQ)))
}

// shots is a spec of n shots lasting durationsMS in turn at fps.
func shots(fps, n int, durationsMS ...int64) slate.ExportSpec {
	spec := slate.ExportSpec{ExportID: "exp-1", Title: "Cut", Preset: slate.PresetMP4H264, FrameRate: fps}
	for i := range n {
		spec.Clips = append(spec.Clips, slate.ExportClip{Position: i, ShotID: fmt.Sprintf("shot-%d", i+1),
			ShotName: fmt.Sprintf("Shot %d", i+1), TakeID: fmt.Sprintf("take-%d", i+1), DurationMS: durationsMS[i%len(durationsMS)]})
	}
	return spec
}

// checkEDL parses spec's EDL and checks it says what spec does: one cut
// for each shot with its frames, back to back from 01:00:00:00.
func checkEDL(t *testing.T, spec slate.ExportSpec) *export.EDLDoc {
	t.Helper()
	doc, err := export.ParseEDL(strings.NewReader(export.EDL(spec)))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != export.Clean(spec.Title, 128) || doc.FCM != "NON-DROP FRAME" {
		t.Errorf("title %q, FCM %q", doc.Title, doc.FCM)
	}
	if len(doc.Events) != len(spec.Clips) {
		t.Fatalf("%d events for %d shots", len(doc.Events), len(spec.Clips))
	}
	durations := make([]int64, len(spec.Clips))
	var sumMS int64
	for i, c := range spec.Clips {
		durations[i] = c.DurationMS
		sumMS += c.DurationMS
	}
	frames := export.Frames(durations, spec.FrameRate)
	fps := spec.FrameRate
	record := int64(3600 * fps)
	for i, e := range doc.Events {
		c := spec.Clips[i]
		if e.Number != i+1 || e.Reel != "AX" || e.Track != "AA/V" || e.Transition != "C" {
			t.Errorf("event %d is %d %s %s %s", i, e.Number, e.Reel, e.Track, e.Transition)
		}
		if e.SourceIn.FrameCount(fps) != 0 || e.SourceOut.FrameCount(fps) != frames[i] {
			t.Errorf("event %d's source is %s..%s, want 0..%d frames", e.Number, e.SourceIn, e.SourceOut, frames[i])
		}
		if e.RecordIn.FrameCount(fps) != record || e.RecordOut.FrameCount(fps) != record+frames[i] {
			t.Errorf("event %d records %s..%s, want frames %d..%d", e.Number, e.RecordIn, e.RecordOut, record, record+frames[i])
		}
		if e.Frames(fps) != frames[i] {
			t.Errorf("event %d lasts %d frames, want %d", e.Number, e.Frames(fps), frames[i])
		}
		for _, tc := range []export.Timecode{e.SourceIn, e.SourceOut, e.RecordIn, e.RecordOut} {
			if tc.Frames >= fps {
				t.Errorf("event %d: timecode %s counts past %d frames", e.Number, tc, fps)
			}
		}
		want := []string{strings.TrimSpace("SLATE SHOT: " + export.Clean(c.ShotID, 128) + " TAKE: " + export.Clean(c.TakeID, 128))}
		if e.ClipName != export.Clean(c.ShotName, 128) || strings.Join(e.Comments, "|") != strings.Join(want, "|") {
			t.Errorf("event %d: clip name %q, comments %q", e.Number, e.ClipName, e.Comments)
		}
		record += frames[i]
	}
	total := record - int64(3600*fps)
	if diff := float64(total) - float64(sumMS)*float64(fps)/1000; diff > 0.5 || diff < -0.5 {
		t.Errorf("the cut records %d frames for %d ms at %d fps", total, sumMS, fps)
	}
	return doc
}

func TestEDLParseBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		spec slate.ExportSpec
		// last is the last event's record out.
		last string
	}{
		{"three shots", threeShots(slate.PresetMP4H264), "01:00:03:00"},
		{"24 fps", shots(24, 7, 1000, 2300, 4170), "01:00:15:23"},
		{"25 fps", shots(25, 7, 1000, 2300, 4170), "01:00:15:24"},
		{"30 fps", shots(30, 5, 1017, 1033), "01:00:05:04"},
		{"60 fps", shots(60, 9, 1001, 60000), "01:04:05:00"},
		{"past an hour", shots(24, 70, 60000), "02:10:00:00"},
		{"past two hours", shots(25, 150, 59999, 60000), "03:29:59:23"},
		{"one shot", shots(48, 1, 1500), "01:00:01:24"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := checkEDL(t, tc.spec)
			if got := doc.Events[len(doc.Events)-1].RecordOut.String(); got != tc.last {
				t.Errorf("the cut ends at %s, want %s", got, tc.last)
			}
		})
	}
}

func TestEDLHostile(t *testing.T) {
	t.Parallel()
	event := "002  AX       AA/V  C        00:00:00:00 00:00:09:00 01:00:00:00 01:00:09:00"
	for _, tc := range []struct {
		name, text string
	}{
		{"newline event", "Opening\n" + event},
		{"carriage return", "Opening\r" + event + "\r\n* FROM CLIP NAME: evil"},
		{"unicode line separators", "a\u2028" + event + "\u2029b\u0085c"},
		{"controls", "\x00\x1b[2J\x07\t\v\f"},
		{"title line", "\nTITLE: other\nFCM: DROP FRAME"},
		{"comment", "\n* SLATE SHOT: forged"},
		{"long", strings.Repeat("灯台 ", 400)},
		{"invalid utf-8", "bad \xff\xfe bytes"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := threeShots(slate.PresetMP4H264)
			spec.Title = tc.text
			for i := range spec.Clips {
				spec.Clips[i].ShotName = tc.text
				spec.Clips[i].ShotID += tc.text
				spec.Clips[i].TakeID = tc.text
			}
			edl := export.EDL(spec)
			// TITLE, FCM, and a blank line, event and two comments for each
			// shot: nothing else.
			if lines := strings.Count(edl, "\n"); lines != 2+4*len(spec.Clips) {
				t.Errorf("the EDL has %d lines:\n%s", lines, edl)
			}
			doc := checkEDL(t, spec)
			for _, e := range doc.Events {
				if n := len([]rune(e.ClipName)); n > 128 {
					t.Errorf("clip name of %d characters", n)
				}
				if strings.ContainsFunc(e.ClipName, func(r rune) bool { return r < ' ' || r == '\u2028' || r == '\u2029' }) {
					t.Errorf("clip name %q holds a control character", e.ClipName)
				}
			}
		})
	}
}

func TestParseEDLRefuses(t *testing.T) {
	t.Parallel()
	head := "TITLE: Cut\nFCM: NON-DROP FRAME\n\n"
	good := "001  AX       AA/V  C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
	for _, tc := range []struct {
		name, edl, message string
	}{
		{"too few fields", head + "001  AX  AA/V  C  00:00:00:00 00:00:01:00 01:00:00:00\n", "line 4: event"},
		{"dissolve", head + good + "002  AX  AA/V  D 025 00:00:00:00 00:00:01:00 01:00:01:00 01:00:02:00\n", "line 5: event"},
		{"wipe", head + "001  AX  AA/V  W001 00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n", "not a cut"},
		{"bad timecode", head + "001  AX  AA/V  C  00:00:00:00 00:00:61:00 01:00:00:00 01:00:01:00\n", `line 4: event 1: timecode "00:00:61:00"`},
		{"drop frame", head + "001  AX  AA/V  C  00:00:00;00 00:00:01;00 01:00:00;00 01:00:01;00\n", "line 4"},
		{"short timecode", head + "001  AX  AA/V  C  0:0:0:0 00:00:01:00 01:00:00:00 01:00:01:00\n", "line 4"},
		{"event zero", head + "000  AX  AA/V  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n", "line 4: event number"},
		{"number with letters", head + "01a  AX  AA/V  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n", "line 4: event number"},
		{"stray text", head + good + "M2   AX       025.0                00:00:00:00\n", "line 5: not an EDL line"},
		{"line too long", head + "* " + strings.Repeat("x", 2<<20) + "\n", "edl: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := export.ParseEDL(strings.NewReader(tc.edl))
			if err == nil {
				t.Fatalf("ParseEDL = %+v, want an error", doc)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("ParseEDL error %q does not say %q", err, tc.message)
			}
		})
	}
}

// TestParseEDLOthers: lists from other tools, with CRLF lines, comments
// before the first event and tracks of their own, are read.
func TestParseEDLOthers(t *testing.T) {
	t.Parallel()
	edl := "TITLE: Timeline 1\r\nFCM: NON-DROP FRAME\r\n* made elsewhere\r\n\r\n" +
		"001  A001C003 V     C        10:00:00:12 10:00:02:00 01:00:00:00 01:00:01:12  \r\n" +
		"* FROM CLIP NAME:  A001C003.mov \r\n* SOURCE FILE: A001C003\r\n"
	doc, err := export.ParseEDL(strings.NewReader(edl))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "Timeline 1" || len(doc.Events) != 1 {
		t.Fatalf("ParseEDL = %+v", doc)
	}
	e := doc.Events[0]
	want := export.EDLEvent{Number: 1, Reel: "A001C003", Track: "V", Transition: "C",
		SourceIn: export.Timecode{Hours: 10, Frames: 12}, SourceOut: export.Timecode{Hours: 10, Seconds: 2},
		RecordIn: export.Timecode{Hours: 1}, RecordOut: export.Timecode{Hours: 1, Seconds: 1, Frames: 12},
		ClipName: "A001C003.mov", Comments: []string{"SOURCE FILE: A001C003"}}
	if fmt.Sprint(e) != fmt.Sprint(want) {
		t.Errorf("event =\n%+v, want\n%+v", e, want)
	}
}

func TestTimecode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		frames int64
		fps    int
		want   string
	}{
		{0, 24, "00:00:00:00"},
		{23, 24, "00:00:00:23"},
		{24, 24, "00:00:01:00"},
		{3600 * 25, 25, "01:00:00:00"},
		{3600*30 + 59*60*30 + 59*30 + 29, 30, "01:59:59:29"},
		{(3600*2 + 61) * 60, 60, "02:01:01:00"},
		{100*3600*24 + 1, 24, "100:00:00:01"},
	} {
		tcode := export.TimecodeOf(tc.frames, tc.fps)
		if got := tcode.String(); got != tc.want {
			t.Errorf("TimecodeOf(%d, %d) = %s, want %s", tc.frames, tc.fps, got, tc.want)
		}
		if back := tcode.FrameCount(tc.fps); back != tc.frames {
			t.Errorf("%s at %d fps is frame %d, want %d", tcode, tc.fps, back, tc.frames)
		}
	}
}
