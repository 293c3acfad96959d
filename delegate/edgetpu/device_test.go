package edgetpu

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDevice(t *testing.T) {
	for s, want := range map[string]deviceSpec{
		"usb":                          {typ: 1, index: -1},
		"pci":                          {typ: 0, index: -1},
		"usb:0":                        {typ: 1, index: 0},
		"pci:2":                        {typ: 0, index: 2},
		"pci:/dev/apex_0":              {typ: 0, index: -1, path: "/dev/apex_0"},
		"usb:/sys/bus/usb/devices/2-1": {typ: 1, index: -1, path: "/sys/bus/usb/devices/2-1"},
	} {
		got, err := parseDevice(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, got, s)
	}
	for _, s := range []string{"", "tpu", "usb:-1", "USB", ":0"} {
		_, err := parseDevice(s)
		assert.Error(t, err, s)
	}
}

func TestValidate(t *testing.T) {
	tensors := []Tensor{{Name: "in", Type: UInt8, Shape: []int{1, 4}}, {Name: "out", Type: UInt8, Shape: []int{1, 2}}}
	require.NoError(t, validate(tensors, []Node{{CustomName: CustomOp, Inputs: []int{0}, Outputs: []int{1}}}))
	assert.ErrorContains(t, validate(tensors, []Node{{Inputs: []int{0}, Outputs: []int{2}}}), "tensor 2 out of range")
	assert.ErrorContains(t, validate([]Tensor{{Name: "s", Type: 5}}, nil), "element type 5")
	assert.ErrorContains(t, validate([]Tensor{{Name: "n", Type: UInt8, Shape: []int{-1}}}, nil), "shape [-1]")
	assert.Equal(t, 8, (&Tensor{Type: Int16, Shape: []int{2, 2}}).Bytes())
}
