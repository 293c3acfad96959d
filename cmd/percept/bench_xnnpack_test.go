//go:build xnnpack

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
)

func TestBenchCompareXNNPACK(t *testing.T) {
	model := writeFile(t, t.TempDir(), "mobilenet.tflite", assets.ClassifierModel)
	args := []string{"bench", "-compare", "xnnpack", "-model", model, "-kernels", "generic", "-threads", "1", "-n", "1"}

	r := runCLI(t, args...)
	requireSuccess(t, r)
	// MobileNet v1 has 15 convolutions (the 3×3 stem, 13 pointwise ones and
	// the 1×1 logits) and 13 depthwise ones.
	isa := "without AVX-512"
	if cpuid.CPU.Supports(cpuid.AVX512F) {
		isa = "with AVX-512"
	}
	assert.Contains(t, r.stdout, "mobilenet: percept vs xnnpack (XNNPACK "+isa+") per layer, 1 thread(s), median of 1 runs")
	assert.Contains(t, r.stdout, "28 layers")
	assert.Equal(t, 15, strings.Count(r.stdout, " CONV_2D "))
	assert.Equal(t, 13, strings.Count(r.stdout, " DEPTHWISE_CONV_2D "))
	assert.Contains(t, r.stdout, "generic ms")
	assert.Contains(t, r.stdout, "whole inference in percept (every operator): generic ")
	assert.NotContains(t, r.stdout, "not compared")

	r = runCLI(t, append(args, "-json")...)
	requireSuccess(t, r)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 1)
	var got compareJSON
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &got))
	assert.Equal(t, "mobilenet", got.Model)
	assert.Equal(t, "xnnpack", got.Engine)
	assert.Equal(t, cpuid.CPU.Supports(cpuid.AVX512F), got.EngineAVX512)
	assert.Equal(t, []string{"generic"}, got.Kernels)
	require.Len(t, got.Layers, 28)
	var sum float64
	for _, l := range got.Layers {
		assert.Equal(t, "qu8", l.EngineKind)
		assert.LessOrEqual(t, l.MaxDiff, 1.0, "operator %d", l.Index)
		require.Len(t, l.PerceptMs, 1)
		assert.InDelta(t, l.PerceptMs[0]/l.EngineMs, l.Ratio[0], 1e-9)
		sum += l.EngineMs
	}
	assert.InDelta(t, sum, got.EngineMs, 1e-6)
	assert.InDelta(t, got.PerceptMs[0]/got.EngineMs, got.Ratio[0], 1e-9)

	// XNNPACK chose its kernels in this process already.
	r = runCLI(t, "bench", "-compare", "xnnpack-avx2", "-model", model, "-kernels", "generic", "-n", "1")
	assert.NotEqual(t, 0, r.code)
	assert.Contains(t, r.stderr, "cannot switch to avx2")

	r = runCLI(t, "bench", "-compare", "tflite", "-model", model)
	assertOneLineFailure(t, r, 2, `unknown engine "tflite" (known: xnnpack, xnnpack-avx2)`)
}
