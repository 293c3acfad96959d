package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/percept-robotics/percept/internal/kernels"
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
	m, err := tflite.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer m.Close()
	if len(m.Subgraphs) == 0 {
		return fmt.Errorf("%s: the model has no subgraph", fs.Arg(0))
	}
	fmt.Fprintf(stdout, "model %s: schema version %d, %d subgraph(s), %d buffers", fs.Arg(0), m.Version, len(m.Subgraphs), len(m.Buffers))
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
	counts := map[string]int{}
	for _, op := range sg.Operators {
		code := m.OperatorCodes[op.OpcodeIndex]
		name := code.Builtin.String()
		if code.Builtin == tflite.OpCustom {
			name = "custom " + code.CustomCode
		}
		counts[fmt.Sprintf("%s v%d", name, code.Version)]++
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(stdout, "operators (%d):\n", len(sg.Operators))
	for _, n := range names {
		fmt.Fprintf(stdout, "  %4d  %s\n", counts[n], n)
	}
	if err := printMetadata(stdout, m); err != nil {
		return err
	}
	it, err := nn.New(m, &nn.Options{Threads: 1})
	if err != nil {
		fmt.Fprintf(stdout, "percept cannot run it: %v\n", err)
		return nil
	}
	defer it.Close()
	mem := it.Memory()
	fmt.Fprintf(stdout, "percept runs it: arena %d bytes (tensors %d bytes, lower bound %d bytes), %.1f MMACs\n",
		mem.ArenaBytes, mem.TensorBytes, mem.LowerBoundBytes, float64(it.MACs())/1e6)
	fmt.Fprintf(stdout, "kernels: %s (this CPU: %s; PERCEPT_KERNELS or -kernels in bench picks another)\n",
		it.Kernels(), strings.Join(kernels.Targets(), ", "))
	return nil
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
