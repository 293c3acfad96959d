package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// quantizeModes are the -mode values of percept quantize.
var quantizeModes = []string{"fp16", "dynamic", "int8"}

// ioTypes maps the -io values of percept quantize -mode int8 to tensor
// types.
var ioTypes = map[string]tflite.TensorType{"float": tflite.TypeFloat32, "uint8": tflite.TypeUint8, "int8": tflite.TypeInt8}

// maxCorrectionSamples caps the images -correct-bias runs on (their input
// tensors are kept in memory: 38 MB for 64 at 224×224).
const maxCorrectionSamples = 64

// defaultSamples is the default -samples: TFLite's guide asks for "around
// ~100-500 samples" of calibration data.
const defaultSamples = 200

// quantizeCmd is `percept quantize -mode fp16|dynamic|int8 [-calibrate
// DIR|GLOB] [-samples N] [-io float|uint8|int8] -o OUT IN`.
func quantizeCmd(args []string, stdout io.Writer) error {
	fs := newFlags("quantize")
	mode := fs.String("mode", "", "quantization: fp16 (float16 weights), dynamic (int8 weights, float activations) or int8 (full integer, calibrated)")
	out := fs.String("o", "", "the `file` to write (required; not the input)")
	calibrate := fs.String("calibrate", "", "int8: the calibration images, a `directory` (its .jpg, .jpeg, .png, .bmp and .gif files, subdirectories included) or a glob pattern")
	samples := fs.Int("samples", defaultSamples, "int8: calibrate on at most `N` images, evenly spaced in name order")
	ioName := fs.String("io", "float", "int8: the type of the model's inputs and outputs: float, uint8 or int8")
	calibration := fs.String("calibration", "minmax", "int8: how each activation's range is chosen from the calibration values: minmax (TFLite's converter), percentile (clip to -percentile), mse (least squared quantization error) or entropy (TensorRT's KL divergence)")
	percentile := fs.Float64("percentile", optimize.DefaultPercentile, "int8 -calibration percentile: the quantile `P` kept, in percent, in (50, 100]")
	correct := fs.Bool("correct-bias", false, "int8: then correct the int8 biases for the mean error quantization leaves, layer by layer on up to 64 of the calibration images (empirical bias correction; TFLite's converter does not do it)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if !slices.Contains(quantizeModes, *mode) {
		return usageError{fmt.Sprintf("-mode %q: want one of %s", *mode, strings.Join(quantizeModes, ", "))}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *mode != "int8" {
		for _, name := range []string{"calibrate", "samples", "io", "calibration", "percentile", "correct-bias"} {
			if set[name] {
				return usageError{fmt.Sprintf("-%s is for -mode int8", name)}
			}
		}
	}
	io, ok := ioTypes[*ioName]
	if !ok {
		return usageError{fmt.Sprintf("-io %q: want float, uint8 or int8", *ioName)}
	}
	method, ok := rangeMethods[*calibration]
	if !ok {
		return usageError{fmt.Sprintf("-calibration %q: want minmax, percentile, mse or entropy", *calibration)}
	}
	if set["percentile"] && method != optimize.Percentile {
		return usageError{"-percentile is for -calibration percentile"}
	}
	if !(*percentile > 50 && *percentile <= 100) {
		return usageError{fmt.Sprintf("-percentile %v: want it in (50, 100]", *percentile)}
	}
	if *mode == "int8" {
		if *calibrate == "" {
			return usageError{"-mode int8 needs -calibrate DIR|GLOB: representative images to measure the activations' ranges"}
		}
		if *samples < 1 {
			return usageError{fmt.Sprintf("-samples %d: want at least 1", *samples)}
		}
	}
	job, err := newOptimizeJob(fs, *out)
	if err != nil {
		return err
	}
	defer job.close()
	switch *mode {
	case "dynamic":
		return quantizeDynamic(job, stdout)
	case "int8":
		return quantizeInt8(job, stdout, int8Job{pattern: *calibrate, samples: *samples, io: io, correct: *correct,
			ranges: optimize.RangeOptions{Method: method, Percentile: *percentile}})
	}
	q, rep, err := optimize.Float16(job.m)
	if err != nil {
		return err
	}
	if len(rep.Tensors) == 0 {
		return fmt.Errorf("%s: no FLOAT32 constant to narrow to float16 (are its weights float16 already?)", job.in)
	}
	fmt.Fprintf(stdout, "quantize fp16: %s → %s\n", job.in, job.out)
	fmt.Fprintf(stdout, "%d constant tensors FLOAT32 → FLOAT16, each read through a new DEQUANTIZE (v%d); activations stay float32\n",
		len(rep.Tensors), optimize.DequantizeVersion)
	printSkipped(stdout, rep)
	return job.write(stdout, q)
}

// quantizeDynamic is -mode dynamic: dynamic-range (hybrid) quantization of
// the weights (optimize.DynamicRange), float16 weights widened first.
func quantizeDynamic(job *optimizeJob, stdout io.Writer) error {
	fmt.Fprintf(stdout, "quantize dynamic: %s → %s\n", job.in, job.out)
	w, err := job.widened(stdout)
	if err != nil {
		return err
	}
	q, rep, err := optimize.DynamicRange(w)
	if err != nil {
		return err
	}
	if len(rep.Tensors) == 0 {
		printSkipped(stdout, rep)
		return fmt.Errorf("%s: no weight tensor to quantize to int8", job.in)
	}
	fmt.Fprintf(stdout, "%d weight tensors FLOAT32 → INT8 (hybrid operators read them and quantize activations on the fly), %d DEQUANTIZE added; activations stay float32\n",
		len(rep.Tensors), rep.OpsAdded)
	fmt.Fprintf(stdout, "%d tensors left float32\n", len(rep.Skipped))
	if err := job.write(stdout, q); err != nil {
		return err
	}
	return job.printWidenedRatio(stdout, w)
}

// rangeMethods maps the -calibration values to range methods.
var rangeMethods = map[string]optimize.RangeMethod{"minmax": optimize.MinMax, "percentile": optimize.Percentile, "mse": optimize.MSE, "entropy": optimize.Entropy}

// int8Job is what -mode int8 was asked for.
type int8Job struct {
	pattern string // -calibrate
	samples int
	io      tflite.TensorType
	ranges  optimize.RangeOptions // -calibration, -percentile
	correct bool                  // -correct-bias
}

// quantizeInt8 is -mode int8: calibration over the images, then full
// integer quantization (optimize.Int8).
func quantizeInt8(job *optimizeJob, stdout io.Writer, j int8Job) error {
	io, correct := j.io, j.correct
	files, err := calibrationImages(j.pattern)
	if err != nil {
		return err
	}
	files = spread(files, j.samples)
	fmt.Fprintf(stdout, "quantize int8: %s → %s\n", job.in, job.out)
	w, err := job.widened(stdout)
	if err != nil {
		return err
	}
	if sg := w.Subgraphs; len(sg) > 0 && len(sg[0].Inputs) > 0 {
		if in := sg[0].Tensors[sg[0].Inputs[0]]; in.Type != tflite.TypeFloat32 {
			return fmt.Errorf("%s: input %q is %s: -mode int8 quantizes float models", job.in, in.Name, in.Type)
		}
	}
	c, err := optimize.NewCalibrator(w, 0)
	if err != nil {
		return err
	}
	defer c.Close()
	bar := progress(len(files), "calibrating")
	var kept [][]byte // the input tensors bias correction runs on
	every := (len(files) + maxCorrectionSamples - 1) / maxCorrectionSamples
	for i, f := range files {
		img, err := models.LoadImage(f)
		if err != nil {
			return fmt.Errorf("calibration image %s: %w", f, err)
		}
		if err := c.Image(img); err != nil {
			return fmt.Errorf("calibration image %s: %w", f, err)
		}
		if correct && i%every == 0 {
			kept = append(kept, slices.Clone(c.Inputs()[0].Bytes()))
		}
		bar.Add(1)
	}
	bar.Finish()
	fmt.Fprintf(stdout, "calibrated on %d images with the model's own preprocessing\n", len(files))
	ranges, err := c.Ranges().Choose(j.ranges)
	if err != nil {
		return err
	}
	printRanges(stdout, j.ranges, c.Ranges(), ranges)
	q, rep, err := optimize.Int8(w, ranges, &optimize.Int8Options{IO: io})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d constant tensors → INT8 weights (per channel for convolutions) and INT32 biases, %d activations → INT8, %d operators added; inputs and outputs %s\n",
		len(rep.Tensors), rep.Activations, rep.OpsAdded, io)
	if correct {
		corrected, crep, err := optimize.CorrectBias(w, q, kept)
		if err != nil {
			return err
		}
		q = corrected
		fmt.Fprintf(stdout, "%d biases corrected for the mean quantization error on %d images\n", len(crep.Tensors), len(kept))
	}
	if err := job.write(stdout, q); err != nil {
		return err
	}
	return job.printWidenedRatio(stdout, w)
}

