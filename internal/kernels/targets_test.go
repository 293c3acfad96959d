package kernels

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveTarget(t *testing.T) {
	t.Setenv("PERCEPT_KERNELS", "")
	got, err := ResolveTarget("")
	require.NoError(t, err)
	assert.False(t, Lossy(got), "the default is never a lossy target")
	for _, better := range Targets() {
		if better == got {
			break
		}
		assert.True(t, Lossy(better), "%s ranks above the default %s", better, got)
	}
	assert.True(t, Lossy(FP16))
	assert.False(t, Lossy(Generic))
	got, err = ResolveTarget(Generic)
	require.NoError(t, err)
	assert.Equal(t, Generic, got)
	_, err = ResolveTarget("avx9000")
	assert.ErrorContains(t, err, `target "avx9000" is not available`)
	t.Setenv("PERCEPT_KERNELS", "nosuch")
	_, err = ResolveTarget("")
	assert.ErrorContains(t, err, `"nosuch"`)
}
