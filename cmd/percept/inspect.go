package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/percept-robotics/percept/models"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

func inspectCmd(args []string, stdout io.Writer) error {
	fs := newFlags("inspect")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"usage: percept inspect MODEL.tflite"}
	}
	path := fs.Arg(0)
	m, err := tflite.Open(path)
	if err != nil {
		return err
	}
	defer m.Close()
	if len(m.Subgraphs) == 0 {
		return fmt.Errorf("%s: the model has no subgraph", path)
	}
	fmt.Fprintf(stdout, "model %s: schema version %d, %d subgraph(s), %d buffers", path, m.Version, len(m.Subgraphs), len(m.Buffers))
	if m.Description != "" {
		fmt.Fprintf(stdout, ", %q", m.Description)
	}
	fmt.Fprintln(stdout)
	sg := &m.Subgraphs[0]
	fmt.Fprintln(stdout, "inputs:")
	for _, i := range sg.Inputs {
		printTensor(stdout, &sg.Tensors[i], int(i))
	}
	fmt.Fprintln(stdout, "outputs:")
	for _, i := range sg.Outputs {
		printTensor(stdout, &sg.Tensors[i], int(i))
	}
	it, runErr := nn.New(m, &nn.Options{Threads: 1})
	var unsupported *nn.UnsupportedError
	errors.As(runErr, &unsupported)
	printOperators(stdout, m, sg, unsupported)
	if err := printMetadata(stdout, m); err != nil {
		if it != nil {
			it.Close()
		}
		return err
	}
	printTasks(stdout, m, runErr == nil)
	if runErr != nil {
		why := runErr.Error()
		if unsupported != nil {
			names := make([]string, len(unsupported.Ops))
			for i, op := range unsupported.Ops {
				names[i] = fmt.Sprintf("%s v%d", op.Name, op.Version)
			}
			noun := "operators"
			if len(names) == 1 {
				noun = "operator"
			}
			why = fmt.Sprintf("%d unsupported %s (%s)", len(names), noun, strings.Join(names, ", "))
		}
		fmt.Fprintf(stdout, "percept cannot run it: %s\n", why)
		if unsupported != nil && unsupported.EdgeTPU {
			fmt.Fprintln(stdout, edgeTPUHint)
		}
		return fmt.Errorf("%s: percept cannot run this model: %s", path, why)
	}
	defer it.Close()
	mem := it.Memory()
	fmt.Fprintf(stdout, "percept runs it: arena %d bytes (tensors %d bytes, lower bound %d bytes), %.1f MMACs\n",
		mem.ArenaBytes, mem.TensorBytes, mem.LowerBoundBytes, float64(it.MACs())/1e6)
	fmt.Fprintf(stdout, "kernels: %s (this CPU: %s; PERCEPT_KERNELS or -kernels in bench picks another)\n",
		it.Kernels(), strings.Join(nn.KernelTargets(), ", "))
	return nil
}

// edgeTPUHint is inspect's advice on a model compiled for the Edge TPU.
const edgeTPUHint = `hint: this model was compiled for a Coral Edge TPU: its layers sit inside an
  "edgetpu-custom-op" that only the Edge TPU runs. Run it there with -edgetpu usb
  (or pci) in a percept built with -tags edgetpu, where Coral's libedgetpu1-std
  is installed. On the CPU, use the model as it was before edgetpu_compiler
  (often the same file name without "_edgetpu"), or give that as -fallback.`

// printOperators lists the operators of sg by name and version with their
// counts, marking those percept does not support, and then the reasons.
func printOperators(w io.Writer, m *tflite.Model, sg *tflite.Subgraph, unsupported *nn.UnsupportedError) {
	type opKey struct {
		name    string
		version int32
	}
	counts := map[opKey]int{}
	for _, op := range sg.Operators {
		code := m.OperatorCodes[op.OpcodeIndex]
		counts[opKey{opName(code), code.Version}]++
	}
	keys := make([]opKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].name != keys[j].name {
			return keys[i].name < keys[j].name
		}
		return keys[i].version < keys[j].version
	})
	bad := map[opKey]bool{}
	if unsupported != nil {
		for _, op := range unsupported.Ops {
			bad[opKey{op.Name, op.Version}] = true
		}
	}
	fmt.Fprintf(w, "operators (%d):\n", len(sg.Operators))
	for _, k := range keys {
		mark := ""
		if bad[k] {
			mark = "  " + unsupportedMark
		}
		fmt.Fprintf(w, "  %4d  %s v%d%s\n", counts[k], k.name, k.version, mark)
	}
	if unsupported == nil {
		return
	}
	fmt.Fprintf(w, "unsupported operators (%d):\n", len(unsupported.Ops))
	for _, op := range unsupported.Ops {
		fmt.Fprintf(w, "  %4d  %s v%d", op.Count, op.Name, op.Version)
		if op.Reason != "" {
			fmt.Fprintf(w, ": %s", op.Reason)
		}
		fmt.Fprintln(w)
	}
}

