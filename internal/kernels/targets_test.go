package kernels

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveTarget(t *testing.T) {
	got, err := ResolveTarget("")
	require.NoError(t, err)
	assert.False(t, Lossy(got), "the default is never a lossy target")
	for _, better := range Targets() {
		if better == got {
			break
		}
		assert.True(t, Lossy(better), "%s ranks above the default %s", better, got)
	}
	assert.Equal(t, slices.Contains(Targets(), FP16), Lossy(FP16), "fp16 is lossy where it runs")
	assert.False(t, Lossy(Generic))
	got, err = ResolveTarget(Generic)
	require.NoError(t, err)
	assert.Equal(t, Generic, got)
	_, err = ResolveTarget("avx9000")
	assert.ErrorContains(t, err, `target "avx9000" is not available`)
	if !slices.Contains(Targets(), FP16) {
		_, err = ResolveTarget(FP16)
		assert.ErrorContains(t, err, `target "fp16" is not available`)
	}
}

func TestTargetsEndWithGeneric(t *testing.T) {
	targets := Targets()
	assert.Equal(t, Generic, targets[len(targets)-1])
	for _, target := range targets {
		got, err := ResolveTarget(target)
		require.NoError(t, err)
		assert.Equal(t, target, got)
		assert.Same(t, lookupTarget(target), lookupTarget(got))
	}
	assert.Same(t, generic, lookupTarget("avx9000"), "an unknown target runs the portable kernels")
}
