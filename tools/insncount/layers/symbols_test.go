package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAttribute(t *testing.T) {
	exe := &image{file: "driver", end: 1 << 40, funcs: []function{
		{name: "main.a", start: 0x1000, end: 0x1100},
		{name: "main.b", start: 0x1100, end: 0x1180},
	}}
	lib := &image{file: "libX.so", start: 0x5000, end: 0x6000, funcs: []function{
		{name: "x_exported", start: 0x5100, end: 0x5200},
	}}
	counts, total, err := attribute(exe, []*image{lib}, strings.NewReader(
		"1000 10\n10f0 5\n1100 7\n1200 1\n500 2\n5150 20\n5300 30\n5010 4\n"))
	require.NoError(t, err)
	assert.Equal(t, uint64(79), total)
	assert.Equal(t, map[string]uint64{
		"main.a":                             15,
		"main.b":                             7,
		"(driver: unexported, after main.b)": 1,
		"(driver)":                           2,
		"x_exported":                         20,
		"(libX.so: unexported, after x_exported)": 30,
		"(libX.so)": 4,
	}, counts)
	for _, bad := range []string{"zz 1\n", "10 x\n", "10\n"} {
		_, _, err := attribute(exe, nil, strings.NewReader(bad))
		assert.Error(t, err, bad)
	}
}

func TestSymbolsErrors(t *testing.T) {
	dir := t.TempDir()
	blocks := writeLog(t, dir, "blocks.txt", "1000 5\n")
	log := writeLog(t, dir, "run.log", "engine percept neon\n")
	assert.Error(t, writeSymbols(&strings.Builder{}, filepath.Join(dir, "none"), log, blocks, 5), "no binary")
	assert.Error(t, writeSymbols(&strings.Builder{}, blocks, log, blocks, 5), "not ELF")
}
