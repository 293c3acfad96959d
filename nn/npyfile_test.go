package nn

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/npy"
)

// writeNPY writes x's shape and raw bytes to a new .npy file at path as
// dtype (numpy's spelling, such as "<f4"), for a reference runtime to read.
func writeNPY(t *testing.T, path, dtype string, x *Tensor) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, npy.Write(f, &npy.Array{DType: dtype, Shape: x.Shape, Data: x.Bytes()}))
	require.NoError(t, f.Close())
}
