package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/assets"
	"github.com/percept-robotics/percept/internal/npy"
)

// cliResult is what one call of run returned and printed.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command line args in-process, as main would.
// skipInShort skips tests that run models end to end in -short runs (the
// race detector's, where an inference takes seconds); the full run covers
// them.
func skipInShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs models end to end: covered by the full (non -short) run")
	}
}

func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return cliResult{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// requireSuccess stops the test unless r exited 0 with nothing on stderr.
func requireSuccess(t *testing.T, r cliResult) {
	t.Helper()
	require.Equalf(t, 0, r.code, "exit code; stderr: %s", r.stderr)
	require.Empty(t, r.stderr)
}

// assertOneLineFailure checks the error contract: exit code wantCode,
// exactly one non-blank line on stderr that starts with "percept" (or
// "usage: percept") and contains wantText, and no trace of a Go panic.
func assertOneLineFailure(t *testing.T, r cliResult, wantCode int, wantText string) {
	t.Helper()
	assert.Equal(t, wantCode, r.code, "exit code; stderr: %q", r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "stderr must be exactly one line: %q", r.stderr)
	assert.True(t, strings.HasSuffix(r.stderr, "\n"), "stderr must end its line: %q", r.stderr)
	line := strings.TrimSpace(r.stderr)
	assert.NotEmpty(t, line)
	assert.True(t, strings.HasPrefix(line, "percept") || strings.HasPrefix(line, "usage: percept"),
		"stderr should name the program: %q", line)
	assert.Contains(t, line, wantText)
	for _, trace := range []string{"goroutine", "panic", "internal error", ".go:"} {
		assert.NotContains(t, r.stderr, trace)
	}
}

// writeFile writes data to name in dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

// writeNpy writes a .npy file of dtype and shape, zero-filled, and returns
// its path.
func writeNpy(t *testing.T, dir, name, dtype string, shape []int, elemSize int) string {
	t.Helper()
	n := elemSize
	for _, d := range shape {
		n *= d
	}
	var buf bytes.Buffer
	require.NoError(t, npy.Write(&buf, &npy.Array{DType: dtype, Shape: shape, Data: make([]byte, n)}))
	return writeFile(t, dir, name, buf.Bytes())
}

// emptyModel is a valid TFLite flatbuffer whose Model table holds only
// version 3: no subgraph, no buffer, no operator code. Layout: root offset
// 16, file identifier "TFL3", a vtable at 8 (vtable size 6, table size 8,
// field 0 at table offset 4), two bytes of padding, the table at 16 (its
// vtable 8 bytes back) and version = 3 at 20.
var emptyModel = []byte{
	16, 0, 0, 0, 'T', 'F', 'L', '3',
	6, 0, 8, 0, 4, 0, 0, 0,
	8, 0, 0, 0, 3, 0, 0, 0,
}

func TestUsageAndCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	notes := writeFile(t, dir, "notes.txt", []byte("these are notes, neither a model nor an image\n"))
	truncatedModel := writeFile(t, dir, "truncated.tflite", assets.DetectorModel[:len(assets.DetectorModel)/2])
	noSubgraph := writeFile(t, dir, "empty.tflite", emptyModel)
	truncatedJPEG := writeFile(t, dir, "truncated.jpg", assets.DogsJPEG[:len(assets.DogsJPEG)/3])
	classifier := writeFile(t, dir, "classifier.tflite", assets.ClassifierModel)
	// The embedded classifier takes one UINT8 [1 224 224 3] input.
	goodInput := writeNpy(t, dir, "good.npy", "|u1", []int{1, 224, 224, 3}, 1)
	wrongShape := writeNpy(t, dir, "shape.npy", "|u1", []int{1, 128, 128, 3}, 1)
	wrongDType := writeNpy(t, dir, "dtype.npy", "<f4", []int{1, 224, 224, 3}, 4)
	flatShape := writeNpy(t, dir, "flat.npy", "|u1", []int{224 * 224 * 3}, 1)
	good, err := os.ReadFile(goodInput)
	require.NoError(t, err)
	truncatedNpy := writeFile(t, dir, "truncated.npy", good[:1000])
	missing := filepath.Join(dir, "missing")
	outdir := filepath.Join(dir, "out")

	cases := []struct {
		name     string
		args     []string
		wantCode int
		wantText string // a part of the one stderr line
	}{
		{"unknown subcommand", []string{"frobnicate", "x.jpg"}, 2, `unknown command "frobnicate"; usage: percept`},
		{"flag before subcommand", []string{"-json", "detect"}, 2, `unknown command "-json"`},
		{"detect unknown flag", []string{"detect", "-bogus"}, 2, "-bogus"},
		{"classify unknown flag", []string{"classify", "-threshold", "0.5"}, 2, "-threshold"},
		{"run unknown flag", []string{"run", "-top", "3"}, 2, "-top"},
		{"inspect unknown flag", []string{"inspect", "-json", classifier}, 2, "-json"},
		{"detect bad threshold", []string{"detect", "-threshold", "high"}, 2, "-threshold"},
		{"detect negative max", []string{"detect", "-max", "-1"}, 2, "-max"},
		{"classify zero top", []string{"classify", "-top", "0"}, 2, "-top"},
		{"run flag without value", []string{"run", "-model", classifier, "-outdir", outdir, "-input"}, 2, "-input"},
		{"run without outdir", []string{"run", "-model", classifier, "-input", goodInput}, 2, "-outdir"},
		{"run without model", []string{"run", "-input", goodInput, "-outdir", outdir}, 2, "-model"},
		{"inspect without path", []string{"inspect"}, 2, "inspect"},
		{"inspect two paths", []string{"inspect", classifier, classifier}, 2, "inspect"},

		{"detect missing image", []string{"detect", missing + ".jpg"}, 1, missing + ".jpg"},
		{"detect missing model", []string{"detect", "-model", missing + ".tflite"}, 1, missing + ".tflite"},
		{"detect text as model", []string{"detect", "-model", notes}, 1, notes},
		{"detect truncated model", []string{"detect", "-model", truncatedModel}, 1, truncatedModel},
		{"detect model without subgraph", []string{"detect", "-model", noSubgraph}, 1, "subgraph"},
		{"detect with a classifier", []string{"detect", "-model", classifier}, 1, "not a detector model"},
		{"detect text as image", []string{"detect", notes}, 1, notes},
		{"detect truncated JPEG", []string{"detect", truncatedJPEG}, 1, truncatedJPEG},
		{"detect missing labels", []string{"detect", "-labels", missing + ".txt"}, 1, missing + ".txt"},
		{"detect unwritable out", []string{"detect", "-out", filepath.Join(missing, "a.png")}, 1, missing},
		{"detect out under a file", []string{"detect", "-out", filepath.Join(notes, "a.png")}, 1, "is not a directory"},
		{"classify missing image", []string{"classify", missing + ".jpg"}, 1, missing + ".jpg"},
		{"classify text as image", []string{"classify", notes}, 1, notes},
		{"classify truncated JPEG", []string{"classify", truncatedJPEG}, 1, truncatedJPEG},
		{"classify text as model", []string{"classify", "-model", notes}, 1, notes},
		{"classify model without subgraph", []string{"classify", "-model", noSubgraph}, 1, "subgraph"},
		{"run missing model", []string{"run", "-model", missing, "-input", goodInput, "-outdir", outdir}, 1, missing},
		{"run text as model", []string{"run", "-model", notes, "-input", goodInput, "-outdir", outdir}, 1, notes},
		{"run missing input", []string{"run", "-model", classifier, "-input", missing + ".npy", "-outdir", outdir}, 1, missing + ".npy"},
		{"run text as npy", []string{"run", "-model", classifier, "-input", notes, "-outdir", outdir}, 1, notes},
		{"run truncated npy", []string{"run", "-model", classifier, "-input", truncatedNpy, "-outdir", outdir}, 1, truncatedNpy},
		{"run wrong shape", []string{"run", "-model", classifier, "-input", wrongShape, "-outdir", outdir}, 1, "shape [1 128 128 3]"},
		{"run wrong rank", []string{"run", "-model", classifier, "-input", flatShape, "-outdir", outdir}, 1, "shape [150528]"},
		{"run wrong dtype", []string{"run", "-model", classifier, "-input", wrongDType, "-outdir", outdir}, 1, "dtype <f4"},
		{"run too many inputs", []string{"run", "-model", classifier, "-input", goodInput, "-input", goodInput, "-outdir", outdir}, 1, "2 -input"},
		{"inspect missing model", []string{"inspect", missing}, 1, missing},
		{"inspect text", []string{"inspect", notes}, 1, notes},
		{"inspect truncated model", []string{"inspect", truncatedModel}, 1, truncatedModel},
		{"inspect model without subgraph", []string{"inspect", noSubgraph}, 1, "subgraph"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.args...)
			assertOneLineFailure(t, r, tc.wantCode, tc.wantText)
		})
	}
	_, err = os.Stat(filepath.Join(outdir, "output_0.npy"))
	assert.Truef(t, errors.Is(err, os.ErrNotExist), "a failed run must not leave outputs: %v", err)
}

