//go:build !gocv

package camera

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOpenGoCVWithoutTag(t *testing.T) {
	src, err := Open("gocv:0", Options{})
	assert.ErrorContains(t, err, "built without gocv")
	assert.Nil(t, src)
}
