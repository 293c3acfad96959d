package optimize

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/percept-robotics/percept/tflite"
)

// Pattern is the shape of the zeros Prune makes.
type Pattern int

// The pruning patterns.
const (
	// Unstructured zeroes the smallest-magnitude weights of each tensor,
	// wherever they are.
	Unstructured Pattern = iota
	// TwoFour zeroes the 2 smallest-magnitude weights of every 4
	// consecutive weights along the input-channel axis (the last axis of
	// CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED weights): 50 % sparsity
	// that sparse tensor cores run fast.
	TwoFour
)

// String returns "unstructured" or "2:4".
func (p Pattern) String() string {
	switch p {
	case Unstructured:
		return "unstructured"
	case TwoFour:
		return "2:4"
	}
	return fmt.Sprintf("Pattern(%d)", int(p))
}

// Prune returns m with the weights of its CONV_2D, TRANSPOSE_CONV and
// FULLY_CONNECTED operators magnitude-pruned, as TF-MOT's pruning leaves a
// model after strip_pruning (without the fine-tuning that recovers
// accuracy): an ordinary float model with zeros.
//
// Unstructured: in each weight tensor of n elements, the n − k weights
// of smallest magnitude become 0, with k = max(round(n × (1 − sparsity)),
// 1) as TF-MOT computes it (ties broken by position, so the count is
// exact). TwoFour requires sparsity 0.5; tensors whose input-channel count
// is not a multiple of 4 are skipped. Biases and depthwise weights are not
// pruned (TF-MOT does not prune them either).
func Prune(m *tflite.Model, sparsity float64, pattern Pattern) (*tflite.Model, *Report, error) {
	if !(sparsity >= 0 && sparsity < 1) {
		return nil, nil, fmt.Errorf("optimize: sparsity %v is outside [0, 1)", sparsity)
	}
	switch pattern {
	case Unstructured:
	case TwoFour:
		if sparsity != 0.5 {
			return nil, nil, fmt.Errorf("optimize: the 2:4 pattern means sparsity 0.5, not %v", sparsity)
		}
	default:
		return nil, nil, fmt.Errorf("optimize: unknown pruning pattern %v", pattern)
	}
	e, err := newEditor(m)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{}
	for _, w := range e.weights(rep) {
		e.rewrite(rep, w, func(t *tflite.Tensor, v []float32) string {
			if pattern == TwoFour {
				return pruneTwoFour(t.Shape, v)
			}
			pruneSmallest(v, sparsity)
			return ""
		})
	}
	return e.finish(), rep, nil
}

// pruneSmallest zeroes the len(v) − k values of smallest magnitude, with
// k = max(round(len(v) × (1 − sparsity)), 1).
func pruneSmallest(v []float32, sparsity float64) {
	n := len(v)
	if n == 0 {
		return
	}
	keep := max(int(math.Round(float64(n)*(1-sparsity))), 1)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(math.Abs(float64(v[a])), math.Abs(float64(v[b])))
	})
	for _, i := range order[:n-keep] {
		v[i] = 0
	}
}

// pruneTwoFour zeroes the 2 smallest-magnitude values of each group of 4
// along the last axis of shape, or returns why it cannot.
func pruneTwoFour(shape []int32, v []float32) string {
	if len(shape) == 0 || shape[len(shape)-1]%4 != 0 {
		return fmt.Sprintf("input-channel axis of shape %v is not a multiple of 4", shape)
	}
	for g := 0; g+4 <= len(v); g += 4 {
		group := v[g : g+4]
		idx := [4]int{0, 1, 2, 3}
		slices.SortStableFunc(idx[:], func(a, b int) int {
			return cmp.Compare(math.Abs(float64(group[a])), math.Abs(float64(group[b])))
		})
		group[idx[0]], group[idx[1]] = 0, 0
	}
	return ""
}