// unsupportedMark follows each operator row percept cannot run.
const unsupportedMark = "<- not supported by percept"

// opName is an operator code's name as inspect prints it: the builtin's
// name, or "custom NAME".
func opName(code tflite.OperatorCode) string {
	if code.Builtin == tflite.OpCustom {
		return "custom " + code.CustomCode
	}
	return code.Builtin.String()
}

// printTasks says which percept tasks fit the model's inputs and outputs,
// or why none does.
func printTasks(w io.Writer, m *tflite.Model, runs bool) {
	var fits []models.Task
	reasons := map[models.Task]error{}
	for _, t := range models.Tasks() {
		if err := models.CheckTask(m, t); err != nil {
			reasons[t] = err
		} else {
			fits = append(fits, t)
		}
	}
	if len(fits) == 0 {
		fmt.Fprintln(w, "task: none yet (percept run still runs the model on raw tensors)")
		for _, t := range models.Tasks() {
			fmt.Fprintf(w, "  %s: %v\n", t, reasons[t])
		}
		return
	}
	for _, t := range fits {
		fmt.Fprintf(w, "task: %s (%s)", t, taskEntry(t))
		if !runs {
			fmt.Fprint(w, ", once percept supports its operators")
		}
		fmt.Fprintln(w)
	}
}

// taskEntry names the API and the command that run task t.
func taskEntry(t models.Task) string {
	switch t {
	case models.TaskDetector:
		return "models.NewDetector, percept detect"
	case models.TaskClassifier:
		return "models.NewClassifier, percept classify"
	case models.TaskFaces:
		return "models.NewFaceDetector, percept faces"
	case models.TaskPose:
		return "models.NewPoseEstimator, percept pose"
	}
	return "models"
}

func printTensor(w io.Writer, t *tflite.Tensor, index int) {
	fmt.Fprintf(w, "  %d %q %s %v", index, t.Name, t.Type, t.Shape)
	if q := t.Quantization; q != nil && len(q.Scale) > 0 {
		if len(q.Scale) == 1 {
			zp := int64(0)
			if len(q.ZeroPoint) > 0 {
				zp = q.ZeroPoint[0]
			}
			fmt.Fprintf(w, " scale %g zero point %d", q.Scale[0], zp)
		} else {
			fmt.Fprintf(w, " %d scales along dimension %d", len(q.Scale), q.QuantizedDimension)
		}
	}
	fmt.Fprintln(w)
}

func printMetadata(w io.Writer, m *tflite.Model) error {
	md, err := m.ReadMetadata()
	if err != nil {
		return err
	}
	if md == nil {
		fmt.Fprintln(w, "metadata: none")
	} else {
		fmt.Fprintf(w, "metadata: %q version %q by %q, licence %q\n", md.Name, md.Version, md.Author, md.License)
		for _, sg := range md.SubgraphMetadata {
			for _, t := range sg.InputTensorMetadata {
				for _, pu := range t.ProcessUnits {
					if n := pu.Normalization; n != nil {
						fmt.Fprintf(w, "  input %q normalization mean %v std %v\n", t.Name, n.Mean, n.Std)
					}
				}
			}
		}
	}
	files, err := m.AssociatedFiles()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		lines := 0
		for _, c := range files[n] {
			if c == '\n' {
				lines++
			}
		}
		fmt.Fprintf(w, "  associated file %s: %d bytes, %d lines\n", n, len(files[n]), lines)
	}
	return nil
}
