//go:build !unix

package tflite

import (
	"fmt"
	"os"
)

// Open reads the model file at path into memory and parses it (this
// platform has no memory maps through golang.org/x/sys/unix); the garbage
// collector frees the memory once the Model and its interpreters are gone.
func Open(path string) (*Model, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("tflite: %s: is a directory", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return m, nil
}
