package export_test

import (
	"slices"
	"testing"

	"slate/export"
)

func TestFrames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		durations []int64
		fps       int
		want      []int64
	}{
		{"whole frames", []int64{1000, 1500, 500}, 24, []int64{24, 36, 12}},
		{"none", nil, 24, []int64{}},
		// 1020 ms is 25.5 frames at 25: alone each would round up to 26,
		// 78 in all for 76.5; cumulative rounding gives 77.
		{"halves do not pile up", []int64{1020, 1020, 1020}, 25, []int64{26, 25, 26}},
		{"thirds at 30", []int64{1010, 1010, 1010}, 30, []int64{30, 31, 30}},
		{"60", []int64{1001, 2002}, 60, []int64{60, 120}},
		{"one", []int64{41}, 24, []int64{1}},
		{"under half a frame", []int64{20}, 24, []int64{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := export.Frames(tc.durations, tc.fps)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Frames(%v, %d) = %v, want %v", tc.durations, tc.fps, got, tc.want)
			}
		})
	}
}

// TestFramesTotal: however many clips, the cut lasts within half a frame
// of the sum of their durations.
func TestFramesTotal(t *testing.T) {
	t.Parallel()
	for _, fps := range []int{1, 24, 25, 30, 48, 50, 60, 120} {
		var durations []int64
		var sumMS, sumFrames int64
		for i := range 500 {
			d := int64(1000 + i*37%59000)
			durations = append(durations, d)
			sumMS += d
		}
		for _, f := range export.Frames(durations, fps) {
			if f < 0 {
				t.Fatalf("at %d fps a clip has %d frames", fps, f)
			}
			sumFrames += f
		}
		if diff := float64(sumFrames) - float64(sumMS)*float64(fps)/1000; diff > 0.5 || diff < -0.5 {
			t.Errorf("at %d fps %d frames for %d ms: %.2f frames off", fps, sumFrames, sumMS, diff)
		}
	}
}
