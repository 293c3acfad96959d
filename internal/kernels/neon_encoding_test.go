package kernels

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// neonMacro is one instruction macro of neon_arm64.h: its parameters and
// the expression of its WORD.
type neonMacro struct {
	params []string
	word   ast.Expr
}

// readNeonMacros parses the #define lines of neon_arm64.h.
func readNeonMacros(t *testing.T) map[string]neonMacro {
	t.Helper()
	f, err := os.Open("neon_arm64.h")
	require.NoError(t, err)
	defer f.Close()
	define := regexp.MustCompile(`^#define (\w+)\(([^)]*)\) WORD \$(.*)$`)
	macros := map[string]neonMacro{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := define.FindStringSubmatch(sc.Text())
		if m == nil {
			require.False(t, strings.HasPrefix(sc.Text(), "#define"), "unparsed macro: %s", sc.Text())
			continue
		}
		word, err := parser.ParseExpr(m[3])
		require.NoError(t, err, m[1])
		params := strings.Split(m[2], ",")
		for i := range params {
			params[i] = strings.TrimSpace(params[i])
		}
		macros[m[1]] = neonMacro{params: params, word: word}
	}
	require.NoError(t, sc.Err())
	return macros
}

// evalWord evaluates a macro's word expression with its parameters bound.
func evalWord(t *testing.T, e ast.Expr, args map[string]uint64) uint64 {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return evalWord(t, e.X, args)
	case *ast.BasicLit:
		v, err := strconv.ParseUint(e.Value, 0, 64)
		require.NoError(t, err)
		return v
	case *ast.Ident:
		v, ok := args[e.Name]
		require.True(t, ok, "unbound %s", e.Name)
		return v
	case *ast.BinaryExpr:
		x, y := evalWord(t, e.X, args), evalWord(t, e.Y, args)
		switch e.Op {
		case token.OR:
			return x | y
		case token.AND:
			return x & y
		case token.SHL:
			return x << y
		case token.SHR:
			return x >> y
		case token.SUB:
			return x - y
		case token.ADD:
			return x + y
		case token.MUL:
			return x * y
		}
	}
	require.Failf(t, "unsupported expression", "%T", e)
	return 0
}

