package nn

import (
	"context"
	"fmt"
	"io"
	"runtime/pprof"
	"text/tabwriter"
	"time"
)

// OpProfile is the measured cost of one operator.
type OpProfile struct {
	Index int           // position in the subgraph's operator list
	Op    string        // operator type, or custom code
	Shape []int         // shape of its first output
	MACs  int64         // multiply-accumulates per invocation
	Time  time.Duration // mean time per invocation
	Share float64       // fraction of the time of all operators
}

// profiler accumulates per-operator times across invocations.
type profiler struct {
	total  []time.Duration
	runs   int
	labels []context.Context // per operator: pprof labels naming its type
}

func newProfiler(ops []*op) *profiler {
	p := &profiler{total: make([]time.Duration, len(ops)), labels: make([]context.Context, len(ops))}
	for i, o := range ops {
		p.labels[i] = pprof.WithLabels(context.Background(), pprof.Labels("op", o.name))
	}
	return p
}

// invoke is InvokeContext with timing and pprof labels, set on the calling
// goroutine and on the workers that share an operator.
func (p *profiler) invoke(ctx context.Context, it *Interpreter) error {
	defer pprof.SetGoroutineLabels(ctx)
	cancellable := ctx.Done() != nil
	for i, o := range it.ops {
		if cancellable {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pprof.SetGoroutineLabels(p.labels[i])
		it.pool.labels = p.labels[i]
		start := time.Now()
		err := it.runOp(o)
		p.total[i] += time.Since(start)
		if err != nil {
			return err
		}
	}
	p.runs++
	return nil
}

// Profile returns the mean time of every operator over the invocations
// since the interpreter was built or ResetProfile was called, in execution
// order. It is nil unless Options.Profile was set.
func (it *Interpreter) Profile() []OpProfile {
	if it.prof == nil {
		return nil
	}
	var sum time.Duration
	for _, d := range it.prof.total {
		sum += d
	}
	out := make([]OpProfile, len(it.ops))
	for i, o := range it.ops {
		var mean time.Duration
		if it.prof.runs > 0 {
			mean = it.prof.total[i] / time.Duration(it.prof.runs)
		}
		share := 0.0
		if sum > 0 {
			share = float64(it.prof.total[i]) / float64(sum)
		}
		var shape []int
		if outs := it.model.Subgraphs[it.subgraph].Operators[o.index].Outputs; len(outs) > 0 && outs[0] >= 0 {
			shape = it.tensors[outs[0]].Shape
		}
		out[i] = OpProfile{Index: o.index, Op: o.name, Shape: shape, MACs: o.macs, Time: mean, Share: share}
	}
	return out
}

// ResetProfile clears the accumulated operator times.
func (it *Interpreter) ResetProfile() {
	if it.prof != nil {
		clear(it.prof.total)
		it.prof.runs = 0
	}
}

// WriteProfile prints a profile as a table: operator, type, output shape,
// MACs, mean time and share of the total.
func WriteProfile(w io.Writer, profile []OpProfile) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\ttype\tshape\tMMACs\ttime\tshare\t")
	for _, p := range profile {
		fmt.Fprintf(tw, "%d\t%s\t%v\t%.2f\t%v\t%.1f%%\t\n", p.Index, p.Op, p.Shape, float64(p.MACs)/1e6, p.Time.Round(time.Microsecond), 100*p.Share)
	}
	return tw.Flush()
}
