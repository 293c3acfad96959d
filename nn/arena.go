package nn

import (
	"fmt"
	"sort"
)

// arenaAlign is the alignment of every tensor in the arena, enough for the
// widest SIMD load.
const arenaAlign = 64

// maxArenaBytes bounds the arena, so that a small corrupted file cannot
// make New allocate gigabytes: real models need megabytes.
const maxArenaBytes = 1 << 30

// MemoryPlan describes how the intermediate tensors share the arena.
type MemoryPlan struct {
	ArenaBytes      int // size of the arena
	TensorBytes     int // sum of the sizes of every tensor in the arena
	LowerBoundBytes int // the most bytes alive at any one operator: no plan can be smaller
	offsets         map[int]int
}

// interval is the life of one arena tensor, in executed-operator steps.
type interval struct {
	tensor      int
	size        int
	first, last int
	offset      int
}

// planMemory places every non-constant tensor that the plan touches in one
// arena. Tensors whose lifetimes overlap never overlap in memory. Placement
// is greedy by size, largest first, each at the lowest offset that fits
// between the tensors already placed that are alive at the same time, as
// TFLite's arena planner does.
func (g *graph) planMemory() (MemoryPlan, error) {
	steps := len(g.used)
	lives := map[int]*interval{}
	touch := func(t, step int) {
		r := g.root(t)
		tensor := &g.it.tensors[r]
		if tensor.constant {
			return
		}
		iv, ok := lives[r]
		if !ok {
			iv = &interval{tensor: r, size: g.byteSize(tensor), first: step, last: step}
			lives[r] = iv
		}
		iv.first = min(iv.first, step)
		iv.last = max(iv.last, step)
	}
	// Inputs stay valid for the whole invocation, so that a caller may
	// invoke again on the same input; outputs stay valid after it.
	for _, t := range g.sg.Inputs {
		touch(int(t), 0)
		touch(int(t), max(steps-1, 0))
	}
	for step, used := range g.used {
		for _, t := range used {
			touch(t, step)
		}
	}
	for _, t := range g.sg.Outputs {
		touch(int(t), max(steps-1, 0))
	}

	order := make([]*interval, 0, len(lives))
	plan := MemoryPlan{offsets: map[int]int{}}
	for _, iv := range lives {
		order = append(order, iv)
		plan.TensorBytes += iv.size
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].size != order[j].size {
			return order[i].size > order[j].size
		}
		return order[i].tensor < order[j].tensor
	})
	var placed []*interval
	for _, iv := range order {
		// Tensors alive at the same time, by offset.
		var busy []*interval
		for _, p := range placed {
			if p.first <= iv.last && iv.first <= p.last {
				busy = append(busy, p)
			}
		}
		sort.Slice(busy, func(i, j int) bool { return busy[i].offset < busy[j].offset })
		offset := 0
		for _, p := range busy {
			if p.offset >= offset+iv.size {
				break
			}
			offset = max(offset, alignUp(p.offset+p.size))
		}
		iv.offset = offset
		placed = append(placed, iv)
		plan.offsets[iv.tensor] = offset
		plan.ArenaBytes = max(plan.ArenaBytes, offset+iv.size)
	}
	for step := range max(steps, 1) {
		alive := 0
		for _, iv := range order {
			if iv.first <= step && step <= iv.last {
				alive += iv.size
			}
		}
		plan.LowerBoundBytes = max(plan.LowerBoundBytes, alive)
	}
	for t := range g.it.tensors {
		if r := g.root(t); r != t {
			if off, ok := plan.offsets[r]; ok {
				plan.offsets[t] = off
			}
		}
	}
	if plan.ArenaBytes > maxArenaBytes {
		return plan, fmt.Errorf("nn: the model needs an arena of %d bytes, above the limit of %d", plan.ArenaBytes, maxArenaBytes)
	}
	return plan, nil
}

func alignUp(n int) int { return (n + arenaAlign - 1) &^ (arenaAlign - 1) }
