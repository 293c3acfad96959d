package imagedecode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/percept-robotics/percept/internal/testmodels"
	"github.com/stretchr/testify/require"
)

// hugeJPEG returns a small JPEG whose start-of-frame declares
// width×height.
func hugeJPEG(t testing.TB, width, height uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil))
	b := buf.Bytes()
	sof := bytes.Index(b, []byte{0xff, 0xc0})
	require.Positive(t, sof)
	// Marker (2), length (2), precision (1), then height and width.
	binary.BigEndian.PutUint16(b[sof+5:], height)
	binary.BigEndian.PutUint16(b[sof+7:], width)
	return b
}

func TestDecodeRefusesDeclaredSizeOverBudget(t *testing.T) {
	for name, data := range map[string][]byte{
		"png":  testmodels.HugePNG(20000, 20000),
		"jpeg": hugeJPEG(t, 60000, 60000),
	} {
		t.Run(name, func(t *testing.T) {
			_, format, err := Decode(bytes.NewReader(data), 50_000_000)
			var tooLarge *TooLargeError
			require.ErrorAs(t, err, &tooLarge)
			require.Equal(t, name, format)
			require.Equal(t, name, tooLarge.Format)
			require.Greater(t, tooLarge.Width, 8)
			require.Contains(t, err.Error(), "×")
		})
	}
	_, _, err := Decode(bytes.NewReader(testmodels.HugePNG(20000, 20000)), 1)
	require.ErrorContains(t, err, "20000×20000")
}

func TestDecodeWithinBudget(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 30, 20))))
	img, format, err := Decode(bytes.NewReader(buf.Bytes()), 600)
	require.NoError(t, err)
	require.Equal(t, "png", format)
	require.Equal(t, image.Rect(0, 0, 30, 20), img.Bounds())

	_, _, err = Decode(bytes.NewReader(buf.Bytes()), 599)
	require.ErrorAs(t, err, new(*TooLargeError))
}

func TestDecodeBadInput(t *testing.T) {
	_, _, err := Decode(strings.NewReader("hello, not a picture"), 100)
	require.EqualError(t, err, "not a JPEG, PNG, GIF or BMP image")
	_, _, err = Decode(bytes.NewReader(nil), 100)
	require.Error(t, err)
	_, _, err = Decode(strings.NewReader("x"), 0)
	require.ErrorContains(t, err, "pixel budget")
	require.False(t, errors.Is(err, image.ErrFormat))
	require.Error(t, Check("png", 0, 10, 100))
}
