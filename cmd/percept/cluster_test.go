package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/percept-robotics/percept/models"
)

var clusteredLine = regexp.MustCompile(`(?m)^  "([^"]+)" \[[0-9 ]+\]: (\d+) distinct values, (\d+\.\d)% zeros$`)

// TestClusterAfterPrune prunes, clusters and narrows to float16 through
// the commands: each weight tensor keeps at most N values and its zeros,
// the zip shrinks at each step, and the model runs.
func TestClusterAfterPrune(t *testing.T) {
	skipInShort(t)
	for _, model := range [][]string{floatMobileNet, floatBlazeFace} {
		t.Run(model[1], func(t *testing.T) {
			in := testmodels.Path(t, model...)
			dir := t.TempDir()
			pruned, clustered, fp16 := filepath.Join(dir, "p.tflite"), filepath.Join(dir, "c.tflite"), filepath.Join(dir, "q.tflite")
			requireSuccess(t, runCLI(t, "prune", "-sparsity", "0.5", "-o", pruned, in))
			r := runCLI(t, "cluster", "-clusters", "16", "-o", clustered, pruned)
			requireSuccess(t, r)
			file, zip := sizes(t, r.stdout)
			t.Logf("%s cluster 16 after prune 50%%: file %d → %d, zip %d → %d (%.3f×)", model[1], file[0], file[1], zip[0], zip[1], float64(zip[1])/float64(zip[0]))
			assert.Less(t, zip[1], zip[0])
			rows := clusteredLine.FindAllStringSubmatch(r.stdout, -1)
			require.NotEmpty(t, rows, r.stdout)
			values := weightValues(t, openWritten(t, clustered))
			for _, row := range rows {
				n, err := strconv.Atoi(row[2])
				require.NoError(t, err)
				assert.LessOrEqual(t, n, 16, row[1])
				v := values[row[1]]
				seen := map[float32]bool{}
				for _, x := range v {
					seen[x] = true
				}
				assert.Len(t, seen, n, row[1])
				assert.GreaterOrEqual(t, zeroCount(v), len(v)/2, "%s keeps its zeros", row[1])
			}
			requireRuns(t, clustered)

			r = runCLI(t, "quantize", "-mode", "fp16", "-o", fp16, clustered)
			requireSuccess(t, r)
			qfile, qzip := sizes(t, r.stdout)
			t.Logf("%s then fp16: file %d → %d, zip %d → %d", model[1], qfile[0], qfile[1], qzip[0], qzip[1])
			assert.Less(t, qzip[1], qzip[0])
			requireRuns(t, fp16)
			if model[1] == floatMobileNet[1] {
				// Three rewrites in a row keep the label file zipped onto
				// the model.
				c, err := models.NewClassifier(openWritten(t, fp16), nil)
				require.NoError(t, err)
				assert.Len(t, c.Labels(), 1001)
				require.NoError(t, c.Close())
			}
		})
	}
}
