package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/percept-robotics/percept/quant/optimize"
	"github.com/percept-robotics/percept/tflite"
)

// quantizeModes are the -mode values of percept quantize the issue plans,
// and whether each is implemented.
var quantizeModes = []struct {
	name string
	done bool
}{{"fp16", true}, {"dynamic", false}, {"int8", false}}

// quantizeCmd is `percept quantize -mode fp16 -o OUT IN`.
func quantizeCmd(args []string, stdout io.Writer) error {
	fs := newFlags("quantize")
	mode := fs.String("mode", "", "quantization: fp16 (float16 weights); dynamic and int8 are not implemented yet")
	out := fs.String("o", "", "the `file` to write (required; not the input)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	var names, done []string
	known := false
	for _, m := range quantizeModes {
		names = append(names, m.name)
		if m.done {
			done = append(done, m.name)
		}
		if m.name == *mode {
			known = true
			if !m.done {
				return usageError{fmt.Sprintf("-mode %s is not implemented yet (implemented: %s)", *mode, strings.Join(done, ", "))}
			}
		}
	}
	if !known {
		return usageError{fmt.Sprintf("-mode %q: want one of %s (implemented: %s)", *mode, strings.Join(names, ", "), strings.Join(done, ", "))}
	}
	job, err := newOptimizeJob(fs, *out)
	if err != nil {
		return err
	}
	defer job.close()
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
