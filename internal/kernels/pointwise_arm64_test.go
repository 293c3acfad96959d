//go:build arm64 && !purego

package kernels

import (
	"os"
	"regexp"
	"strconv"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArmTileLayout(t *testing.T) {
	// The tile kernels read armTile at the offsets qgemm_tile_arm64.h
	// defines; they must be the compiler's.
	header, err := os.ReadFile("qgemm_tile_arm64.h")
	require.NoError(t, err)
	var tile armTile
	want := map[string]uintptr{
		"TILE_ROWS":      unsafe.Offsetof(tile.rows),
		"TILE_W":         unsafe.Offsetof(tile.w),
		"TILE_WSTRIDE":   unsafe.Offsetof(tile.wStride),
		"TILE_KQ":        unsafe.Offsetof(tile.kq),
		"TILE_TABLE":     unsafe.Offsetof(tile.table),
		"TILE_GROUPS":    unsafe.Offsetof(tile.groups),
		"TILE_INIT":      unsafe.Offsetof(tile.init),
		"TILE_OUT":       unsafe.Offsetof(tile.out),
		"TILE_OUTSTRIDE": unsafe.Offsetof(tile.outStride),
		"TILE_PIXELS":    unsafe.Offsetof(tile.pixels),
		"TILE_TERMS":     unsafe.Offsetof(tile.terms),
		"TILE_OUTOFFSET": unsafe.Offsetof(tile.outOffset),
		"TILE_ACTMIN":    unsafe.Offsetof(tile.actMin),
		"TILE_ACTMAX":    unsafe.Offsetof(tile.actMax),
	}
	defined := regexp.MustCompile(`(?m)^#define (TILE_[A-Z]+) (\d+)$`).FindAllStringSubmatch(string(header), -1)
	got := map[string]uintptr{}
	for _, d := range defined {
		offset, err := strconv.Atoi(d[2])
		require.NoError(t, err)
		got[d[1]] = uintptr(offset)
	}
	assert.Equal(t, want, got)
}
