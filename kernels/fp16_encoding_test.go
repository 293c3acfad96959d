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

// fp16Macro is one instruction macro of fp16_arm64.h: its parameters and
// the expression of its WORD.
type fp16Macro struct {
	params []string
	word   ast.Expr
}

// readFP16Macros parses the #define lines of fp16_arm64.h.
func readFP16Macros(t *testing.T) map[string]fp16Macro {
	t.Helper()
	f, err := os.Open("fp16_arm64.h")
	require.NoError(t, err)
	defer f.Close()
	define := regexp.MustCompile(`^#define (\w+)\(([^)]*)\) WORD \$(.*)$`)
	macros := map[string]fp16Macro{}
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
		macros[m[1]] = fp16Macro{params: params, word: word}
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
		}
	}
	require.Failf(t, "unsupported expression", "%T", e)
	return 0
}

// TestFP16Encodings assembles, with the GNU assembler, each macro of
// fp16_arm64.h over a spread of registers and lanes and requires the
// macro's word.
func TestFP16Encodings(t *testing.T) {
	as, err := exec.LookPath("aarch64-linux-gnu-as")
	if err != nil {
		t.Skip("aarch64-linux-gnu-as not installed (apt-get install binutils-aarch64-linux-gnu)")
	}
	objdump, err := exec.LookPath("aarch64-linux-gnu-objdump")
	if err != nil {
		t.Skip("aarch64-linux-gnu-objdump not installed")
	}
	// The GNU spelling of each macro for register numbers d, n, m and lane i.
	gnu := map[string]func(d, n, m, i int) string{
		"FCVTL_4S":     func(d, n, _, _ int) string { return fmt.Sprintf("fcvtl v%d.4s, v%d.4h", d, n) },
		"FCVTL2_4S":    func(d, n, _, _ int) string { return fmt.Sprintf("fcvtl2 v%d.4s, v%d.8h", d, n) },
		"FCVTN_4H":     func(d, n, _, _ int) string { return fmt.Sprintf("fcvtn v%d.4h, v%d.4s", d, n) },
		"FCVTN2_8H":    func(d, n, _, _ int) string { return fmt.Sprintf("fcvtn2 v%d.8h, v%d.4s", d, n) },
		"FADD_4S":      func(d, n, m, _ int) string { return fmt.Sprintf("fadd v%d.4s, v%d.4s, v%d.4s", d, n, m) },
		"FMAX_4S":      func(d, n, m, _ int) string { return fmt.Sprintf("fmax v%d.4s, v%d.4s, v%d.4s", d, n, m) },
		"FMIN_4S":      func(d, n, m, _ int) string { return fmt.Sprintf("fmin v%d.4s, v%d.4s, v%d.4s", d, n, m) },
		"FMLA_8H":      func(d, n, m, _ int) string { return fmt.Sprintf("fmla v%d.8h, v%d.8h, v%d.8h", d, n, m) },
		"FMLA_8H_LANE": func(d, n, m, i int) string { return fmt.Sprintf("fmla v%d.8h, v%d.8h, v%d.h[%d]", d, n, m, i) },
	}
	macros := readFP16Macros(t)
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
		for _, regs := range [][3]int{{0, 0, 0}, {31, 30, 15}, {17, 12, 5}, {3, 29, 10}} {
			for i := range 8 {
				args := map[string]uint64{"d": uint64(regs[0]), "n": uint64(regs[1]), "m": uint64(regs[2]), "i": uint64(i)}
				word := evalWord(t, m.word, args)
				fmt.Fprintln(&src, spell(regs[0], regs[1], regs[2], i))
				instances = append(instances, instance{fmt.Sprintf("%s%v lane %d", name, regs, i), word})
				if !slices.Contains(m.params, "i") {
					break // no lane operand
				}
			}
		}
	}
	dir := t.TempDir()
	asm, obj := filepath.Join(dir, "fp16.s"), filepath.Join(dir, "fp16.o")
	require.NoError(t, os.WriteFile(asm, []byte(src.String()), 0o644))
	out, err := exec.Command(as, "-march=armv8.2-a+fp16", "-o", obj, asm).CombinedOutput()
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
	require.Len(t, words, len(instances))
	for k, in := range instances {
		require.Equal(t, fmt.Sprintf("%08x", words[k]), fmt.Sprintf("%08x", in.want), in.macro)
	}
}
