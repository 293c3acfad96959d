package optimize

import (
	"archive/zip"
	"fmt"
)

// ZipSize returns the size in bytes of a zip archive holding data as one
// deflated file (default compression level), the measure TF-MOT's guides
// give as a model's compressed size ("get_gzipped_model_size" zips the
// .tflite with ZIP_DEFLATED). Pruned and clustered models are no smaller
// on disk; this is where they gain.
func ZipSize(data []byte) (int64, error) {
	var c counter
	zw := zip.NewWriter(&c)
	w, err := zw.Create("model.tflite")
	if err == nil {
		_, err = w.Write(data)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return 0, fmt.Errorf("optimize: zipping: %w", err)
	}
	return c.n, nil
}

// counter is an io.Writer that counts what it is given.
type counter struct{ n int64 }

// Write counts p.
func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
