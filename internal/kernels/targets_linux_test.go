//go:build linux && !purego && (amd64 || arm64 || arm)

package kernels

import (
	byteorder "encoding/binary"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTargetsFollowTheCPU compares Targets() with the CPU's features as
// Linux reports them, read here without the cpuid libraries: the x86 flags
// of /proc/cpuinfo, and on ARM the HWCAP word of /proc/self/auxv (which
// qemu's user mode emulates for its -cpu, while its /proc/cpuinfo is the
// host's).
func TestTargetsFollowTheCPU(t *testing.T) {
	var want []string
	switch runtime.GOARCH {
	case "amd64":
		info, err := os.ReadFile("/proc/cpuinfo")
		require.NoError(t, err)
		line := regexp.MustCompile(`(?m)^flags\s*:(.*)$`).FindSubmatch(info)
		require.NotNil(t, line, "no flags in /proc/cpuinfo")
		flags := strings.Fields(string(line[1]))
		has := func(names ...string) bool {
			for _, n := range names {
				if !slices.Contains(flags, n) {
					return false
				}
			}
			return true
		}
		avx512 := has("avx512f", "avx512bw", "avx512vl")
		if avx512 && has("avx512_vnni") {
			want = append(want, AVX512VNNI)
		}
		if has("avx2", "avx_vnni") {
			want = append(want, AVXVNNI)
		}
		if avx512 {
			want = append(want, AVX512)
		}
		if has("avx2") {
			want = append(want, AVX2)
		}
	case "arm64":
		// arch/arm64/include/uapi/asm/hwcap.h
		const asimd, fphp, asimdhp, asimddp = 1 << 1, 1 << 9, 1 << 10, 1 << 20
		hwcap := auxvHWCAP(t, 8)
		if hwcap&(asimd|asimddp|fphp|asimdhp) == asimd|asimddp|fphp|asimdhp {
			want = append(want, FP16)
		}
		if hwcap&(asimd|asimddp) == asimd|asimddp {
			want = append(want, DotProd)
		}
		if hwcap&asimd != 0 {
			want = append(want, Neon)
		}
	case "arm":
		const neon = 1 << 12 // arch/arm/include/uapi/asm/hwcap.h
		if auxvHWCAP(t, 4)&neon != 0 {
			want = append(want, Neon)
		}
	}
	assert.Equal(t, append(want, Generic), Targets())
}

// auxvHWCAP returns the AT_HWCAP entry of this process's auxiliary
// vector, whose words are size bytes.
func auxvHWCAP(t *testing.T, size int) uint64 {
	auxv, err := os.ReadFile("/proc/self/auxv")
	require.NoError(t, err)
	word := func(b []byte) uint64 {
		if size == 4 {
			return uint64(byteorder.LittleEndian.Uint32(b))
		}
		return byteorder.LittleEndian.Uint64(b)
	}
	const atHWCAP = 16
	for i := 0; i+2*size <= len(auxv); i += 2 * size {
		if word(auxv[i:]) == atHWCAP {
			return word(auxv[i+size:])
		}
	}
	t.Fatal("no AT_HWCAP in /proc/self/auxv")
	return 0
}
