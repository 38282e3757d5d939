package export

// SampleRate is the export's audio rate: every preset delivers 48 kHz.
const SampleRate = 48000

// Frames gives each of a cut's clips, lasting durationsMS one after the
// other, its number of frames at fps. Each clip ends on the frame nearest
// its end in the cut rather than after its own rounded length, so rounding
// never accumulates: the cut lasts within half a frame of the durations'
// sum, and the plan and the EDL, which both count with this, agree.
func Frames(durationsMS []int64, fps int) []int64 {
	out := make([]int64, len(durationsMS))
	var cumMS, prev int64
	for i, d := range durationsMS {
		cumMS += d
		end := roundDiv(cumMS*int64(fps), 1000)
		out[i] = end - prev
		prev = end
	}
	return out
}

// samples gives each clip of frames its number of audio samples, counted
// the same way so the sound ends with the picture to the sample even at
// rates that do not divide 48 kHz.
func samples(frames []int64, fps int) []int64 {
	out := make([]int64, len(frames))
	var cum, prev int64
	for i, f := range frames {
		cum += f
		end := roundDiv(cum*SampleRate, int64(fps))
		out[i] = end - prev
		prev = end
	}
	return out
}

// roundDiv is n/d rounded half up, for n >= 0 and d > 0.
func roundDiv(n, d int64) int64 {
	return (2*n + d) / (2 * d)
}
