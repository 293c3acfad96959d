// The C side of percept's Edge TPU host: it loads libedgetpu.so.1, stands
// in for TensorFlow Lite's interpreter towards the delegate (a TfLiteContext
// holding the Edge TPU nodes and the tensors they touch) and runs the
// delegate's kernels when percept's schedule reaches them.

#ifndef PERCEPT_EDGETPU_SHIM_H
#define PERCEPT_EDGETPU_SHIM_H

#include <stddef.h>
#include <stdint.h>

typedef struct ptpu_lib ptpu_lib;
typedef struct ptpu_graph ptpu_graph;

// ptpu_open loads libedgetpu from path (NULL: "libedgetpu.so.1" through the
// loader's search) and resolves its six functions. On failure it returns
// NULL and writes the reason to err. A library is never unloaded.
ptpu_lib *ptpu_open(const char *path, char *err, size_t errlen);

// ptpu_version is edgetpu_version().
const char *ptpu_version(ptpu_lib *lib);

// ptpu_verbosity is edgetpu_verbosity().
void ptpu_verbosity(ptpu_lib *lib, int level);

// ptpu_devices lists up to max devices: types[i] is 0 (PCIe) or 1 (USB),
// paths[i] a NUL-terminated path within pathlen bytes. It returns how many
// devices exist.
int ptpu_devices(ptpu_lib *lib, int *types, char *paths, size_t pathlen, int max);

// ptpu_graph_new makes an empty host graph of ntensors tensors and nnodes
// nodes (all in one execution plan, in index order).
ptpu_graph *ptpu_graph_new(int ntensors, int nnodes);

// ptpu_tensor describes tensor i. name is copied.
int ptpu_tensor(ptpu_graph *g, int i, int type, size_t bytes, const int *dims, int ndims, float scale, int32_t zero_point, const char *name);

// ptpu_node describes node i: custom_name and the custom data are copied
// into memory that stays put until ptpu_graph_free.
int ptpu_node(ptpu_graph *g, int i, const char *custom_name, const int *inputs, int ninputs, const int *outputs, int noutputs, const void *data, int datalen);

// ptpu_apply creates a delegate on the device (type 0 PCIe, 1 USB; path
// NULL for the first free one; nopts options), runs its Prepare (which
// replaces the Edge TPU nodes with kernels and initialises them) and then
// each kernel's prepare. It returns the number of kernels, or -1 (see
// ptpu_error); -2 when no device could be opened.
int ptpu_apply(ptpu_lib *lib, ptpu_graph *g, int type, const char *path, const char *const *names, const char *const *values, int nopts);

// ptpu_delegated reports whether node i was replaced by a kernel.
int ptpu_delegated(ptpu_graph *g, int i);

// ptpu_replace_layout is the registration layout the replacement callback
// that worked was compiled for: 1 (TF 2.5, which on amd64 and arm64 serves
// every library), 2 (TF 2.16, needed on 32-bit ARM by libraries built
// against it); 0 before ptpu_apply replaced a node.
int ptpu_replace_layout(ptpu_graph *g);

// ptpu_set_data points tensor i at data (memory that must not move until
// ptpu_graph_free or the next ptpu_set_data). Signed Edge TPU inputs get a
// scratch copy, since libedgetpu flips their sign bits in place.
int ptpu_set_data(ptpu_graph *g, int i, void *data);

// ptpu_invoke runs the kernel that replaced node i. It returns 0 or -1
// (see ptpu_error).
int ptpu_invoke(ptpu_graph *g, int i);

// ptpu_error is the text libedgetpu reported through ReportError since
// the last ptpu_apply or ptpu_invoke, and the host's own errors.
const char *ptpu_error(ptpu_graph *g);

// ptpu_graph_free frees every kernel, then the delegate, then the graph.
void ptpu_graph_free(ptpu_graph *g);

#endif
