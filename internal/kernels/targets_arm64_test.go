//go:build arm64 && !purego

package kernels

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArm64TargetsFollowFeatures(t *testing.T) {
	targets := Targets()
	t.Logf("targets: %v", targets)
	assert.Equal(t, hasDotProd, slices.Contains(targets, DotProd), "dotprod listed iff the CPU has ASIMDDP")
	assert.Equal(t, hasNeon, slices.Contains(targets, Neon), "neon listed iff the CPU has ASIMD")
	if hasDotProd {
		require.True(t, hasNeon)
		assert.Less(t, slices.Index(targets, DotProd), slices.Index(targets, Neon), "dotprod ranks above neon")
	}
}

func TestArm64TargetsPackTheirKernels(t *testing.T) {
	// The shared tests compare every target with the reference; they test
	// the assembly only if the targets really pack for it.
	r := &Requant{Multiplier: make([]int32, 16), Shift: make([]int, 16), ActMax: 255}
	want := map[string]packing{FP16: packDot, DotProd: packDot, Neon: packNeon, Generic: packNone}
	for _, target := range Targets() {
		k := NewPointwiseQ(target, r, 5, 1, make([]uint8, 5), nil)
		assert.Equal(t, want[target], k.packing, target)
		p := &ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 1}
		s := Shape4{1, 3, 3, 16}
		d := NewDepthwiseQ(target, p, r, s, s, s, make([]uint8, 9*16), nil)
		assert.Equal(t, target != Generic, d.isa == dwNeon, target)
	}
}
