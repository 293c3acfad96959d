package kernels

import (
	"fmt"
	"go/parser"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNeonArmEncodings expands each instruction macro of neon_arm.h (the
// 32-bit NEON encodings) with the C preprocessor for a spread of
// registers, lanes and shifts, and requires the word the GNU assembler
// makes of the instruction the macro's comment names.
func TestNeonArmEncodings(t *testing.T) {
	tools := map[string]string{}
	for _, name := range []string{"cpp", "arm-linux-gnueabihf-as", "arm-linux-gnueabihf-objdump"} {
		path, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("%s not installed (apt-get install cpp binutils-arm-linux-gnueabihf)", name)
		}
		tools[name] = path
	}
	three := func(op string) func(a, b, c int) string {
		return func(a, b, c int) string { return fmt.Sprintf("%s q%d, q%d, q%d", op, a, b, c) }
	}
	post := func(p int) string { // the macros' post-increment operand
		switch p {
		case 13:
			return "!"
		case 15:
			return ""
		}
		return fmt.Sprintf(", r%d", p)
	}
	list := func(first, n int) string { return fmt.Sprintf("d%d-d%d", first, first+n-1) }
	// Each macro with its operand sets and the GNU spelling for them.
	cases := []struct {
		macro string
		sets  []armOperands
		gnu   func(a, b, c int) string
	}{
		{"VEOR", qqq, three("veor")},
		{"VAND", qqq, three("vand")},
		{"VADD_I32", qqq, three("vadd.i32")},
		{"VSUB_I32", qqq, three("vsub.i32")},
		{"VQRDMULH_S32", qqq, three("vqrdmulh.s32")},
		{"VCGT_S32", qqq, three("vcgt.s32")},
		{"VMAX_S32", qqq, three("vmax.s32")},
		{"VMIN_S32", qqq, three("vmin.s32")},
		{"VSHL_S32", qqq, three("vshl.s32")},
		{"VNEG_S32", qqq, func(a, b, _ int) string { return fmt.Sprintf("vneg.s32 q%d, q%d", a, b) }},
		{"VSHR_S32", []armOperands{{0, 1, 1}, {15, 3, 16}, {7, 9, 31}, {2, 2, 32}}, func(a, b, c int) string { return fmt.Sprintf("vshr.s32 q%d, q%d, #%d", a, b, c) }},
		{"VDUP_32", []armOperands{{0, 0}, {15, 12}, {6, 3}}, func(a, b, _ int) string { return fmt.Sprintf("vdup.32 q%d, r%d", a, b) }},
		{"VMOVL_U8", qd, func(a, b, _ int) string { return fmt.Sprintf("vmovl.u8 q%d, d%d", a, b) }},
		{"VMOVL_S8", qd, func(a, b, _ int) string { return fmt.Sprintf("vmovl.s8 q%d, d%d", a, b) }},
		{"VMOVN_I32", dq, func(a, b, _ int) string { return fmt.Sprintf("vmovn.i32 d%d, q%d", a, b) }},
		{"VMOVN_I16", dq, func(a, b, _ int) string { return fmt.Sprintf("vmovn.i16 d%d, q%d", a, b) }},
		{"VMLAL_S16", []armOperands{{0, 0, 0}, {15, 31, 17}, {4, 19, 2}}, func(a, b, c int) string { return fmt.Sprintf("vmlal.s16 q%d, d%d, d%d", a, b, c) }},
		{"VMLAL_S16_LANE", nil, nil}, // below, with lanes
		{"VLD1_LANE32_POST", []armOperands{{0, 0, 0}, {31, 1, 12}, {17, 1, 3}}, func(a, b, c int) string { return fmt.Sprintf("vld1.32 {d%d[%d]}, [r%d]!", a, b, c) }},
		{"VLD1_8", dpost, func(a, b, c int) string { return fmt.Sprintf("vld1.8 {d%d}, [r%d]%s", a, b, post(c)) }},
		{"VLD1_32X2", dpost, func(a, b, c int) string { return fmt.Sprintf("vld1.32 {d%d, d%d}, [r%d]%s", a, a+1, b, post(c)) }},
		{"VLD1_32X4", dpost, func(a, b, c int) string { return fmt.Sprintf("vld1.32 {%s}, [r%d]%s", list(a, 4), b, post(c)) }},
		{"VLD1_16X4", dpost, func(a, b, c int) string { return fmt.Sprintf("vld1.16 {%s}, [r%d]%s", list(a, 4), b, post(c)) }},
		{"VST1_32X4", dpost, func(a, b, c int) string { return fmt.Sprintf("vst1.32 {%s}, [r%d]%s", list(a, 4), b, post(c)) }},
		{"VST1_8", dpost, func(a, b, c int) string { return fmt.Sprintf("vst1.8 {d%d}, [r%d]%s", a, b, post(c)) }},
	}
	var calls, spellings []string
	for _, c := range cases {
		if c.macro == "VMLAL_S16_LANE" {
			for _, regs := range [][3]int{{0, 0, 0}, {15, 31, 7}, {5, 18, 3}} {
				for x := range 4 {
					calls = append(calls, fmt.Sprintf("VMLAL_S16_LANE(%d, %d, %d, %d)", regs[0], regs[1], regs[2], x))
					spellings = append(spellings, fmt.Sprintf("vmlal.s16 q%d, d%d, d%d[%d]", regs[0], regs[1], regs[2], x))
				}
			}
			continue
		}
		for _, o := range c.sets {
			args := []string{fmt.Sprint(o[0]), fmt.Sprint(o[1]), fmt.Sprint(o[2])}
			if c.macro == "VNEG_S32" || c.macro == "VDUP_32" || strings.HasPrefix(c.macro, "VMOV") {
				args = args[:2]
			}
			calls = append(calls, fmt.Sprintf("%s(%s)", c.macro, strings.Join(args, ", ")))
			spellings = append(spellings, c.gnu(o[0], o[1], o[2]))
		}
	}

	// The preprocessor expands the calls into WORD $(expression) lines.
	cmd := exec.Command(tools["cpp"], "-P", "-undef", "-x", "assembler-with-cpp", "-I", ".")
	cmd.Stdin = strings.NewReader("#include \"neon_arm.h\"\n" + strings.Join(calls, "\n") + "\n")
	expanded, err := cmd.Output()
	require.NoError(t, err)
	var got []uint64
	for _, l := range strings.Split(string(expanded), "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "WORD $") {
			continue
		}
		e, err := parser.ParseExpr(strings.TrimPrefix(l, "WORD $"))
		require.NoError(t, err, l)
		got = append(got, evalWord(t, e, nil))
	}
	require.Len(t, got, len(calls))

	want := assembleWords(t, tools["arm-linux-gnueabihf-as"], tools["arm-linux-gnueabihf-objdump"],
		strings.Join(spellings, "\n")+"\n", "-march=armv7-a", "-mfpu=neon")
	require.Len(t, want, len(calls))
	for k := range calls {
		require.Equal(t, fmt.Sprintf("%08x", want[k]), fmt.Sprintf("%08x", got[k]), "%s is %s", calls[k], spellings[k])
	}
}

// Operand sets of the 32-bit encoding test: three Q registers; a Q and a D
// register; a D and a Q register; a D register, a core register and a
// post-increment (a register, 13 for "!", 15 for none).
var (
	qqq   = []armOperands{{0, 0, 0}, {15, 14, 13}, {1, 8, 7}, {9, 3, 15}}
	qd    = []armOperands{{0, 0}, {15, 31}, {7, 16}, {8, 3}}
	dq    = []armOperands{{0, 0}, {31, 15}, {16, 7}, {3, 8}}
	dpost = []armOperands{{0, 0, 15}, {28, 12, 13}, {17, 3, 5}, {4, 1, 15}}
)

// armOperands is one set of up to three operand numbers.
type armOperands [3]int
