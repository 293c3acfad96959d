package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/testmodels"
)

// photoFiles writes the embedded photos into a new temporary folder and
// returns their paths: dogs.jpg (640×427) and burger.jpg.
func photoFiles(t *testing.T) (dir, dogs, burger string) {
	t.Helper()
	dir = t.TempDir()
	return dir, writeFile(t, dir, "dogs.jpg", assets.DogsJPEG), writeFile(t, dir, "burger.jpg", assets.BurgerJPEG)
}

// imageSize decodes the header of an image file.
func imageSize(t *testing.T, path string) (format string, width, height int) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	require.NoError(t, err, path)
	return format, cfg.Width, cfg.Height
}

func TestOverviewAndHelp(t *testing.T) {
	var overview string
	for _, args := range [][]string{nil, {"help"}, {"-h"}, {"--help"}, {"-help"}, {"help", "help"}} {
		r := runCLI(t, args...)
		requireSuccess(t, r)
		if overview == "" {
			overview = r.stdout
		}
		assert.Equal(t, overview, r.stdout, "percept %q prints the overview", args)
	}
	assert.Contains(t, overview, "usage: percept COMMAND")
	for _, d := range docs {
		name := d.name
		assert.Regexp(t, `(?m)^  `+name+`\s+\S`, overview, "the overview lists %s with a summary", name)
	}
	assert.Contains(t, overview, "example:\n  percept ")

	for name := range commands {
		t.Run(name, func(t *testing.T) {
			var help string
			for _, args := range [][]string{{"help", name}, {name, "-h"}, {name, "--help"}, {name, "-help"}} {
				r := runCLI(t, args...)
				requireSuccess(t, r)
				if help == "" {
					help = r.stdout
				}
				assert.Equal(t, help, r.stdout, "percept %q prints the help of %s", args, name)
			}
			assert.True(t, strings.HasPrefix(help, "percept "+name+": "), "a one-line summary first:\n%s", help)
			assert.Contains(t, help, "usage: percept "+name)
			assert.Contains(t, help, "example:\n  percept "+name)
		})
	}

	// Each flag with its default.
	detect := runCLI(t, "detect", "-h").stdout
	for _, want := range []string{"-threshold float", "(default 0.5)", "MinScore 0", "-max-pixels int", "(default 50000000)",
		"-source string", "-n int", "boxes_0.png", ".jpg"} {
		assert.Contains(t, detect, want)
	}
	classify := runCLI(t, "classify", "-h").stdout
	for _, want := range []string{"-top int", "(default 5)", "logit", "-source string"} {
		assert.Contains(t, classify, want)
	}

	// Help wins wherever -h is, and does no work.
	r := runCLI(t, "detect", filepath.Join(t.TempDir(), "missing.jpg"), "-h")
	requireSuccess(t, r)
	assert.Contains(t, r.stdout, "usage: percept detect")

	assertOneLineFailure(t, runCLI(t, "help", "frobnicate"), 2, `unknown command "frobnicate"`)
	assertOneLineFailure(t, runCLI(t, "help", "detect", "classify"), 2, "at most one")
}

func TestVersion(t *testing.T) {
	r := runCLI(t, "version")
	requireSuccess(t, r)
	assert.True(t, strings.HasPrefix(r.stdout, "percept "), r.stdout)
	assert.Contains(t, r.stdout, runtime.GOOS+"/"+runtime.GOARCH)
	assert.Contains(t, r.stdout, "revision ")
	for _, alias := range []string{"-version", "--version"} {
		assert.Equal(t, r, runCLI(t, alias))
	}
	assertOneLineFailure(t, runCLI(t, "version", "extra"), 2, `"extra"`)
}