// TestNeonEncodings assembles, with the GNU assembler, each macro of
// neon_arm64.h over a spread of registers, lanes and shifts and requires the
// macro's word.
func TestNeonEncodings(t *testing.T) {
	as, err := exec.LookPath("aarch64-linux-gnu-as")
	if err != nil {
		t.Skip("aarch64-linux-gnu-as not installed (apt-get install binutils-aarch64-linux-gnu)")
	}
	objdump, err := exec.LookPath("aarch64-linux-gnu-objdump")
	if err != nil {
		t.Skip("aarch64-linux-gnu-objdump not installed")
	}
	// The GNU spelling of each macro for register numbers d, n, m and lane
	// or shift i.
	three := func(op, arr string) func(d, n, m, i int) string {
		return func(d, n, m, _ int) string {
			return fmt.Sprintf("%s v%d.%s, v%d.%s, v%d.%s", op, d, arr, n, arr, m, arr)
		}
	}
	two := func(op, dst, src string) func(d, n, m, i int) string {
		return func(d, n, _, _ int) string { return fmt.Sprintf("%s v%d.%s, v%d.%s", op, d, dst, n, src) }
	}
	gnu := map[string]func(d, n, m, i int) string{
		"SDOT_LANE":    func(d, n, m, i int) string { return fmt.Sprintf("sdot v%d.4s, v%d.16b, v%d.4b[%d]", d, n, m, i) },
		"UDOT_LANE":    func(d, n, m, i int) string { return fmt.Sprintf("udot v%d.4s, v%d.16b, v%d.4b[%d]", d, n, m, i) },
		"SDOT_VEC":     func(d, n, m, _ int) string { return fmt.Sprintf("sdot v%d.4s, v%d.16b, v%d.16b", d, n, m) },
		"UDOT_VEC":     func(d, n, m, _ int) string { return fmt.Sprintf("udot v%d.4s, v%d.16b, v%d.16b", d, n, m) },
		"SMLAL_LANE":   func(d, n, m, i int) string { return fmt.Sprintf("smlal v%d.4s, v%d.4h, v%d.h[%d]", d, n, m, i) },
		"SMLAL2_LANE":  func(d, n, m, i int) string { return fmt.Sprintf("smlal2 v%d.4s, v%d.8h, v%d.h[%d]", d, n, m, i) },
		"SMLAL_VEC":    func(d, n, m, _ int) string { return fmt.Sprintf("smlal v%d.4s, v%d.4h, v%d.4h", d, n, m) },
		"SMLAL2_VEC":   func(d, n, m, _ int) string { return fmt.Sprintf("smlal2 v%d.4s, v%d.8h, v%d.8h", d, n, m) },
		"SXTL_8H":      two("sxtl", "8h", "8b"),
		"SXTL2_8H":     two("sxtl2", "8h", "16b"),
		"SXTL_4S":      two("sxtl", "4s", "4h"),
		"SXTL2_4S":     two("sxtl2", "4s", "8h"),
		"NEG_4S":       two("neg", "4s", "4s"),
		"MLA_4S":       three("mla", "4s"),
		"SQRDMULH_4S":  three("sqrdmulh", "4s"),
		"SSHL_4S":      three("sshl", "4s"),
		"CMGT_4S":      three("cmgt", "4s"),
		"SMAX_4S":      three("smax", "4s"),
		"SMIN_4S":      three("smin", "4s"),
		"ADD_4S":       three("add", "4s"),
		"SUB_4S":       three("sub", "4s"),
		"AND_16B":      three("and", "16b"),
		"UZP1_8H":      three("uzp1", "8h"),
		"UZP1_16B":     three("uzp1", "16b"),
		"SSHR_4S":      func(d, n, _, s int) string { return fmt.Sprintf("sshr v%d.4s, v%d.4s, #%d", d, n, s) },
		"USRA_4S":      func(d, n, _, s int) string { return fmt.Sprintf("usra v%d.4s, v%d.4s, #%d", d, n, s) },
		"FCVTL_4S":     two("fcvtl", "4s", "4h"),
		"FCVTL2_4S":    two("fcvtl2", "4s", "8h"),
		"FCVTN_4H":     two("fcvtn", "4h", "4s"),
		"FCVTN2_8H":    two("fcvtn2", "8h", "4s"),
		"FADD_4S":      three("fadd", "4s"),
		"FSUB_4S":      three("fsub", "4s"),
		"FMUL_4S":      three("fmul", "4s"),
		"FDIV_4S":      three("fdiv", "4s"),
		"FCMGT_4S":     three("fcmgt", "4s"),
		"BIT_16B":      three("bit", "16b"),
		"UXTL_8H":      two("uxtl", "8h", "8b"),
		"UXTL2_8H":     two("uxtl2", "8h", "16b"),
		"UADDW_4S":     func(d, n, m, _ int) string { return fmt.Sprintf("uaddw v%d.4s, v%d.4s, v%d.4h", d, n, m) },
		"UADDW2_4S":    func(d, n, m, _ int) string { return fmt.Sprintf("uaddw2 v%d.4s, v%d.4s, v%d.8h", d, n, m) },
		"SADDW_4S":     func(d, n, m, _ int) string { return fmt.Sprintf("saddw v%d.4s, v%d.4s, v%d.4h", d, n, m) },
		"SADDW2_4S":    func(d, n, m, _ int) string { return fmt.Sprintf("saddw2 v%d.4s, v%d.4s, v%d.8h", d, n, m) },
		"FMAX_4S":      three("fmax", "4s"),
		"FMIN_4S":      three("fmin", "4s"),
		"FMLA_8H":      three("fmla", "8h"),
		"FMLA_8H_LANE": func(d, n, m, i int) string { return fmt.Sprintf("fmla v%d.8h, v%d.8h, v%d.h[%d]", d, n, m, i) },
		"FMINNM_4S":    three("fminnm", "4s"),
		"FMAXNM_4S":    three("fmaxnm", "4s"),
		"FMINNMV_S":    func(d, n, _, _ int) string { return fmt.Sprintf("fminnmv s%d, v%d.4s", d, n) },
		"FMAXNMV_S":    func(d, n, _, _ int) string { return fmt.Sprintf("fmaxnmv s%d, v%d.4s", d, n) },
		"FRINTZ_4S":    two("frintz", "4s", "4s"),
		"FCVTZS_4S":    two("fcvtzs", "4s", "4s"),
		"FCVTZU_4S":    two("fcvtzu", "4s", "4s"),
		"FCVTAS_4S":    two("fcvtas", "4s", "4s"),
		"SCVTF_4S":     two("scvtf", "4s", "4s"),
		"SQXTN_4H":     two("sqxtn", "4h", "4s"),
		"SQXTN2_8H":    two("sqxtn2", "8h", "4s"),
		"SQXTN_8B":     two("sqxtn", "8b", "8h"),
		"UQXTN_4H":     two("uqxtn", "4h", "4s"),
		"UQXTN_8B":     two("uqxtn", "8b", "8h"),
		"SQADD_8H":     three("sqadd", "8h"),
		"ADDV_S":       func(d, n, _, _ int) string { return fmt.Sprintf("addv s%d, v%d.4s", d, n) },
	}
	// The lanes of the by-element forms, and the shifts of the others.
	lanes := map[string][]int{"SDOT_LANE": {0, 1, 2, 3}, "UDOT_LANE": {0, 1, 2, 3}}
	shifts := []int{1, 2, 7, 16, 31, 32}
	macros := readNeonMacros(t)
	require.Len(t, macros, len(gnu), "every macro has a GNU spelling here")

	type instance struct {
		macro string
		want  uint64
	}
	var src strings.Builder
	var instances []instance
	for name, m := range macros {
		spell, ok := gnu[name]
		require.True(t, ok, "no GNU spelling for %s", name)
		values := []int{0} // no lane or shift operand
		switch {
		case slices.Contains(m.params, "s"):
			values = shifts
		case lanes[name] != nil:
			values = lanes[name]
		case slices.Contains(m.params, "i"):
			values = []int{0, 1, 2, 3, 4, 5, 6, 7}
		}
		for _, regs := range [][3]int{{0, 0, 0}, {31, 30, 15}, {17, 12, 5}, {3, 29, 10}} {
			for _, i := range values {
				args := map[string]uint64{"d": uint64(regs[0]), "n": uint64(regs[1]), "m": uint64(regs[2]), "i": uint64(i), "s": uint64(i)}
				word := evalWord(t, m.word, args)
				fmt.Fprintln(&src, spell(regs[0], regs[1], regs[2], i))
				instances = append(instances, instance{fmt.Sprintf("%s%v operand %d", name, regs, i), word})
			}
		}
	}
	words := assembleWords(t, as, objdump, src.String(), "-march=armv8.2-a+fp16+dotprod")
	require.Len(t, words, len(instances))
	for k, in := range instances {
		require.Equal(t, fmt.Sprintf("%08x", words[k]), fmt.Sprintf("%08x", in.want), in.macro)
	}
}

// assembleWords assembles src with the GNU assembler as (flags added) and
// returns the instruction words objdump reads back, in order.
func assembleWords(t *testing.T, as, objdump, src string, flags ...string) []uint64 {
	t.Helper()
	dir := t.TempDir()
	asm, obj := filepath.Join(dir, "neon.s"), filepath.Join(dir, "neon.o")
	require.NoError(t, os.WriteFile(asm, []byte(src), 0o644))
	out, err := exec.Command(as, append(flags, "-o", obj, asm)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	out, err = exec.Command(objdump, "-d", obj).Output()
	require.NoError(t, err)
	// Disassembly lines look like "   4:\t4e2178a3 \tfcvtl2\tv3.4s, v5.8h".
	line := regexp.MustCompile(`^\s*[0-9a-f]+:\s+([0-9a-f]{8})\s`)
	var words []uint64
	for _, l := range strings.Split(string(out), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			w, err := strconv.ParseUint(m[1], 16, 32)
			require.NoError(t, err)
			words = append(words, w)
		}
	}
	return words
}
