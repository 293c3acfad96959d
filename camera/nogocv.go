//go:build !gocv

package camera

import "errors"

// openGoCV reports that this build has no OpenCV support.
func openGoCV(string, Options) (Source, error) {
	return nil, errors.New("camera: gocv: source unavailable: built without gocv (rebuild with -tags gocv)")
}
