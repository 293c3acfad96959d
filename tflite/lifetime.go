package tflite

import (
	"errors"
	"fmt"
	"sync"
)

// ErrClosed is the error of every use of a Model after its Close. Errors
// wrap it with what was closed; nn and models return the same value for
// their own closed objects, so errors.Is(err, tflite.ErrClosed) matches all.
var ErrClosed = errors.New("already closed")

// lifetime counts the holds on a model's memory: the model's own, which
// Close releases, and one per Acquire not yet released. Copies of a Model
// share it.
type lifetime struct {
	mu     sync.Mutex
	model  *Model // the Model whose fields are cleared when the memory goes
	holds  int
	closed bool         // the model's own hold is released
	unmap  func() error // nil when the memory is the garbage collector's
	err    error        // the result of unmap
}

// lazyLife guards the creation of the lifetime of a Model that was built
// as a struct literal rather than by Parse.
var lazyLife sync.Mutex

// life returns the model's lifetime, creating it for a Model built by hand.
func (m *Model) life() *lifetime {
	lazyLife.Lock()
	defer lazyLife.Unlock()
	if m.lifetime == nil {
		m.lifetime = &lifetime{model: m, holds: 1}
	}
	return m.lifetime
}

// releaseLocked drops one hold; the last one unmaps the memory and clears
// the model's slices into it, so that a later read finds nothing instead
// of faulting. l.mu is held.
func (l *lifetime) releaseLocked() {
	l.holds--
	if l.holds > 0 {
		return
	}
	m := l.model
	m.raw = nil
	for i := range m.Buffers {
		m.Buffers[i].Data = nil
	}
	for s := range m.Subgraphs {
		for i := range m.Subgraphs[s].Operators {
			m.Subgraphs[s].Operators[i].CustomOptions = nil
		}
	}
	if l.unmap != nil {
		l.err = l.unmap()
		l.unmap = nil
	}
}

// Acquire takes a hold on the model's memory: the weights, and every slice
// that aliases them, stay valid until release is called, even if the Model
// is closed meanwhile. An nn.Interpreter takes one for its whole life, so
// closing a model early is always safe for interpreters built on it.
//
// release is never nil and is safe to call more than once and from any
// goroutine; only its first call releases. Acquire returns an error
// wrapping ErrClosed after Close.
func (m *Model) Acquire() (release func(), err error) {
	l := m.life()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return func() {}, fmt.Errorf("tflite: model %w", ErrClosed)
	}
	l.holds++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.releaseLocked()
		})
	}, nil
}

// Close releases the model's own hold on its memory. The memory (a memory
// map for models from Open) is released when the last hold is: at once
// when nothing else holds the model, else when the last interpreter built
// on it (or other holder, see Acquire) is closed. Closing a model early is
// therefore always safe for interpreters built on it.
//
// After Close, the Model's methods return errors wrapping ErrClosed (Bytes
// returns nil) and New of an nn.Interpreter on it fails. Once the memory
// is released, the Data of Buffers and the CustomOptions of operators are
// nil; slices taken from them earlier must not be used any more. The other
// exported fields (shapes, names, quantization) stay readable.
//
// Close is safe to call more than once; it returns the error of unmapping,
// when unmapping has happened and failed. Models from Parse and ReadFrom
// follow the same rule, with nothing to unmap.
func (m *Model) Close() error {
	l := m.life()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.closed = true
		l.releaseLocked()
	}
	return l.err
}

// Bytes returns the whole model file, aliasing the Model's memory; it
// returns nil after Close. The slice is valid while the Model is open or
// held (see Acquire).
func (m *Model) Bytes() []byte {
	l := m.life()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	return m.raw
}
