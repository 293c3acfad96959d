//go:build !edgetpu || !cgo

package edgetpu

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNotBuilt(t *testing.T) {
	assert.False(t, Built)
	_, err := Devices(Config{})
	assert.ErrorIs(t, err, ErrNotBuilt)
	_, err = Version(Config{})
	assert.ErrorIs(t, err, ErrNotBuilt)
	g, err := New(Config{Device: "usb"}, nil, nil)
	assert.Nil(t, g)
	assert.ErrorIs(t, err, ErrNotBuilt)
	assert.Contains(t, err.Error(), "-tags edgetpu")
	_, err = New(Config{Device: "tpu"}, nil, nil)
	assert.False(t, errors.Is(err, ErrNotBuilt), "a bad device name is reported as such")
}
