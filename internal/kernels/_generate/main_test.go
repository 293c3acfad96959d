package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGeneratedFilesAreCurrent fails when a committed .s file differs from
// what the generator writes: edit the generator, then run go generate.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	for name, want := range generate() {
		got, err := os.ReadFile(filepath.Join("..", name))
		require.NoError(t, err)
		require.Equal(t, want, string(got), "%s is stale: run `go generate ./internal/kernels`", name)
	}
}

// TestVEXEncodingsMatchTheGNUAssembler assembles VPDPBUSD in its VEX form
// with GNU as for every register in each operand position and compares the
// bytes with vexVPDPBUSD's.
func TestVEXEncodingsMatchTheGNUAssembler(t *testing.T) {
	as, err := exec.LookPath("as")
	if err != nil {
		t.Skip("GNU as (binutils) is not installed")
	}
	objdump, err := exec.LookPath("objdump")
	if err != nil {
		t.Skip("objdump (binutils) is not installed")
	}
	type operands struct{ dst, unsigned, signed int }
	var cases []operands
	for r := range 16 {
		cases = append(cases, operands{r, 0, 1}, operands{2, r, 3}, operands{4, 5, r}, operands{r, 15 - r, (r + 7) % 16})
	}
	var src strings.Builder
	for _, c := range cases {
		// AT&T order: signed, unsigned, destination.
		fmt.Fprintf(&src, "{vex} vpdpbusd %%ymm%d, %%ymm%d, %%ymm%d\n", c.signed, c.unsigned, c.dst)
	}
	dir := t.TempDir()
	obj := filepath.Join(dir, "v.o")
	cmd := exec.Command(as, "-o", obj, "-")
	cmd.Stdin = strings.NewReader(src.String())
	out, err := cmd.CombinedOutput()
	if err != nil && bytes.Contains(out, []byte("vpdpbusd")) {
		t.Skipf("this GNU as does not know AVX-VNNI: %s", out)
	}
	require.NoError(t, err, "%s", out)
	dump, err := exec.Command(objdump, "-d", obj).Output()
	require.NoError(t, err)
	line := regexp.MustCompile(`(?m)^\s*[0-9a-f]+:\s+((?:[0-9a-f]{2} )+)`)
	matches := line.FindAllSubmatch(dump, -1)
	require.Len(t, matches, len(cases))
	for i, c := range cases {
		want := strings.Fields(string(matches[i][1]))
		got := encodedBytes(t, vexVPDPBUSD(c.dst, c.unsigned, c.signed))
		require.Equal(t, want, got, "VPDPBUSD dst Y%d, unsigned Y%d, signed Y%d", c.dst, c.unsigned, c.signed)
	}
}

// encodedBytes returns the bytes of a line of BYTE directives as lower-case
// hex pairs.
func encodedBytes(t *testing.T, line string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`BYTE \$0x([0-9A-F]{2})`).FindAllStringSubmatch(line, -1) {
		v, err := strconv.ParseUint(m[1], 16, 8)
		require.NoError(t, err)
		out = append(out, fmt.Sprintf("%02x", v))
	}
	return out
}