// jsonSkeleton reduces one JSON value to its object keys in the order they
// appear, recursively: {"a":1,"b":[{"c":2}]} becomes {a,b:[{c}]}. Array
// elements with different skeletons are joined by '|'; null and other
// scalars leave no trace, so "detections":null reads "detections".
func jsonSkeleton(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return "", nil
	}
	var b strings.Builder
	switch delim {
	case '{':
		b.WriteByte('{')
		for i := 0; dec.More(); i++ {
			key, err := dec.Token()
			if err != nil {
				return "", err
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(key.(string))
			child, err := jsonSkeleton(dec)
			if err != nil {
				return "", err
			}
			if child != "" {
				b.WriteString(":" + child)
			}
		}
		b.WriteByte('}')
	case '[':
		var elems []string
		seen := map[string]bool{}
		for dec.More() {
			child, err := jsonSkeleton(dec)
			if err != nil {
				return "", err
			}
			if !seen[child] {
				seen[child] = true
				elems = append(elems, child)
			}
		}
		b.WriteString("[" + strings.Join(elems, "|") + "]")
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return "", err
	}
	return b.String(), nil
}

// requireSkeleton checks the keys of line, in order, against one of want.
func requireSkeleton(t *testing.T, line string, want ...string) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	got, err := jsonSkeleton(dec)
	require.NoError(t, err, line)
	_, err = dec.Token()
	require.ErrorIs(t, err, io.EOF, "one JSON value per line: %s", line)
	require.Contains(t, want, got, "JSON keys of %s", line)
}

