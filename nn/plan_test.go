package nn

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/percept-robotics/percept/internal/tflitetest"
	"github.com/percept-robotics/percept/tflite"
)

// build encodes, parses and builds a hand-written model with one thread. A
// New that does not return within seconds fails the test instead of
// hanging it.
func build(t *testing.T, m *tflitetest.Model) (*Interpreter, error) {
	t.Helper()
	parsed := m.Parse(t)
	type result struct {
		it  *Interpreter
		err error
	}
	done := make(chan result, 1)
	go func() {
		it, err := New(parsed, &Options{Threads: 1})
		done <- result{it, err}
	}()
	select {
	case r := <-done:
		if r.it != nil {
			t.Cleanup(func() { r.it.Close() })
		}
		return r.it, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("New does not return")
		return nil, nil
	}
}

// planGroups is an independent account of an interpreter's arena: which
// tensors share memory and when each group of them is alive.
type planGroups struct {
	root        map[int]int   // tensor → the representative of its group
	first, last map[int]int   // group → first and last executed step using it
	size        map[int]int   // group → bytes
	offset      map[int]int   // group → arena offset
	members     map[int][]int // group → tensors
}

// accountArena recomputes the lifetimes of the arena tensors of it from
// the model alone: the executed operators in order, RESHAPE and SQUEEZE
// outputs grouped with their inputs, the subgraph's inputs alive through
// every step (a caller may invoke again on them) and its outputs to the
// last. It checks every arena tensor's
// placement against the plan on the way.
func accountArena(t *testing.T, it *Interpreter) planGroups {
	t.Helper()
	sg := &it.model.Subgraphs[0]
	parent := map[int]int{}
	var find func(int) int
	find = func(x int) int {
		if p, ok := parent[x]; ok && p != x {
			return find(p)
		}
		return x
	}
	executed := map[int]bool{}
	for _, o := range it.ops {
		executed[o.index] = true
	}
	for i, mop := range sg.Operators {
		code := it.model.OperatorCodes[mop.OpcodeIndex].Builtin
		if !executed[i] && (code == tflite.OpReshape || code == tflite.OpSqueeze) {
			parent[find(int(mop.Outputs[0]))] = find(int(mop.Inputs[0]))
		}
	}
	g := planGroups{root: map[int]int{}, first: map[int]int{}, last: map[int]int{},
		size: map[int]int{}, offset: map[int]int{}, members: map[int][]int{}}
	touch := func(tensor, step int) {
		r := find(tensor)
		if f, ok := g.first[r]; !ok || step < f {
			g.first[r] = step
		}
		g.last[r] = max(g.last[r], step)
	}
	for _, x := range sg.Inputs {
		touch(int(x), 0)
		touch(int(x), max(len(it.ops)-1, 0))
	}
	for step, o := range it.ops {
		mop := &sg.Operators[o.index]
		for _, x := range append(append([]int32{}, mop.Inputs...), mop.Outputs...) {
			if x >= 0 {
				touch(int(x), step)
			}
		}
	}
	for _, x := range sg.Outputs {
		touch(int(x), max(len(it.ops)-1, 0))
	}
	arenaStart := uintptr(unsafe.Pointer(unsafe.SliceData(it.arena)))
	for i := range it.tensors {
		off, ok := it.plan.offsets[i]
		if !ok {
			continue
		}
		x := &it.tensors[i]
		r := find(i)
		size := x.NumElements() * x.Type.Size()
		if prev, seen := g.offset[r]; seen {
			assert.Equal(t, prev, off, "%v shares its group's memory", x)
		}
		g.root[i], g.offset[r], g.size[r] = r, off, max(g.size[r], size)
		g.members[r] = append(g.members[r], i)
		assert.Zero(t, off%64, "%v: offset %d is 64-byte aligned", x, off)
		assert.LessOrEqual(t, off+size, it.plan.ArenaBytes, "%v lies inside the arena", x)
		require.Len(t, x.data, size, "%v: data length", x)
		if size > 0 {
			assert.Equal(t, arenaStart+uintptr(off), uintptr(unsafe.Pointer(&x.data[0])), "%v: data is at its offset", x)
		}
		_, alive := g.first[r]
		assert.True(t, alive, "%v is in the arena but no executed operator uses it", x)
	}
	return g
}

