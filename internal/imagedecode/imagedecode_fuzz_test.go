package imagedecode

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/imagedecode/fuzzseed"
	"github.com/percept-robotics/percept/internal/testmodels"
)

// fuzzMaxPixels caps the budget a fuzzed input asks for, so that one run
// stays small however large a header the fuzzer writes.
const fuzzMaxPixels = 1 << 20

// FuzzDecode feeds arbitrary bytes and budgets to Decode: it returns an
// image within the budget or an error, never panics, and refuses from the
// header what is over the budget.
func FuzzDecode(f *testing.F) {
	for _, seed := range fuzzseed.Images(f) {
		f.Add(seed, uint32(640*480))
		f.Add(seed, uint32(100)) // the crops are over this budget
	}
	f.Add(hugeJPEG(f, 20000, 20000), uint32(fuzzMaxPixels))
	f.Add(testmodels.HugePNG(20000, 20000), uint32(fuzzMaxPixels))
	f.Add([]byte("BM"), uint32(1))
	f.Fuzz(func(t *testing.T, data []byte, budget uint32) {
		maxPixels := int(budget%fuzzMaxPixels) + 1
		img, format, err := Decode(bytes.NewReader(data), maxPixels)
		var tooLarge *TooLargeError
		if errors.As(err, &tooLarge) {
			require.Nil(t, img)
			require.Equal(t, maxPixels, tooLarge.MaxPixels)
			require.Greater(t, int64(tooLarge.Width)*int64(tooLarge.Height), int64(maxPixels), "%v", err)
			return
		}
		if err != nil {
			require.Nil(t, img)
			return
		}
		require.Contains(t, []string{"jpeg", "png", "gif", "bmp"}, format)
		b := img.Bounds()
		require.False(t, b.Empty())
		require.LessOrEqual(t, int64(b.Dx())*int64(b.Dy()), int64(maxPixels), "%s image of %v", format, b)
		// Every pixel of the bounds is readable.
		img.At(b.Min.X, b.Min.Y)
		img.At(b.Max.X-1, b.Max.Y-1)
	})
}
