package main

import (
	"fmt"
	"io"
	"math"

	"github.com/percept-robotics/percept/quant/optimize"
)

// pruneCmd is `percept prune -sparsity S [-pattern 2:4] -o OUT IN`.
func pruneCmd(args []string, stdout io.Writer) error {
	fs := newFlags("prune")
	sparsity := fs.Float64("sparsity", 0.5, "the fraction of each weight tensor set to zero, in [0, 1) (the 2:4 pattern means 0.5)")
	patternName := fs.String("pattern", "unstructured", "where the zeros go: unstructured (the smallest weights of each tensor) or 2:4 (2 of every 4 along the input channels)")
	out := fs.String("o", "", "the `file` to write (required; not the input)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if !(*sparsity >= 0 && *sparsity < 1) || math.IsNaN(*sparsity) {
		return usageError{fmt.Sprintf("-sparsity %v is outside [0, 1)", *sparsity)}
	}
	var pattern optimize.Pattern
	switch *patternName {
	case "unstructured":
		pattern = optimize.Unstructured
	case "2:4":
		pattern = optimize.TwoFour
		if *sparsity != 0.5 {
			return usageError{fmt.Sprintf("-pattern 2:4 means -sparsity 0.5, not %v", *sparsity)}
		}
	default:
		return usageError{fmt.Sprintf("-pattern %q: want unstructured or 2:4", *patternName)}
	}
	job, err := newOptimizeJob(fs, *out)
	if err != nil {
		return err
	}
	defer job.close()
	m, err := job.widened(stdout)
	if err != nil {
		return err
	}
	p, rep, err := optimize.Prune(m, *sparsity, pattern)
	if err != nil {
		return err
	}
	if len(rep.Tensors) == 0 {
		printSkipped(stdout, rep)
		return fmt.Errorf("%s: %w", job.in, errNothingChanged)
	}
	fmt.Fprintf(stdout, "prune %s %.1f%%: %s → %s\n", pattern, 100**sparsity, job.in, job.out)
	fmt.Fprintf(stdout, "%d weight tensors pruned:\n", len(rep.Tensors))
	for _, c := range rep.Tensors {
		fmt.Fprintf(stdout, "  %q %v: %.1f%% zeros\n", c.Name, c.Shape, 100*c.Sparsity())
	}
	printSkipped(stdout, rep)
	return job.write(stdout, p)
}