// printRanges prints how the activations' ranges were chosen: how many of
// the recorded ranges the method narrowed.
func printRanges(stdout io.Writer, o optimize.RangeOptions, recorded, chosen *optimize.Ranges) {
	switch o.Method {
	case optimize.MinMax:
		fmt.Fprintln(stdout, "ranges: each activation's minimum and maximum over the images (minmax)")
		return
	case optimize.Percentile:
		fmt.Fprintf(stdout, "ranges: %v (%g %%)", o.Method, o.Percentile)
	default:
		fmt.Fprintf(stdout, "ranges: %v", o.Method)
	}
	seen, narrowed := 0, 0
	for i, ok := range recorded.Seen {
		if ok {
			seen++
			if chosen.Min[i] != recorded.Min[i] || chosen.Max[i] != recorded.Max[i] {
				narrowed++
			}
		}
	}
	fmt.Fprintf(stdout, ", %d of %d recorded ranges narrowed\n", narrowed, seen)
}

// printWidenedRatio prints, for an input in TFLite's float16 layout, the
// output's size beside the float32 model it was widened to.
func (j *optimizeJob) printWidenedRatio(stdout io.Writer, w *tflite.Model) error {
	if !hasFloat16(j.m) {
		return nil
	}
	wide, err := tflite.Write(w)
	if err != nil {
		return err
	}
	st, err := os.Stat(j.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "beside the float32 model (%d bytes): %.3f×\n", len(wide), float64(st.Size())/float64(len(wide)))
	return nil
}

