package export

import (
	"fmt"
	"strconv"
	"strings"

	"slate"
)

// Args is ffmpeg's argument list for making p's file at output, an
// absolute path; concatList is where ConcatList(p) has been written, read
// only when p.Copy. It is pure, so the command line can be checked against
// a golden file.
//
// Nothing a person typed reaches the filter graph: it holds only numbers
// and the inputs' indexes. The title and every path are whole arguments of
// their own, and paths carry "file:" so a colon is never a protocol and a
// leading dash never an option.
func Args(p Plan, output string, concatList string) []string {
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error", "-y"}
	first := 0
	if p.Copy {
		// The concat demuxer already starts each take at its place in the
		// cut; without -copyts ffmpeg would also shift the whole cut by
		// the first take's AAC priming, putting the picture 21 ms behind
		// the sound.
		args = append(args, "-copyts", "-f", "concat", "-safe", "0", "-i", "file:"+concatList)
		first = 1
	}
	for _, c := range p.Clips {
		if p.Copy {
			// Read only for their sound: skip demuxing the picture again.
			args = append(args, "-vn")
		}
		args = append(args, "-i", "file:"+c.Path)
	}
	args = append(args, "-filter_complex", graph(p, first))
	if p.Copy {
		args = append(args, "-map", "0:v", "-map", "[a]", "-c:v", "copy")
	} else {
		args = append(args, "-map", "[v]", "-map", "[a]", "-r", strconv.Itoa(p.FrameRate))
		args = append(args, p.Preset.Video...)
	}
	args = append(args, p.Preset.Audio...)
	args = append(args, "-ar", strconv.Itoa(SampleRate), "-ac", "2")
	args = append(args, p.Preset.Mux...)
	// The takes' own tags (an engine may record its prompt or workflow
	// there) stay out of the delivery; it carries only its title.
	args = append(args, "-map_metadata", "-1", "-map_chapters", "-1",
		"-metadata", "title="+Clean(p.Title, maxText),
		"-progress", "pipe:1", "-nostats", "-stats_period", "0.25",
		"-f", p.Preset.Format, "file:"+output)
	return args
}

// graph is the filter graph that conforms every clip to p's frame, rate
// and length and joins them; the takes are inputs first, first+1, and so
// on. Each clip is cut to its frames before it is scaled, so a long take
// costs no scaling past its share; a short one is held on its last frame.
// The sound is resampled, padded with silence and cut to the clip's
// samples, or is silence when the take has none.
//
// A copied cut's graph makes only the sound. Its AAC cannot be copied with
// the picture: each take's sound starts with encoder priming that only its
// own file's edit list hides, so joined as they are the takes' sounds
// overlap at every cut and click; made again it lasts exactly as long as
// the picture, for a few milliseconds of encoding.
func graph(p Plan, first int) string {
	fit := fmt.Sprintf("scale=%d:%d:force_original_aspect_ratio=increase,crop=%d:%d", p.Width, p.Height, p.Width, p.Height)
	if p.Reframe == slate.ReframePad {
		// Even sides keep the picture centred to the pixel in 4:2:0.
		fit = fmt.Sprintf("scale=%d:%d:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=%d:%d:(ow-iw)/2:(oh-ih)/2:black",
			p.Width, p.Height, p.Width, p.Height)
	}
	var b strings.Builder
	for i, c := range p.Clips {
		in := first + i
		if !p.Copy {
			// format= lets the scaler convert the pixels in the same pass.
			fmt.Fprintf(&b, "[%d:v]fps=%d,tpad=stop=%d:stop_mode=clone,trim=end_frame=%d,setpts=PTS-STARTPTS,%s,setsar=1,format=%s[v%d];",
				in, p.FrameRate, c.Frames, c.Frames, fit, p.Preset.PixFmt, i)
		}
		if c.Audio {
			fmt.Fprintf(&b, "[%d:a]aresample=%d,aformat=channel_layouts=stereo,apad,atrim=end_sample=%d,asetpts=PTS-STARTPTS[a%d];",
				in, SampleRate, c.Samples, i)
		} else {
			fmt.Fprintf(&b, "anullsrc=r=%d:cl=stereo,atrim=end_sample=%d[a%d];", SampleRate, c.Samples, i)
		}
	}
	for i := range p.Clips {
		if !p.Copy {
			fmt.Fprintf(&b, "[v%d]", i)
		}
		fmt.Fprintf(&b, "[a%d]", i)
	}
	if p.Copy {
		fmt.Fprintf(&b, "concat=n=%d:v=0:a=1[a]", len(p.Clips))
	} else {
		fmt.Fprintf(&b, "concat=n=%d:v=1:a=1[v][a]", len(p.Clips))
	}
	return b.String()
}

// ConcatList is the concat demuxer's list of p's takes. Each path is
// quoted for the demuxer's tokenizer, which reads everything between single
// quotes literally, so a quote in a path is closed, escaped and reopened;
// and prefixed "file:", since the demuxer opens entries as URLs.
func ConcatList(p Plan) string {
	var b strings.Builder
	b.WriteString("ffconcat version 1.0\n")
	for _, c := range p.Clips {
		b.WriteString("file '" + strings.ReplaceAll("file:"+c.Path, "'", `'\''`) + "'\n")
	}
	return b.String()
}
