//go:build !edgetpu || !cgo

package edgetpu

// Built reports whether this build supports the Edge TPU.
const Built = false

// Graph is a set of tensors and nodes whose Edge TPU nodes run on a
// device; builds without Edge TPU support cannot make one.
type Graph struct{}

// Devices lists the Edge TPUs libedgetpu sees; it returns ErrNotBuilt here.
func Devices(cfg Config) ([]Device, error) { return nil, ErrNotBuilt }

// Version is libedgetpu's version text; it returns ErrNotBuilt here.
func Version(cfg Config) (string, error) { return "", ErrNotBuilt }

// New hands the graph's Edge TPU nodes to a device. Here it checks the
// device name and the graph, then returns ErrNotBuilt.
func New(cfg Config, tensors []Tensor, nodes []Node) (*Graph, error) {
	if _, err := parseDevice(cfg.Device); err != nil {
		return nil, err
	}
	if err := validate(tensors, nodes); err != nil {
		return nil, err
	}
	return nil, ErrNotBuilt
}

// Delegated reports whether node i runs on the Edge TPU.
func (g *Graph) Delegated(i int) bool { return false }

// SetData gives tensor i its memory.
func (g *Graph) SetData(i int, data []byte) error { return ErrNotBuilt }

// RegistrationLayout is the TfLiteRegistration layout libedgetpu used.
func (g *Graph) RegistrationLayout() string { return "" }

// Invoke runs node i on the Edge TPU.
func (g *Graph) Invoke(i int) error { return ErrNotBuilt }

// Close frees the graph.
func (g *Graph) Close() error { return nil }
