package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/percept-robotics/percept/models"
)

// imageInput is an image named on the command line, or the embedded one.
type imageInput struct {
	name string
	data []byte // embedded bytes; nil for files
}

// imageInputs returns the images named by args, or the embedded image when
// there are none.
func imageInputs(args []string, embeddedName string, embedded []byte) []imageInput {
	if len(args) == 0 {
		return []imageInput{{name: embeddedName, data: embedded}}
	}
	inputs := make([]imageInput, len(args))
	for i, a := range args {
		inputs[i] = imageInput{name: a}
	}
	return inputs
}

// decode decodes the image, refusing one whose header declares more than
// maxPixels pixels before decoding it. Errors do not repeat the image's
// name, which the caller prints before them.
func (in imageInput) decode(maxPixels int) (image.Image, error) {
	dec := models.ImageDecoder{MaxPixels: maxPixels}
	if in.data != nil {
		return dec.Decode(bytes.NewReader(in.data))
	}
	f, err := os.Open(in.name)
	if err != nil {
		return nil, withoutPath(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, withoutPath(err)
	}
	if st.IsDir() {
		return nil, errors.New("is a directory, not an image")
	}
	return dec.Decode(f)
}

// withoutPath strips the "open PATH: " of a *fs.PathError, whose path the
// caller prints already.
func withoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// imageWriter writes annotated images in the format the -out path's
// extension names.
type imageWriter func(path string, img image.Image) error

// outputWriter checks the -out path's extension and folder before any work
// and returns the writer for it, or nil when path is empty.
func outputWriter(path string) (imageWriter, error) {
	if path == "" {
		return nil, nil
	}
	var encode func(f *os.File, img image.Image) error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png":
		encode = func(f *os.File, img image.Image) error { return png.Encode(f, img) }
	case ".jpg", ".jpeg":
		encode = func(f *os.File, img image.Image) error { return jpeg.Encode(f, img, &jpeg.Options{Quality: 90}) }
	default:
		return nil, usageError{fmt.Sprintf("-out %s: the extension must name the format: .png, .jpg or .jpeg", path)}
	}
	// A folder that is not there fails now, not after the first image.
	if st, err := os.Stat(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("-out %s: %w", path, withoutPath(err))
	} else if !st.IsDir() {
		return nil, fmt.Errorf("-out %s: %s is not a directory", path, filepath.Dir(path))
	}
	return func(path string, img image.Image) error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := encode(f, img); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return f.Close()
	}, nil
}

// numbered returns path, or path with the image's index before its
// extension when several images are written: boxes.png becomes boxes_0.png,
// boxes_1.png, ... in the order of the arguments.
func numbered(path string, i, n int) string {
	if n == 1 {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s_%d%s", strings.TrimSuffix(path, ext), i, ext)
}

// checks collects command-line range errors and reports the first one.
type checks struct{ err error }

// require records msg as a usage error unless ok or an earlier check failed.
func (c *checks) require(ok bool, format string, args ...any) {
	if !ok && c.err == nil {
		c.err = usageError{fmt.Sprintf(format, args...)}
	}
}

// unitInterval checks that the float flag name is a score in [0, 1].
func (c *checks) unitInterval(name string, v float64) {
	c.require(v >= 0 && v <= 1, "-%s %v: want a score between 0 and 1", name, v)
}

// nonNegative checks that the int flag name is not negative.
func (c *checks) nonNegative(name string, v int) {
	c.require(v >= 0, "-%s %d: must not be negative", name, v)
}
