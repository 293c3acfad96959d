package testmodels

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Reference is an external TFLite runtime that tests run a model through:
// Arm NN 20.08's TFLite parser (../shared/tools/armnn_ref.py) or LiteRT.js,
// TFLite compiled to WebAssembly (../shared/tools/litertjs, run by node).
type Reference struct {
	// Name is "Arm NN" or "LiteRT.js".
	Name string
	// command runs the tool on model, writing the outputs of each input
	// file <stem>.npy as outdir/<stem>.output_<k>.npy.
	command func(model, outdir string, inputs []string) *exec.Cmd
}

// ArmNN returns Arm NN's reference runtime, skipping tb unless
// PERCEPT_ARMNN=1, the test is not -short, ../shared/tools/armnn_ref.py
// exists and python3 imports pyarmnn (Debian's python3-pyarmnn; its CpuRef
// backend takes about a minute on a MobileNet). Arm NN 20.08 loads no
// FLOAT16 weights.
func ArmNN(tb testing.TB) *Reference {
	tb.Helper()
	ref, reason := armNN()
	if ref == nil {
		tb.Skip(reason)
	}
	return ref
}

// LiteRTJS returns LiteRT.js as a reference runtime, skipping tb unless the
// test is not -short and PERCEPT_LITERTJS names a copy of
// ../shared/tools/litertjs in which `npm install` has been run. LiteRT.js
// 2.5.3 feeds float32, int32 and uint8 inputs only: int8-input models
// cannot run there.
func LiteRTJS(tb testing.TB) *Reference {
	tb.Helper()
	ref, reason := liteRTJS()
	if ref == nil {
		tb.Skip(reason)
	}
	return ref
}

// References returns every reference runtime that is available, logging
// why each missing one is left out; it skips tb when there is none.
func References(tb testing.TB) []*Reference {
	tb.Helper()
	var refs []*Reference
	for _, get := range []func() (*Reference, string){armNN, liteRTJS} {
		if ref, reason := get(); ref != nil {
			refs = append(refs, ref)
		} else {
			tb.Logf("reference left out: %s", reason)
		}
	}
	if len(refs) == 0 {
		tb.Skip("no reference runtime: set PERCEPT_ARMNN=1 and/or PERCEPT_LITERTJS (not in -short)")
	}
	return refs
}

// armNN returns Arm NN, or nil and why it is unavailable.
func armNN() (*Reference, string) {
	if testing.Short() || os.Getenv("PERCEPT_ARMNN") != "1" {
		return nil, "set PERCEPT_ARMNN=1 to run Arm NN (not in -short)"
	}
	script, err := toolPath("armnn_ref.py")
	if err != nil {
		return nil, err.Error()
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import pyarmnn").Run(); err != nil {
		return nil, "python3-pyarmnn is not installed (apt-get install python3-pyarmnn libarmnn-cpuref-backend22 libarmnntfliteparser22 python3-pil)"
	}
	return &Reference{Name: "Arm NN", command: func(model, outdir string, inputs []string) *exec.Cmd {
		return exec.Command("/usr/bin/python3", append([]string{script, model, outdir}, inputs...)...)
	}}, ""
}

// liteRTJS returns LiteRT.js, or nil and why it is unavailable.
func liteRTJS() (*Reference, string) {
	if testing.Short() {
		return nil, "runs LiteRT.js: not in -short"
	}
	dir := os.Getenv("PERCEPT_LITERTJS")
	if dir == "" {
		return nil, "set PERCEPT_LITERTJS to a copy of shared/tools/litertjs with node_modules to run LiteRT.js"
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@litertjs", "core")); err != nil {
		return nil, fmt.Sprintf("no @litertjs/core under %s: run npm install there", dir)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return nil, "node is not installed: cannot run LiteRT.js"
	}
	return &Reference{Name: "LiteRT.js", command: func(model, outdir string, inputs []string) *exec.Cmd {
		cmd := exec.Command("node", append([]string{"litert_oracle.mjs", model, outdir}, inputs...)...)
		cmd.Dir = dir
		return cmd
	}}, ""
}

// ToolPath returns ../shared/tools/<name>, skipping tb when it is absent.
func ToolPath(tb testing.TB, name string) string {
	tb.Helper()
	p, err := toolPath(name)
	if err != nil {
		tb.Skip(err.Error())
	}
	return p
}

// toolPath returns ../shared/tools/<name> or why it is not there.
func toolPath(name string) (string, error) {
	root := Root()
	if root == "" {
		return "", fmt.Errorf("../shared is not beside the repository (set PERCEPT_SHARED): skipping a test on the reference tools")
	}
	p := filepath.Join(root, "..", "tools", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no %s: skipping", p)
	}
	return p, nil
}

// Run runs model through the runtime on each input .npy file (fed as it
// is) and returns the paths of the output .npy files it wrote, in a
// temporary folder of tb: out[i][k] is output k, in the model's output
// order, of inputs[i] (read them with internal/npy, which this package
// cannot import: npy's own tests use this package). It fails tb when the
// runtime fails.
func (r *Reference) Run(tb testing.TB, model string, inputs ...string) [][]string {
	tb.Helper()
	out, err := r.TryRun(tb, model, inputs...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// TryRun is Run returning the runtime's failure (a model it refuses, say:
// the error ends with the tool's last output lines) instead of failing
// tb.
func (r *Reference) TryRun(tb testing.TB, model string, inputs ...string) ([][]string, error) {
	tb.Helper()
	tmp := tb.TempDir()
	// Copies named in<i>.npy give both tools the same output stems.
	staged := make([]string, len(inputs))
	for i, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Name, err)
		}
		staged[i] = filepath.Join(tmp, fmt.Sprintf("in%d.npy", i))
		if err := os.WriteFile(staged[i], data, 0o600); err != nil {
			return nil, fmt.Errorf("%s: %w", r.Name, err)
		}
	}
	outdir := filepath.Join(tmp, "out")
	abs, err := filepath.Abs(model)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Name, err)
	}
	if output, err := r.command(abs, outdir, staged).CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(output)), "\n")
		return nil, fmt.Errorf("%s on %s: %w: %s", r.Name, filepath.Base(model), err, strings.Join(lines[max(0, len(lines)-3):], " | "))
	}
	out := make([][]string, len(inputs))
	for i := range inputs {
		for k := 0; ; k++ {
			p := filepath.Join(outdir, fmt.Sprintf("in%d.output_%d.npy", i, k))
			if _, err := os.Stat(p); err != nil {
				break
			}
			out[i] = append(out[i], p)
		}
		if len(out[i]) == 0 {
			return nil, fmt.Errorf("%s wrote no outputs for %s", r.Name, inputs[i])
		}
	}
	return out, nil
}
