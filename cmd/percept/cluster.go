package main

import (
	"fmt"
	"io"

	"github.com/percept-robotics/percept/quant/optimize"
)

// clusterCmd is `percept cluster -clusters N -o OUT IN`.
func clusterCmd(args []string, stdout io.Writer) error {
	fs := newFlags("cluster")
	clusters := fs.Int("clusters", 16, fmt.Sprintf("the distinct values each weight tensor keeps, %d to %d", optimize.MinClusters, optimize.MaxClusters))
	out := fs.String("o", "", "the `file` to write (required; not the input)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if *clusters < optimize.MinClusters || *clusters > optimize.MaxClusters {
		return usageError{fmt.Sprintf("-clusters %d is outside [%d, %d]", *clusters, optimize.MinClusters, optimize.MaxClusters)}
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
	c, rep, err := optimize.Cluster(m, *clusters)
	if err != nil {
		return err
	}
	if len(rep.Tensors) == 0 {
		printSkipped(stdout, rep)
		return fmt.Errorf("%s: %w", job.in, errNothingChanged)
	}
	fmt.Fprintf(stdout, "cluster %d: %s → %s\n", *clusters, job.in, job.out)
	fmt.Fprintf(stdout, "%d weight tensors clustered:\n", len(rep.Tensors))
	for _, t := range rep.Tensors {
		fmt.Fprintf(stdout, "  %q %v: %d distinct values, %.1f%% zeros\n", t.Name, t.Shape, t.Distinct, 100*t.Sparsity())
	}
	printSkipped(stdout, rep)
	return job.write(stdout, c)
}