// decodeStrict decodes line into v, refusing keys v has no field for and
// anything after the value.
func decodeStrict(t *testing.T, line string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), line)
	require.False(t, dec.More(), "one JSON value per line: %s", line)
}

// outputLines splits stdout into its lines, requiring it to end with a
// newline and hold no blank line.
func outputLines(t *testing.T, stdout string) []string {
	t.Helper()
	require.True(t, strings.HasSuffix(stdout, "\n"), "output must end with a newline: %q", stdout)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	for _, l := range lines {
		require.NotEmpty(t, strings.TrimSpace(l), "blank line in %q", stdout)
	}
	return lines
}

func TestJSONSkeleton(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a":1,"b":"x"}`, "{a,b}"},
		{`{"b":1,"a":2}`, "{b,a}"},
		{`{"a":null}`, "{a}"},
		{`{"a":[]}`, "{a:[]}"},
		{`{"a":[{"x":1,"y":{"z":2}},{"x":3,"y":{"z":4}}]}`, "{a:[{x,y:{z}}]}"},
		{`{"a":[{"x":1},{"y":2}]}`, "{a:[{x}|{y}]}"},
	}
	for _, tc := range cases {
		got, err := jsonSkeleton(json.NewDecoder(strings.NewReader(tc.in)))
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, tc.in)
	}
}
