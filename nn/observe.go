package nn

// Observer is called after each operator of an invocation has run, with
// the operator's position in the subgraph's operator list and its output
// tensors, whose data is then that operator's result. The arena reuses
// memory, so an output's values are only valid during the call: an
// observer that keeps them must copy them. Operators that only relabel
// their input (RESHAPE, SQUEEZE) or fold into constants at build time do
// not run and are not reported; their outputs hold their input's values.
//
// An observer must not call the Interpreter's Invoke, Close or Observe.
type Observer func(op int, outputs []*Tensor)

// Observe installs fn to be called after every operator of each later
// Invoke (for calibration or debugging: recording each tensor's range, say,
// which must happen right after the producing operator because the arena
// reuses memory). Observe(nil) removes it. Without an observer an
// invocation costs one nil check per operator and allocates nothing.
// Observe must not be called during an Invoke.
func (it *Interpreter) Observe(fn Observer) {
	it.mu.Lock()
	defer it.mu.Unlock()
	if fn != nil {
		sg := &it.model.Subgraphs[it.subgraph]
		for _, o := range it.ops {
			if o.outputs != nil {
				continue
			}
			o.outputs = []*Tensor{}
			for _, t := range sg.Operators[o.index].Outputs {
				if t >= 0 {
					o.outputs = append(o.outputs, &it.tensors[t])
				}
			}
		}
	}
	it.observer = fn
}
