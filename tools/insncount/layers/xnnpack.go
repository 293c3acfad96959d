//go:build xnnpack

package main

import (
	"fmt"

	"github.com/percept-robotics/percept/internal/xnnpack"
	"github.com/percept-robotics/percept/tflite"
)

// countXNNPACK runs the XNNPACK network of m's layers on one thread,
// marking every layer.
func countXNNPACK(m *tflite.Model, n int) error {
	net, err := xnnpack.NewNetwork(m, 1)
	if err != nil {
		return err
	}
	defer net.Close()
	fmt.Println("engine xnnpack")
	for _, s := range net.Skipped() {
		fmt.Printf("skipped %d %s: %s\n", s.Index, s.Op, s.Reason)
	}
	if err := net.RunEach(func(int) {}); err != nil {
		return err
	}
	for range n {
		mark(startMark)
		if err := net.RunEach(mark); err != nil {
			return err
		}
	}
	return nil
}
