package ffmpeg

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"time"
)

// tracker turns ffmpeg's -progress output, blocks of key=value lines each
// ending in "progress=continue" or "progress=end", into a percentage and an
// ETA.
type tracker struct {
	total   Total
	start   time.Time
	now     func() time.Time
	report  func(percent int, eta time.Duration)
	percent int
}

// read consumes ffmpeg's progress stream until it closes. It reports at the
// end of each block, never going backwards and never reaching 100.
func (t *tracker) read(r io.Reader) {
	var frame, outUS int64
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok {
			continue
		}
		switch key {
		case "frame":
			frame, _ = strconv.ParseInt(value, 10, 64)
		case "out_time_us":
			outUS, _ = strconv.ParseInt(value, 10, 64)
		case "progress":
			t.update(frame, outUS)
		}
	}
	// Drain what is left (a line too long for the scanner stops it) so
	// ffmpeg never blocks writing to a full pipe.
	_, _ = io.Copy(io.Discard, r)
}

func (t *tracker) update(frame, outUS int64) {
	// Either counter may lag the other, and out_time_us is "N/A" before the
	// first packet; take whichever has come further.
	var f float64
	if t.total.Frames > 0 {
		f = float64(frame) / float64(t.total.Frames)
	}
	if t.total.DurationMS > 0 {
		f = max(f, float64(outUS)/float64(t.total.DurationMS*1000))
	}
	p := min(int(f*100), 99)
	if p < t.percent {
		return
	}
	t.percent = p
	var eta time.Duration
	if f > 0 && f < 1 {
		elapsed := t.now().Sub(t.start)
		eta = time.Duration(float64(elapsed) * (1 - f) / f).Round(time.Second / 10)
	}
	t.report(p, eta)
}
