//go:build unix

package tflite

import (
	"fmt"
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// Open memory-maps the model file at path read-only and parses it. The
// weights are not copied: they stay in the page cache, shared with other
// processes mapping the same file. The map is unmapped when the Model and
// every interpreter built on it are closed (see Model.Close).
func Open(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("tflite: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("tflite: %s: is a directory", path)
	}
	size := st.Size()
	if size == 0 {
		return nil, fmt.Errorf("tflite: %s is empty", path)
	}
	if size < 0 || uint64(size) > math.MaxInt {
		return nil, fmt.Errorf("tflite: %s: bad size %d", path, size)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("tflite: mapping %s: %w", path, err)
	}
	m, err := Parse(data)
	if err != nil {
		_ = unix.Munmap(data)
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	m.lifetime.unmap = func() error { return unix.Munmap(data) }
	return m, nil
}
