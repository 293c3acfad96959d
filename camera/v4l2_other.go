//go:build !linux

package camera

import "fmt"

// openV4L2 reports that V4L2 exists only on Linux.
func openV4L2(path string, _ Options) (Source, error) {
	return nil, fmt.Errorf("camera: v4l2:%s: V4L2 cameras are only supported on Linux", path)
}
