package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// usageCase is a command line refused with exit code 2 before any work,
// and a part of its one stderr line.
type usageCase struct {
	args     []string
	wantText string
}

// assertUsageErrors runs command with each case's arguments: one stderr
// line holding wantText, exit code 2, nothing on stdout.
func assertUsageErrors(t *testing.T, command string, cases []usageCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, append([]string{command}, tc.args...)...)
			assertOneLineFailure(t, r, 2, tc.wantText)
			assert.Empty(t, r.stdout)
		})
	}
}

// sourceAndFile runs `percept command -source file:photo`, checks that its
// one line has the keys of a -json line (keys) followed by the frame's
// metadata, and returns that line decoded (the frame fields aside) with
// the checked -json line of the photo itself, which parse decodes.
func sourceAndFile[L any](t *testing.T, command, photo, keys string, parse func(*testing.T, string) []L) (frame, file L) {
	t.Helper()
	r := runCLI(t, command, "-source", "file:"+photo)
	requireSuccess(t, r)
	lines := outputLines(t, r.stdout)
	require.Len(t, lines, 1)
	requireSkeleton(t, lines[0], strings.TrimSuffix(keys, "}")+",seq,time,dropped,inference_ms,latency_ms}")
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &frame))
	f := runCLI(t, command, "-json", photo)
	requireSuccess(t, f)
	return frame, parse(t, f.stdout)[0]
}

// decodeLines checks each line of stdout against the key skeletons keys
// (see requireSkeleton), decodes it strictly as an L and calls check with
// the line and its value; it returns the values in order.
func decodeLines[L any](t *testing.T, stdout string, check func(line string, l L), keys ...string) []L {
	t.Helper()
	var out []L
	for _, line := range outputLines(t, stdout) {
		requireSkeleton(t, line, keys...)
		var l L
		decodeStrict(t, line, &l)
		check(line, l)
		out = append(out, l)
	}
	return out
}
