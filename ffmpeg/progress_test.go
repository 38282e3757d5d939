package ffmpeg_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"slate/ffmpeg"
)

// block is one -progress report as ffmpeg writes it.
func block(frame, outUS, state string) string {
	return "frame=" + frame + "\nfps=24.00\nstream_0_0_q=28.0\nbitrate=N/A\ntotal_size=48\nout_time_us=" + outUS +
		"\nout_time_ms=" + outUS + "\nout_time=00:00:00.000000\ndup_frames=0\ndrop_frames=0\nspeed=N/A\nprogress=" + state + "\n"
}

type report struct {
	percent int
	eta     time.Duration
}

func TestProgress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		total   ffmpeg.Total
		elapsed time.Duration
		input   string
		want    []report
	}{
		{
			name: "by frames", total: ffmpeg.Total{Frames: 100}, elapsed: 10 * time.Second,
			input: block("25", "N/A", "continue") + block("50", "N/A", "continue") + block("100", "N/A", "end"),
			// 25% done after 10 s leaves 30 s; 50% leaves 10 s; the end is
			// 99%, since 100 is the caller's to say.
			want: []report{{25, 30 * time.Second}, {50, 10 * time.Second}, {99, 0}},
		},
		{
			name: "by time", total: ffmpeg.Total{DurationMS: 4000}, elapsed: 2 * time.Second,
			input: block("0", "1000000", "continue") + block("0", "3000000", "continue"),
			want:  []report{{25, 6 * time.Second}, {75, 700 * time.Millisecond}},
		},
		{
			name: "the counter that has come further wins", total: ffmpeg.Total{Frames: 100, DurationMS: 10000}, elapsed: time.Second,
			input: block("10", "5000000", "continue") + block("60", "5000000", "continue"),
			want:  []report{{50, time.Second}, {60, 700 * time.Millisecond}},
		},
		{
			name: "never backwards", total: ffmpeg.Total{Frames: 100}, elapsed: time.Second,
			input: block("40", "N/A", "continue") + block("30", "N/A", "continue") + block("40", "N/A", "continue"),
			want:  []report{{40, 1500 * time.Millisecond}, {40, 1500 * time.Millisecond}},
		},
		{
			name: "overrun stops at 99", total: ffmpeg.Total{Frames: 10}, elapsed: time.Second,
			input: block("12", "N/A", "continue"),
			want:  []report{{99, 0}},
		},
		{
			name: "nothing known yet", total: ffmpeg.Total{Frames: 10}, elapsed: time.Second,
			input: block("0", "N/A", "continue"),
			want:  []report{{0, 0}},
		},
		{
			name: "unknown total", total: ffmpeg.Total{}, elapsed: time.Second,
			input: block("12", "500000", "end"),
			want:  []report{{0, 0}},
		},
		{
			name: "negative start time", total: ffmpeg.Total{DurationMS: 1000}, elapsed: time.Second,
			input: block("0", "-21333", "continue"),
			want:  []report{{0, 0}},
		},
		{
			name: "noise and partial blocks", total: ffmpeg.Total{Frames: 10}, elapsed: time.Second,
			input: "garbage\n\n  frame=5  \r\nprogress=continue\nframe=8\n",
			want:  []report{{50, time.Second}},
		},
		{name: "empty", total: ffmpeg.Total{Frames: 10}, input: "", want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []report
			ffmpeg.ReadProgress(strings.NewReader(tc.input), tc.total, tc.elapsed, func(p int, eta time.Duration) {
				got = append(got, report{p, eta})
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("reports %v, want %v", got, tc.want)
			}
		})
	}
}

// TestProgressDrains: a line longer than the scanner takes stops parsing,
// but the rest of the stream is still read, so ffmpeg never blocks on a
// full pipe.
func TestProgressDrains(t *testing.T) {
	t.Parallel()
	r := strings.NewReader(block("5", "N/A", "continue") + strings.Repeat("x", 1<<20) + "\n" + block("9", "N/A", "continue"))
	var got []int
	ffmpeg.ReadProgress(r, ffmpeg.Total{Frames: 10}, time.Second, func(p int, _ time.Duration) { got = append(got, p) })
	if !slices.Equal(got, []int{50}) {
		t.Errorf("reports %v, want [50]", got)
	}
	if r.Len() != 0 {
		t.Errorf("%d bytes left unread", r.Len())
	}
}