// checkArena checks that arena tensors alive at the same step never share
// bytes, that the plan's lower bound is the most bytes alive at one step
// and that the arena is at least that large. It returns the lower bound.
func checkArena(t *testing.T, it *Interpreter) {
	t.Helper()
	g := accountArena(t, it)
	var groups []int
	total := 0
	for r := range g.offset {
		groups = append(groups, r)
		total += g.size[r]
	}
	for i, a := range groups {
		for _, b := range groups[i+1:] {
			if g.size[a] == 0 || g.size[b] == 0 || g.last[a] < g.first[b] || g.last[b] < g.first[a] {
				continue
			}
			disjoint := g.offset[a]+g.size[a] <= g.offset[b] || g.offset[b]+g.size[b] <= g.offset[a]
			assert.True(t, disjoint, "%v [%d, %d) and %v [%d, %d) are both alive at steps %d–%d",
				&it.tensors[a], g.offset[a], g.offset[a]+g.size[a], &it.tensors[b], g.offset[b], g.offset[b]+g.size[b],
				max(g.first[a], g.first[b]), min(g.last[a], g.last[b]))
		}
	}
	lower := 0
	for step := range max(len(it.ops), 1) {
		alive := 0
		for _, r := range groups {
			if g.first[r] <= step && step <= g.last[r] {
				alive += g.size[r]
			}
		}
		lower = max(lower, alive)
	}
	plan := it.Memory()
	assert.Equal(t, lower, plan.LowerBoundBytes, "lower bound")
	assert.Equal(t, total, plan.TensorBytes, "bytes of all arena tensors")
	assert.GreaterOrEqual(t, plan.ArenaBytes, plan.LowerBoundBytes)
}

func TestArenaPlanOnRealModels(t *testing.T) {
	for _, path := range robustModelFiles(t) {
		name := strings.TrimSuffix(path[strings.LastIndex(path, "/")+1:], ".tflite")
		t.Run(name, func(t *testing.T) {
			m, err := tflite.Open(path)
			require.NoError(t, err)
			defer m.Close()
			it, err := New(m, &Options{Threads: 1})
			if err != nil && unsupportedModels[name] != nil && errors.Is(err, ErrUnsupported) {
				t.Skipf("percept cannot run it (TestUnsupportedRealModels checks why): %v", err)
			}
			require.NoError(t, err)
			defer it.Close()
			checkArena(t, it)
			plan := it.Memory()
			t.Logf("arena %d bytes, lower bound %d (%.3f×), all tensors %d bytes, %d executed operators",
				plan.ArenaBytes, plan.LowerBoundBytes, float64(plan.ArenaBytes)/float64(plan.LowerBoundBytes), plan.TensorBytes, len(it.ops))
		})
	}
}

// addChain is in → a = in+in → b = a+a → c = b+b, all float32 of shape.
func addChain(shape []int32) *tflitetest.Model {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, shape, nil, nil)
	a := m.Tensor("a", tflite.TypeFloat32, shape, nil, nil)
	b := m.Tensor("b", tflite.TypeFloat32, shape, nil, nil)
	c := m.Tensor("c", tflite.TypeFloat32, shape, nil, nil)
	for _, step := range [][2]int32{{in, a}, {a, b}, {b, c}} {
		m.Op(tflite.OpAdd, 1, []int32{step[0], step[0]}, []int32{step[1]}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)})
	}
	m.Inputs, m.Outputs = []int32{in}, []int32{c}
	return m
}

// TestPlanReusesDeadTensors: in the chain in → a → b → c the input lives
// throughout, a during steps 0–1, b 1–2 and c 2: at most three tensors are
// alive at once and c can take a's place.
func TestPlanReusesDeadTensors(t *testing.T) {
	it, err := build(t, addChain([]int32{1, 4, 4, 4})) // 256 bytes each
	require.NoError(t, err)
	checkArena(t, it)
	plan := it.Memory()
	assert.Equal(t, MemoryPlan{ArenaBytes: 768, TensorBytes: 1024, LowerBoundBytes: 768, offsets: map[int]int{0: 0, 1: 256, 2: 512, 3: 256}}, plan)

	in := it.Input(0).Float32s()
	for i := range in {
		in[i] = float32(i) - 20.5
	}
	require.NoError(t, it.Invoke())
	for i, v := range it.Output(0).Float32s() {
		require.Equal(t, 8*(float32(i)-20.5), v, "element %d", i)
	}
}

