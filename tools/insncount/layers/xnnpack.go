//go:build xnnpack

package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/percept-robotics/percept/internal/xnnpack"
	"github.com/percept-robotics/percept/tflite"
)

// countXNNPACK runs the XNNPACK network of m's layers on one thread,
// marking every layer.
func countXNNPACK(m *tflite.Model, n int) error {
	net, err := xnnpack.NewNetwork(m, 1, xnnpack.Native)
	if err != nil {
		return err
	}
	defer net.Close()
	fmt.Println("engine xnnpack")
	printMaps()
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

// printMaps prints the executable mappings of shared libraries ("map",
// start-end, file offset, path, from /proc/self/maps), which place the
// libraries' functions in the plugin's blocks file; nothing where there is
// no /proc/self/maps.
func printMaps() {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 6 && strings.Contains(fields[1], "x") && strings.Contains(fields[5], ".so") {
			fmt.Println("map", fields[0], fields[2], fields[5])
		}
	}
}