func TestVersionText(t *testing.T) {
	tagged := &debug.BuildInfo{
		GoVersion: "go1.26.1",
		Main:      debug.Module{Path: "github.com/percept-robotics/percept", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2025-11-02T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	text := versionText(tagged)
	assert.True(t, strings.HasPrefix(text, "percept v1.4.0\n"), text)
	assert.Contains(t, text, "module github.com/percept-robotics/percept\n")
	assert.Contains(t, text, "revision 0123456789abcdef0123456789abcdef01234567 (2025-11-02T10:00:00Z), modified\n")
	assert.Contains(t, text, "built with go1.26.1 for ")

	clean := *tagged
	clean.Settings = tagged.Settings[:3]
	assert.NotContains(t, versionText(&clean), "modified")

	// `go run` or a build outside a checkout: no version, no revision.
	bare := &debug.BuildInfo{Main: debug.Module{Path: "github.com/percept-robotics/percept"}}
	text = versionText(bare)
	assert.True(t, strings.HasPrefix(text, "percept (devel)\n"), text)
	assert.Contains(t, text, "revision unknown")
	assert.Contains(t, text, "built with "+runtime.Version())
}

func TestSplitArgs(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.Bool("json", false, "")
	fs.String("model", "", "")
	cases := []struct {
		args              []string
		flags, positional []string
	}{
		{[]string{"a.jpg", "-json", "b.jpg"}, []string{"-json"}, []string{"a.jpg", "b.jpg"}},
		{[]string{"a.jpg", "-model", "m.tflite", "b.jpg"}, []string{"-model", "m.tflite"}, []string{"a.jpg", "b.jpg"}},
		{[]string{"--model=m", "a.jpg", "--json"}, []string{"--model=m", "--json"}, []string{"a.jpg"}},
		{[]string{"-json=false", "a.jpg"}, []string{"-json=false"}, []string{"a.jpg"}},
		// "--" ends the flags; "-" is an argument (standard input).
		{[]string{"a.jpg", "--", "-json", "-"}, nil, []string{"a.jpg", "-json", "-"}},
		{[]string{"-", "-json"}, []string{"-json"}, []string{"-"}},
		// A flag's value may start with a dash.
		{[]string{"-model", "-odd.tflite", "a.jpg"}, []string{"-model", "-odd.tflite"}, []string{"a.jpg"}},
		// Unknown flags and a missing value are left for Parse to report.
		{[]string{"a.jpg", "-bogus", "b.jpg"}, []string{"-bogus"}, []string{"a.jpg", "b.jpg"}},
		{[]string{"a.jpg", "-model"}, []string{"-model"}, []string{"a.jpg"}},
	}
	for _, tc := range cases {
		flags, positional := splitArgs(fs, tc.args)
		assert.Equal(t, tc.flags, flags, "flags of %q", tc.args)
		assert.Equal(t, tc.positional, positional, "arguments of %q", tc.args)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	_, dogs, burger := photoFiles(t)
	lines := classifyJSON(t, burger, "-top", "2", dogs)
	require.Len(t, lines, 2)
	assert.Equal(t, burger, lines[0].Image)
	assert.Equal(t, dogs, lines[1].Image)
	assert.Len(t, lines[0].Classes, 2, "-top after an argument applies")

	// An unknown flag after the images stops everything before any work.
	r := runCLI(t, "classify", burger, "-bogus")
	assertOneLineFailure(t, r, 2, "-bogus")
	assert.Empty(t, r.stdout)

	// After "--", a dash is part of a file name.
	dashed := writeFile(t, t.TempDir(), "-dashed.jpg", assets.BurgerJPEG)
	r = runCLI(t, "classify", "-json", "--", dashed)
	requireSuccess(t, r)
	assert.Contains(t, r.stdout, dashed)
}

// TestFlagRanges checks that every out-of-range flag is refused with exit
// code 2 before any work: the model path does not exist, so a check made
// after opening the model would fail with 1 instead.
func TestFlagRanges(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.tflite")
	cases := []struct {
		args     []string
		wantText string
	}{
		{[]string{"detect", "-threshold", "2"}, "-threshold 2"},
		{[]string{"detect", "-threshold", "-1"}, "-threshold -1"},
		{[]string{"detect", "-threshold", "NaN"}, "-threshold NaN"},
		{[]string{"detect", "-threshold", "+Inf"}, "-threshold +Inf"},
		{[]string{"detect", "-threads", "-2"}, "-threads -2"},
		{[]string{"detect", "-max", "-1"}, "-max -1"},
		{[]string{"detect", "-max-pixels", "0"}, "-max-pixels 0"},
		{[]string{"detect", "-n", "-1", "-source", "test:"}, "-n -1"},
		{[]string{"detect", "-n", "3"}, "-n"},
		{[]string{"detect", "-source", "test:", "a.jpg"}, "either -source or image files"},
		{[]string{"detect", "-source", "test:", "-out", "x.png"}, "-out"},
		{[]string{"detect", "-out", "boxes.gif"}, ".png, .jpg or .jpeg"},
		{[]string{"detect", "-out", "boxes"}, ".png, .jpg or .jpeg"},
		{[]string{"classify", "-top", "0"}, "-top 0"},
		{[]string{"classify", "-top", "-3"}, "-top -3"},
		{[]string{"classify", "-threads", "-1"}, "-threads -1"},
		{[]string{"classify", "-max-pixels", "-5"}, "-max-pixels -5"},
		{[]string{"classify", "-source", "test:", "a.jpg"}, "either -source or image files"},
		{[]string{"run", "-threads", "-1", "-input", "x.npy", "-outdir", "out"}, "-threads -1"},
		{[]string{"run", "-input", "x.npy", "-outdir", "out", "extra"}, `"extra"`},
		{[]string{"bench", "-n", "0"}, "-n 0"},
		{[]string{"bench", "-threads", "0"}, "-threads"},
		{[]string{"bench", "-threads", "-1"}, "-threads"},
		{[]string{"bench", "-kernels", "bogus"}, "-kernels"},
		{[]string{"bench", "extra"}, `"extra"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append([]string{tc.args[0], "-model", missing}, tc.args[1:]...)
			r := runCLI(t, args...)
			assertOneLineFailure(t, r, 2, tc.wantText)
			assert.Empty(t, r.stdout)
		})
	}
}

// TestBatchGoesOn puts bad images between good ones: each bad one is a
// line on stderr naming it, the good ones are all done, in order, and the
// exit code is 1.
func TestBatchGoesOn(t *testing.T) {
	dir, dogs, burger := photoFiles(t)
	missing := filepath.Join(dir, "missing.jpg")
	notes := writeFile(t, dir, "notes.jpg", []byte("not an image\n"))
	huge := writeFile(t, dir, "huge.png", testmodels.HugePNG(20000, 20000))
	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))

	for _, command := range []string{"classify", "detect"} {
		t.Run(command, func(t *testing.T) {
			if command == "detect" {
				skipInShort(t)
			}
			r := runCLI(t, command, "-json", burger, missing, huge, sub, notes, dogs)
			assert.Equal(t, 1, r.code)
			lines := outputLines(t, r.stdout)
			require.Len(t, lines, 2, "the good images are done: %s", r.stdout)
			assert.Contains(t, lines[0], `"image":"`+burger+`"`)
			assert.Contains(t, lines[1], `"image":"`+dogs+`"`)

			errs := outputLines(t, r.stderr)
			require.Len(t, errs, 5, r.stderr)
			prefix := "percept " + command + ": "
			assert.Equal(t, prefix+missing+": no such file or directory", errs[0])
			assert.True(t, strings.HasPrefix(errs[1], prefix+huge+": "), errs[1])
			assert.Contains(t, errs[1], "20000×20000")
			assert.Equal(t, prefix+sub+": is a directory, not an image", errs[2])
			assert.True(t, strings.HasPrefix(errs[3], prefix+notes+": "), errs[3])
			assert.Equal(t, prefix+"4 of 6 images failed", errs[4])
		})
	}
	// A lower budget refuses the photos too, naming their size; a higher
	// one than the default is the user's to choose.
	r := runCLI(t, "classify", "-max-pixels", "100000", dogs)
	assertOneLineFailure(t, r, 1, "640×427")
	r = runCLI(t, "classify", "-max-pixels", "60000000", dogs)
	assert.Equal(t, 0, r.code, r.stderr)

	// With one image, its error is the only line.
	r = runCLI(t, "classify", huge)
	assertOneLineFailure(t, r, 1, "20000×20000")
	assert.True(t, strings.HasPrefix(r.stderr, "percept classify: "+huge+": "), r.stderr)
}

func TestModelFileErrors(t *testing.T) {
	dir := t.TempDir()
	notes := writeFile(t, dir, "notes.tflite", []byte("these are notes, neither a model nor an image\n"))
	for _, args := range [][]string{
		{"detect", "-model", dir},
		{"classify", "-model", dir},
		{"inspect", dir},
		{"run", "-model", dir, "-input", "x.npy", "-outdir", filepath.Join(dir, "out")},
		{"bench", "-model", dir, "-n", "1", "-threads", "1", "-kernels", "generic"},
	} {
		assertOneLineFailure(t, runCLI(t, args...), 1, "is a directory")
	}
	for _, args := range [][]string{
		{"detect", "-model", notes},
		{"classify", "-model", notes},
		{"inspect", notes},
		{"run", "-model", notes, "-input", "x.npy", "-outdir", filepath.Join(dir, "out")},
	} {
		r := runCLI(t, args...)
		assertOneLineFailure(t, r, 1, "not a TFLite model (no TFL3 identifier)")
		assert.Contains(t, r.stderr, notes)
	}
}

// TestWrongTask: a model made for another task is an error naming what it
// found, not an answer.
func TestWrongTask(t *testing.T) {
	dir := t.TempDir()
	detector := writeFile(t, dir, "ssd.tflite", assets.DetectorModel)
	classifier := writeFile(t, dir, "mobilenet.tflite", assets.ClassifierModel)

	r := runCLI(t, "classify", "-model", detector)
	assertOneLineFailure(t, r, 1, "not a classifier model")
	assert.Empty(t, r.stdout)
	r = runCLI(t, "detect", "-model", classifier)
	assertOneLineFailure(t, r, 1, "not a detector model")
	assert.Empty(t, r.stdout)

	t.Run("segmentation", func(t *testing.T) {
		model := testmodels.Path(t, "segmentation", "deeplabv3_mnv2_dm05_pascal_quant.tflite")
		for _, command := range []string{"classify", "detect"} {
			r := runCLI(t, command, "-model", model)
			assertOneLineFailure(t, r, 1, "not a "+map[string]string{"classify": "classifier", "detect": "detector"}[command]+" model")
			assert.Empty(t, r.stdout)
		}
	})
}

// TestClassifyLogits: the hand-made models' scores are the same three
// channels, as logits or through a softmax, and the output says which.
func TestClassifyLogits(t *testing.T) {
	dir, _, burger := photoFiles(t)
	logits := writeFile(t, dir, "logits.tflite", logitClassifier)
	softmax := writeFile(t, dir, "softmax.tflite", softmaxClassifier)

	for _, tc := range []struct {
		model, kind, header string
	}{
		{logits, "logits", "score (logit)"},
		{softmax, "probabilities", "score"},
	} {
		r := runCLI(t, "classify", "-json", "-model", tc.model, burger)
		requireSuccess(t, r)
		assert.Contains(t, r.stdout, `"scores":"`+tc.kind+`"`)

		r = runCLI(t, "classify", "-model", tc.model, burger)
		requireSuccess(t, r)
		lines := outputLines(t, r.stdout)
		require.Len(t, lines, 5, r.stdout) // name, header, 3 classes
		assert.Equal(t, []string{strings.Fields(tc.header)[0], "class", "label"},
			strings.Fields(strings.ReplaceAll(lines[1], " (logit)", "")))
		assert.Equal(t, tc.kind == "logits", strings.Contains(lines[1], "(logit)"), lines[1])
	}
}

// lineWriter collects output lines and calls onLine after each one.
type lineWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	lines  int
	onLine func(n int)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	n := bytes.Count(p, []byte("\n"))
	for range n {
		w.lines++
		w.onLine(w.lines)
	}
	return len(p), nil
}

// classifyFrameJSON is the contract of one `classify -source` line.
type classifyFrameJSON struct {
	Image       string      `json:"image"`
	Width       int         `json:"width"`
	Height      int         `json:"height"`
	Scores      string      `json:"scores"`
	Classes     []classJSON `json:"classes"`
	Seq         uint64      `json:"seq"`
	Time        string      `json:"time"`
	Dropped     uint64      `json:"dropped"`
	InferenceMS float64     `json:"inference_ms"`
	LatencyMS   float64     `json:"latency_ms"`
}

const classifyFrameKeys = "{image,width,height,scores,classes:[{index,label,score}],seq,time,dropped,inference_ms,latency_ms}"

// parseClassifyFrames checks and decodes the lines of a classify stream.
func parseClassifyFrames(t *testing.T, stdout string) []classifyFrameJSON {
	t.Helper()
	var out []classifyFrameJSON
	for _, line := range outputLines(t, stdout) {
		requireSkeleton(t, line, classifyFrameKeys)
		var f classifyFrameJSON
		decodeStrict(t, line, &f)
		assert.NotEmpty(t, f.Time)
		assert.GreaterOrEqual(t, f.LatencyMS, f.InferenceMS)
		out = append(out, f)
	}
	return out
}

func TestClassifySource(t *testing.T) {
	dir, dogs, _ := photoFiles(t)
	writeFile(t, dir, "notes.txt", []byte("not an image\n"))
	writeFile(t, dir, "zhuge.png", testmodels.HugePNG(20000, 20000))

	t.Run("file", func(t *testing.T) {
		r := runCLI(t, "classify", "-top", "1", "-source", "file:"+dogs)
		requireSuccess(t, r)
		frames := parseClassifyFrames(t, r.stdout)
		require.Len(t, frames, 1)
		assert.Equal(t, "file:"+dogs, frames[0].Image)
		assert.Equal(t, []int{640, 427}, []int{frames[0].Width, frames[0].Height})
		assert.Equal(t, "probabilities", frames[0].Scores)
		assert.Len(t, frames[0].Classes, 1)
	})
	t.Run("dir with bad files", func(t *testing.T) {
		r := runCLI(t, "classify", "-top", "1", "-source", "dir:"+dir)
		assert.Equal(t, 1, r.code, "bad files are failures, reported at the end")
		frames := parseClassifyFrames(t, r.stdout)
		// Lexical order: burger.jpg, dogs.jpg, notes.txt, zhuge.png.
		require.Len(t, frames, 2, r.stdout)
		_, w, h := imageSize(t, filepath.Join(dir, "burger.jpg"))
		assert.Equal(t, []int{w, h}, []int{frames[0].Width, frames[0].Height})
		assert.Equal(t, []int{640, 427}, []int{frames[1].Width, frames[1].Height})
		assert.Less(t, frames[0].Seq, frames[1].Seq)
		errs := outputLines(t, r.stderr)
		require.Len(t, errs, 3, r.stderr)
		assert.Contains(t, errs[0], filepath.Join(dir, "notes.txt"))
		assert.Contains(t, errs[1], filepath.Join(dir, "zhuge.png"))
		assert.Contains(t, errs[1], "20000×20000")
		assert.Equal(t, "percept classify: 2 files skipped", errs[2])
	})
	t.Run("test pattern", func(t *testing.T) {
		r := runCLI(t, "classify", "-source", "test:", "-n", "3")
		requireSuccess(t, r)
		frames := parseClassifyFrames(t, r.stdout)
		require.Len(t, frames, 3)
		for i, f := range frames {
			assert.Equal(t, uint64(i), f.Seq)
			assert.Equal(t, []int{640, 480}, []int{f.Width, f.Height})
			assert.Len(t, f.Classes, 5)
		}
	})
	t.Run("until stopped", func(t *testing.T) {
		// No -n: the stream ends when its context does (SIGINT or SIGTERM
		// in the command), cleanly, after the lines already printed.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out := &lineWriter{onLine: func(n int) {
			if n == 2 {
				cancel()
			}
		}}
		var stderr bytes.Buffer
		err := classify(ctx, []string{"-top", "1", "-source", "test:"}, out, &stderr)
		require.NoError(t, err)
		assert.Empty(t, stderr.String())
		frames := parseClassifyFrames(t, out.buf.String())
		assert.Len(t, frames, 2)
	})
	t.Run("bad source", func(t *testing.T) {
		assertOneLineFailure(t, runCLI(t, "classify", "-source", "bogus:x"), 1, "bogus")
		assertOneLineFailure(t, runCLI(t, "classify", "-source", "file:"+filepath.Join(dir, "missing.jpg")), 1, "missing.jpg")
	})
}

func TestDetectSource(t *testing.T) {
	skipInShort(t)
	_, dogs, _ := photoFiles(t)
	r := runCLI(t, "detect", "-source", "file:"+dogs)
	requireSuccess(t, r)
	lines := outputLines(t, r.stdout)
	require.Len(t, lines, 1)
	const frameKeys = "{image,width,height,detections:[{class,label,score,box:{x,y,width,height}}],seq,time,dropped,inference_ms,latency_ms}"
	requireSkeleton(t, lines[0], frameKeys)
	var frame frameLine
	decodeStrict(t, lines[0], &frame)
	assert.Equal(t, "file:"+dogs, frame.Image)
	// The same detections as for the file itself.
	want := detectJSON(t, dogs)
	require.Len(t, want, 1)
	assert.Equal(t, want[0].Detections, frame.Detections)
	assert.Equal(t, []int{dogsWidth, dogsHeight}, []int{frame.Width, frame.Height})
}

func TestDetectOutFormats(t *testing.T) {
	skipInShort(t)
	dir, dogs, burger := photoFiles(t)
	for _, tc := range []struct{ name, format string }{
		{"boxes.png", "png"}, {"boxes.jpg", "jpeg"}, {"boxes.JPEG", "jpeg"},
	} {
		out := filepath.Join(dir, tc.name)
		r := runCLI(t, "detect", "-out", out, dogs)
		requireSuccess(t, r)
		format, w, h := imageSize(t, out)
		assert.Equal(t, tc.format, format, tc.name)
		assert.Equal(t, []int{dogsWidth, dogsHeight}, []int{w, h})
	}
	// Several images: numbered files, in the order of the arguments, also
	// when one in the middle fails.
	out := filepath.Join(dir, "many.jpg")
	r := runCLI(t, "detect", "-out", out, dogs, filepath.Join(dir, "missing.jpg"), burger)
	assert.Equal(t, 1, r.code)
	for i, photo := range map[int]string{0: dogs, 2: burger} {
		format, w, h := imageSize(t, filepath.Join(dir, fmt.Sprintf("many_%d.jpg", i)))
		assert.Equal(t, "jpeg", format)
		_, pw, ph := imageSize(t, photo)
		assert.Equal(t, []int{pw, ph}, []int{w, h})
	}
	_, err := os.Stat(filepath.Join(dir, "many_1.jpg"))
	assert.True(t, os.IsNotExist(err), "no file for the image that failed")
}

// TestStreamGoesOnPastAFailedFrame: a frame whose inference fails is a line
// on stderr, the following frames are still done, and the run ends with
// exit code 1 after a count of the failures.
func TestStreamGoesOnPastAFailedFrame(t *testing.T) {
	var stdout, stderr bytes.Buffer
	calls := 0
	infer := func(_ context.Context, img image.Image) (int, error) {
		calls++
		if calls == 2 {
			return 0, errors.New("the model failed")
		}
		return img.Bounds().Dx(), nil
	}
	line := func(b image.Rectangle, width int, m frameMeta) any {
		return map[string]any{"seq": m.Seq, "width": width}
	}
	err := streamFrames(context.Background(), stream{command: "detect", spec: "test:", frames: 4, maxPixels: 1 << 20},
		&stdout, &stderr, infer, line)
	require.ErrorIs(t, err, reportedError{})
	assert.Equal(t, `{"seq":0,"width":640}`+"\n"+`{"seq":2,"width":640}`+"\n"+`{"seq":3,"width":640}`+"\n", stdout.String())
	assert.Equal(t, "percept detect: test:: frame 1: the model failed\npercept detect: 1 of 4 frames failed\n", stderr.String())
}