// hasFloat16 reports whether m has FLOAT16 constants.
func hasFloat16(m *tflite.Model) bool {
	for _, sg := range m.Subgraphs {
		for _, t := range sg.Tensors {
			if t.Type == tflite.TypeFloat16 && len(m.Buffers[t.Buffer].Data) > 0 {
				return true
			}
		}
	}
	return false
}

// calibrationImages lists the images under a directory (by extension,
// subdirectories included, such as one folder per class) or the files a
// glob pattern matches, in name order.
func calibrationImages(pattern string) ([]string, error) {
	var files []string
	if st, err := os.Stat(pattern); err == nil && st.IsDir() {
		err := filepath.WalkDir(pattern, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".jpg", ".jpeg", ".png", ".bmp", ".gif":
				if !d.IsDir() {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			return nil, usageError{fmt.Sprintf("-calibrate %q: %v", pattern, err)}
		}
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && !st.IsDir() {
				files = append(files, m)
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("-calibrate %s: no images", pattern)
	}
	slices.Sort(files)
	return files, nil
}

// spread returns n of files evenly spaced in their order (all when there
// are no more), so that a capped calibration set still spans every folder.
func spread(files []string, n int) []string {
	if len(files) <= n {
		return files
	}
	out := make([]string, n)
	for i := range out {
		out[i] = files[i*len(files)/n]
	}
	return out
}

// progress returns a progress bar of n steps on stderr, silent when stderr
// is not a terminal.
func progress(n int, what string) *progressbar.ProgressBar {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return progressbar.DefaultSilent(int64(n), what)
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30))
}

// optimizeJob is the input and output of quantize, prune and cluster.
type optimizeJob struct {
	in, out string
	m       *tflite.Model
	before  []byte // the input file
}

// newOptimizeJob checks the command line of quantize, prune or cluster
// (one input model, -o another file) and opens the input.
func newOptimizeJob(fs *flag.FlagSet, out string) (*optimizeJob, error) {
	name := strings.TrimPrefix(fs.Name(), "percept ")
	if fs.NArg() != 1 {
		return nil, usageError{fmt.Sprintf("want one input model, got %d arguments (usage: percept %s [flags] -o OUT.tflite IN.tflite)", fs.NArg(), name)}
	}
	in := fs.Arg(0)
	if out == "" {
		return nil, usageError{"-o OUT.tflite is required"}
	}
	if sameFile(in, out) {
		return nil, usageError{fmt.Sprintf("-o %s is the input model: write another file", out)}
	}
	m, err := tflite.Open(in)
	if err != nil {
		return nil, err
	}
	return &optimizeJob{in: in, out: out, m: m, before: m.Bytes()}, nil
}

// sameFile reports whether paths a and b name the same file (b need not
// exist).
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	return errA == nil && errB == nil && absA == absB
}

// close closes the input model.
func (j *optimizeJob) close() { j.m.Close() }

// widened returns the input with float16 weights widened to float32, so
// that prune and cluster see them, and says so.
func (j *optimizeJob) widened(stdout io.Writer) (*tflite.Model, error) {
	w, rep, err := optimize.Widen(j.m)
	if err != nil {
		return nil, err
	}
	if len(rep.Tensors) > 0 {
		fmt.Fprintf(stdout, "%d FLOAT16 constants widened to FLOAT32 first (%d DEQUANTIZE operators folded)\n", len(rep.Tensors), rep.OpsRemoved)
	}
	return w, nil
}

// write writes m to the output file and prints the file and zip sizes
// before and after.
func (j *optimizeJob) write(stdout io.Writer, m *tflite.Model) error {
	data, err := tflite.Write(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(j.out, data, 0o644); err != nil {
		return err
	}
	zipBefore, err := optimize.ZipSize(j.before)
	if err != nil {
		return err
	}
	zipAfter, err := optimize.ZipSize(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "file %d → %d bytes (%.3f×)\n", len(j.before), len(data), float64(len(data))/float64(len(j.before)))
	fmt.Fprintf(stdout, "zip  %d → %d bytes (%.3f×)\n", zipBefore, zipAfter, float64(zipAfter)/float64(zipBefore))
	return nil
}

// printSkipped lists the tensors a transform left alone.
func printSkipped(w io.Writer, rep *optimize.Report) {
	for _, s := range rep.Skipped {
		fmt.Fprintf(w, "  skipped %q: %s\n", s.Name, s.Reason)
	}
}

// errNothingChanged is the error of prune and cluster when no weight
// tensor qualified.
var errNothingChanged = errors.New("no CONV_2D, TRANSPOSE_CONV or FULLY_CONNECTED float32 weights changed")
