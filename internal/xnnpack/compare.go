//go:build xnnpack

package xnnpack

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/percept-robotics/percept/internal/kernels"
	"github.com/percept-robotics/percept/nn"
	"github.com/percept-robotics/percept/tflite"
)

// Options configure Compare. The zero value (or nil) times percept's best
// kernel target on one thread over 10 runs.
type Options struct {
	Kernels []string // percept kernel targets to time; empty means the best available
	Threads int      // threads of both engines; 0 means 1
	Runs    int      // timed runs per kernel target, after one warm-up; 0 means 10
	Seed    uint64   // seed of the random inputs
	ISA     ISA      // what XNNPACK may use (see NewNetwork)
}

// LayerResult is the comparison of one layer.
type LayerResult struct {
	Layer
	XNNPACK time.Duration   // median time of the XNNPACK operator
	Percept []time.Duration // median time of percept's operator, per target of Result.Kernels
	Agreement
}

// Result is the comparison of one model.
type Result struct {
	Kernels []string // percept kernel targets, in the order of the Percept slices
	Threads int
	Runs    int
	// ISA is what XNNPACK was limited to, and XNNPACKAVX512 whether it
	// could use AVX-512.
	ISA           ISA
	XNNPACKAVX512 bool
	Layers        []LayerResult
	Skipped       []Skip
	// XNNPACK is the sum of the layers' median XNNPACK times.
	XNNPACK time.Duration
	// Percept is, per target, the sum of the layers' median percept times.
	Percept []time.Duration
	// PerceptModel is, per target, the median time of a whole percept
	// inference, every operator included.
	PerceptModel []time.Duration
}

// Ratio returns percept's time over XNNPACK's on the compared layers for
// target k of r.Kernels, or 0 when nothing was compared.
func (r *Result) Ratio(k int) float64 {
	if r.XNNPACK <= 0 {
		return 0
	}
	return float64(r.Percept[k]) / float64(r.XNNPACK)
}

// Compare times the convolutions and fully connected layers of m's main
// subgraph in percept's interpreter (one per kernel target, profiling every
// operator) and in XNNPACK, in alternating runs so that both see the same
// machine load, and checks each XNNPACK layer against percept's portable
// reference kernel (see Network.Check).
func Compare(m *tflite.Model, opts *Options) (*Result, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	o.Threads = max(o.Threads, 1)
	if o.Runs == 0 {
		o.Runs = 10
	}
	if o.Runs < 1 {
		return nil, fmt.Errorf("xnnpack: %d runs", o.Runs)
	}
	if len(o.Kernels) == 0 {
		o.Kernels = []string{""}
	}
	targets := make([]string, len(o.Kernels))
	for k, name := range o.Kernels {
		t, err := kernels.ResolveTarget(name)
		if err != nil {
			return nil, err
		}
		targets[k] = t
	}
	net, err := NewNetwork(m, o.Threads, o.ISA)
	if err != nil {
		return nil, err
	}
	defer net.Close()
	agreements, err := net.Check(o.Seed)
	if err != nil {
		return nil, err
	}
	res := &Result{Kernels: targets, Threads: o.Threads, Runs: o.Runs, ISA: o.ISA, XNNPACKAVX512: seesAVX512(), Skipped: net.Skipped()}
	xnnSamples := make([][]time.Duration, len(net.layers))
	res.Layers = make([]LayerResult, len(net.layers))
	for i, l := range net.layers {
		res.Layers[i] = LayerResult{Layer: l.Layer, Percept: make([]time.Duration, len(targets)), Agreement: agreements[i]}
	}
	for k, target := range targets {
		perLayer, model, err := timeTarget(m, net, target, &o, xnnSamples)
		if err != nil {
			return nil, fmt.Errorf("kernels %s: %w", target, err)
		}
		for i, d := range perLayer {
			res.Layers[i].Percept[k] = d
		}
		res.PerceptModel = append(res.PerceptModel, model)
	}
	res.Percept = make([]time.Duration, len(targets))
	for i := range res.Layers {
		r := &res.Layers[i]
		r.XNNPACK = median(xnnSamples[i])
		res.XNNPACK += r.XNNPACK
		for k, d := range r.Percept {
			res.Percept[k] += d
		}
	}
	return res, nil
}

// timeTarget runs percept's interpreter with one kernel target and the
// network alternately, o.Runs times after a warm-up. It returns percept's
// median time per network layer and per whole inference, and appends the
// network's times to xnnSamples.
func timeTarget(m *tflite.Model, net *Network, target string, o *Options, xnnSamples [][]time.Duration) ([]time.Duration, time.Duration, error) {
	it, err := nn.New(m, &nn.Options{Kernels: target, Threads: o.Threads, Profile: true})
	if err != nil {
		return nil, 0, err
	}
	defer it.Close()
	fillInputs(it, rand.New(rand.NewPCG(o.Seed, 1)))
	xnnTimes := make([]time.Duration, len(net.layers))
	if err := it.Invoke(); err != nil {
		return nil, 0, err
	}
	if err := net.RunTimed(xnnTimes); err != nil {
		return nil, 0, err
	}
	// position maps each network layer to its operator in the profile.
	position := make([]int, len(net.layers))
	profile := it.Profile()
	for i, l := range net.layers {
		position[i] = slices.IndexFunc(profile, func(p nn.OpProfile) bool { return p.Index == l.Index })
		if position[i] < 0 {
			return nil, 0, fmt.Errorf("operator %d is not in percept's profile", l.Index)
		}
	}
	perceptSamples := make([][]time.Duration, len(net.layers))
	modelSamples := make([]time.Duration, o.Runs)
	for run := range o.Runs {
		it.ResetProfile()
		start := time.Now()
		if err := it.Invoke(); err != nil {
			return nil, 0, err
		}
		modelSamples[run] = time.Since(start)
		profile = it.Profile()
		for i, p := range position {
			perceptSamples[i] = append(perceptSamples[i], profile[p].Time)
		}
		if err := net.RunTimed(xnnTimes); err != nil {
			return nil, 0, err
		}
		for i, d := range xnnTimes {
			xnnSamples[i] = append(xnnSamples[i], d)
		}
	}
	perLayer := make([]time.Duration, len(net.layers))
	for i, s := range perceptSamples {
		perLayer[i] = median(s)
	}
	return perLayer, median(modelSamples), nil
}

// fillInputs gives the interpreter's inputs random values: any byte for
// quantized inputs, [−1, 1] for float ones.
func fillInputs(it *nn.Interpreter, rng *rand.Rand) {
	for _, t := range it.Inputs() {
		switch t.Type {
		case tflite.TypeUint8, tflite.TypeInt8:
			b := t.Bytes()
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
		case tflite.TypeFloat32:
			f := t.Float32s()
			for i := range f {
				f[i] = float32(2*rng.Float64() - 1)
			}
		}
	}
}

// median returns the median of samples (the upper one of an even count).
func median(samples []time.Duration) time.Duration {
	if len(samples) == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	return s[len(s)/2]
}
