package ffmpeg

import (
	"io"
	"time"
)

// ReadProgress runs the progress parser on r as if elapsed had passed at
// every report, so the tests in package ffmpeg_test can check the ETA.
func ReadProgress(r io.Reader, total Total, elapsed time.Duration, report func(percent int, eta time.Duration)) {
	start := time.Unix(0, 0)
	t := &tracker{total: total, start: start, now: func() time.Time { return start.Add(elapsed) }, report: report}
	t.read(r)
}
