//go:build arm64 && !purego

package kernels

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFP16TargetFollowsFeatures(t *testing.T) {
	targets := Targets()
	assert.Equal(t, hasFP16, slices.Contains(targets, FP16), "fp16 listed iff the CPU has FPHP and ASIMDHP")
	t.Setenv("PERCEPT_KERNELS", "")
	def, err := ResolveTarget("")
	require.NoError(t, err)
	assert.NotEqual(t, FP16, def, "fp16 is never chosen by default")
	got, err := ResolveTarget(FP16)
	if hasFP16 {
		require.NoError(t, err)
		assert.Equal(t, FP16, got)
		assert.Equal(t, DotProd, def)
	} else {
		assert.ErrorContains(t, err, `target "fp16" is not available`)
	}
}
