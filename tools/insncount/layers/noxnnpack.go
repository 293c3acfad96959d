//go:build !xnnpack

package main

import (
	"fmt"

	"github.com/percept-robotics/percept/tflite"
)

// countXNNPACK fails: XNNPACK is linked only with the xnnpack build tag.
func countXNNPACK(*tflite.Model, int) error {
	return fmt.Errorf("-engine xnnpack: built without the xnnpack tag")
}