// TestPlanAlignsOffsets: tensors of 12 bytes still start 64 bytes apart.
func TestPlanAlignsOffsets(t *testing.T) {
	it, err := build(t, addChain([]int32{3}))
	require.NoError(t, err)
	checkArena(t, it)
	plan := it.Memory()
	assert.Equal(t, 128+12, plan.ArenaBytes)
	assert.Equal(t, 36, plan.LowerBoundBytes)
	assert.Equal(t, map[int]int{0: 0, 1: 64, 2: 128, 3: 64}, plan.offsets)
}

// TestReshapeAndSqueezeAlias: RESHAPE and SQUEEZE run no kernel; their
// outputs are their inputs' memory under another shape.
func TestReshapeAndSqueezeAlias(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{1, 2, 2, 4}, nil, nil)
	sum := m.Tensor("sum", tflite.TypeFloat32, []int32{1, 2, 2, 4}, nil, nil)
	shape := m.Tensor("shape", tflite.TypeInt32, []int32{2}, tflitetest.Int32s(1, -1), nil)
	flat := m.Tensor("flat", tflite.TypeFloat32, []int32{1, 16}, nil, nil)
	squeezed := m.Tensor("squeezed", tflite.TypeFloat32, []int32{16}, nil, nil)
	out := m.Tensor("out", tflite.TypeFloat32, []int32{16}, nil, nil)
	m.Op(tflite.OpAdd, 1, []int32{in, in}, []int32{sum}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)})
	m.Op(tflite.OpReshape, 1, []int32{sum, shape}, []int32{flat}, 0, nil)
	m.Op(tflite.OpSqueeze, 1, []int32{flat}, []int32{squeezed}, tflitetest.OptionsSqueeze, tflitetest.Table{[]int32{0}})
	m.Op(tflite.OpAdd, 1, []int32{squeezed, squeezed}, []int32{out}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	it, err := build(t, m)
	require.NoError(t, err)
	checkArena(t, it)

	require.Len(t, it.ops, 2, "RESHAPE and SQUEEZE are folded away")
	base := &it.Tensor(int(sum)).Bytes()[0]
	assert.Same(t, base, &it.Tensor(int(flat)).Bytes()[0], "RESHAPE output aliases its input")
	assert.Same(t, base, &it.Tensor(int(squeezed)).Bytes()[0], "SQUEEZE output aliases its input")
	assert.Equal(t, []int{1, 16}, it.Tensor(int(flat)).Shape)
	assert.Equal(t, []int{16}, it.Tensor(int(squeezed)).Shape)

	x := it.Input(0).Float32s()
	for i := range x {
		x[i] = 0.25 * float32(i+1)
	}
	require.NoError(t, it.Invoke())
	for i, v := range it.Output(0).Float32s() {
		require.Equal(t, float32(i+1), v, "element %d: 4 × %g", i, x[i])
	}
}

func TestUnsupportedOperatorIsNamed(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{4}, nil, nil)
	out := m.Tensor("out", tflite.TypeFloat32, []int32{4}, nil, nil)
	m.Op(tflite.OpFloor, 2, []int32{in}, []int32{out}, 0, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnsupported)
	assert.Contains(t, err.Error(), "FLOOR v2 ×1 (op 0)")
}

func TestDeclaredOutputShapeMustAgree(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{1, 2, 2, 4}, nil, nil)
	out := m.Tensor("sum", tflite.TypeFloat32, []int32{1, 2, 2, 5}, nil, nil)
	m.Op(tflite.OpAdd, 1, []int32{in, in}, []int32{out}, tflitetest.OptionsAdd, tflitetest.Table{int8(0)})
	m.Inputs, m.Outputs = []int32{in}, []int32{out}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `tensor 1 "sum" FLOAT32[1 2 2 5]`)
	assert.Contains(t, err.Error(), "produces shape [1 2 2 4]")
}

// TestArenaIsBounded: a 700-byte file declaring one 4 GiB input (found by
// FuzzNew) must not make New allocate it.
func TestArenaIsBounded(t *testing.T) {
	m := tflitetest.NewModel()
	in := m.Tensor("in", tflite.TypeFloat32, []int32{65, 4, 1048580, 4}, nil, nil)
	m.Inputs, m.Outputs = []int32{in}, []int32{in}
	_, err := build(t, m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "4362092800 bytes") // also on 32-bit ARM, where int wraps
}
