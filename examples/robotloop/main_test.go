package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/models"
)

func TestLoopSteersTowardTheDogs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs SSD-MobileNet end to end within a deadline: covered by the full (non -short) run")
	}
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, "file:", "dog", 3, 5*time.Second))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 3)
	for _, l := range lines {
		// The larger dog is the one at x 103, 138×369 (50,922 px against
		// the other's 190×206 = 39,140): its centre 103 + 69 = 172 of the
		// 640-pixel photo gives turn 2·172/640 − 1 = −0.46.
		assert.Contains(t, l, "seen=true turn=-0.46")
	}
}

func TestLoopHoldsCourseOverBudget(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out, "test:", "dog", 2, time.Nanosecond))
	assert.Contains(t, out.String(), "over the 1ns budget, holding course")
}

func TestSteer(t *testing.T) {
	dets := []models.Detection{
		{Label: "dog", Box: models.Box{X: 0, Y: 0, Width: 10, Height: 10}},
		{Label: "cat", Box: models.Box{X: 90, Y: 0, Width: 100, Height: 100}},
		{Label: "dog", Box: models.Box{X: 80, Y: 0, Width: 20, Height: 20}},
	}
	turn, seen := steer(dets, "dog", 100)
	assert.True(t, seen)
	assert.InDelta(t, 0.8, turn, 1e-9) // centre 90 of 100 → 2·0.9 − 1
	_, seen = steer(dets, "person", 100)
	assert.False(t, seen)
}
