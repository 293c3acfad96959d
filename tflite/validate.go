package tflite

import "fmt"

// Validate checks what Parse checks of a file on a Model built or changed
// in memory: every index (buffer, operator code, tensor, subgraph) in
// range, no negative dimension, as many zero points as scales. A Model
// from Parse passes; nn.New and Write call it, so that a hand-built model
// with a bad index is an error naming it rather than a crash.
func (m *Model) Validate() error {
	for i, e := range m.Metadata {
		if int64(e.Buffer) >= int64(len(m.Buffers)) {
			return fmt.Errorf("metadata %d %q: buffer %d out of range (have %d buffers)", i, e.Name, e.Buffer, len(m.Buffers))
		}
	}
	for i := range m.Subgraphs {
		if err := m.validateSubgraph(&m.Subgraphs[i]); err != nil {
			return fmt.Errorf("subgraph %d: %w", i, err)
		}
	}
	for i, s := range m.SignatureDefs {
		if int64(s.SubgraphIndex) >= int64(len(m.Subgraphs)) {
			return fmt.Errorf("signature def %d %q: subgraph %d out of range (have %d subgraphs)", i, s.Key, s.SubgraphIndex, len(m.Subgraphs))
		}
		n := len(m.Subgraphs[s.SubgraphIndex].Tensors)
		for _, tm := range append(s.Inputs[:len(s.Inputs):len(s.Inputs)], s.Outputs...) {
			if int64(tm.TensorIndex) >= int64(n) {
				return fmt.Errorf("signature def %d %q: tensor %q: index %d out of range (have %d tensors)", i, s.Key, tm.Name, tm.TensorIndex, n)
			}
		}
	}
	return nil
}

// validateSubgraph checks the tensors and operators of sg.
func (m *Model) validateSubgraph(sg *Subgraph) error {
	n := len(sg.Tensors)
	for i, t := range sg.Tensors {
		if int64(t.Buffer) >= int64(len(m.Buffers)) {
			return fmt.Errorf("tensor %d %q: buffer %d out of range (have %d buffers)", i, t.Name, t.Buffer, len(m.Buffers))
		}
		for _, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("tensor %d %q: negative dimension in shape %v", i, t.Name, t.Shape)
			}
		}
		if q := t.Quantization; q != nil && len(q.ZeroPoint) != 0 && len(q.ZeroPoint) != len(q.Scale) {
			return fmt.Errorf("tensor %d %q: %d zero points for %d scales", i, t.Name, len(q.ZeroPoint), len(q.Scale))
		}
	}
	if err := checkTensorIndices(sg.Inputs, n, false); err != nil {
		return fmt.Errorf("inputs: %w", err)
	}
	if err := checkTensorIndices(sg.Outputs, n, false); err != nil {
		return fmt.Errorf("outputs: %w", err)
	}
	for i, op := range sg.Operators {
		if int64(op.OpcodeIndex) >= int64(len(m.OperatorCodes)) {
			return fmt.Errorf("operator %d: opcode index %d out of range (have %d operator codes)", i, op.OpcodeIndex, len(m.OperatorCodes))
		}
		if err := checkTensorIndices(op.Inputs, n, true); err != nil {
			return fmt.Errorf("operator %d: inputs: %w", i, err)
		}
		if err := checkTensorIndices(op.Outputs, n, false); err != nil {
			return fmt.Errorf("operator %d: outputs: %w", i, err)
		}
		if err := checkTensorIndices(op.Intermediates, n, false); err != nil {
			return fmt.Errorf("operator %d: intermediates: %w", i, err)
		}
	}
	return nil
}
