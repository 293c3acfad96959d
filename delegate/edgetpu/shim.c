//go:build edgetpu && cgo

#include "shim.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"

struct ptpu_lib {
	struct edgetpu_device *(*list_devices)(size_t *);
	void (*free_devices)(struct edgetpu_device *);
	TfLiteDelegate *(*create_delegate)(int, const char *, const struct edgetpu_option *, size_t);
	void (*free_delegate)(TfLiteDelegate *);
	void (*verbosity)(int);
	const char *(*version)(void);
};

// kernel is one delegate kernel: the node TFLite would add in place of an
// Edge TPU node, with the registration libedgetpu gave for it.
typedef struct kernel {
	TfLiteNode node;
	TfLiteRegistrationV1 reg;
	TfLiteDelegateParams params;
	TfLiteIntArray *replaced; // params.nodes_to_replace: the original node
	int original;
} kernel;

enum { max_external = 8, err_cap = 4096 };

struct ptpu_graph {
	TfLiteContext ctx; // first, so that a context pointer is the graph's
	int ntensors, nnodes;
	TfLiteTensor *tensors;
	void **data;    // per tensor: the host's memory
	void **scratch; // per tensor: the copy a signed kernel input is given
	TfLiteNode *nodes;
	TfLiteRegistrationV1 *regs;
	TfLiteIntArray *plan;
	kernel *kernels; // capacity nnodes, never moved
	int nkernels;
	int *kernel_of; // per node: its kernel, or -1
	TfLiteExternalContext *external[max_external];
	ptpu_lib *lib;
	TfLiteDelegate *delegate;
	int preparing; // inside the delegate's Prepare
	int mismatch;  // the replacement callback saw arguments it cannot trust
	int layout;    // 1: TF ≤ 2.5 registration callback, 2: TF 2.16
	char err[err_cap];
	size_t errlen;
};

static ptpu_graph *graph_of(TfLiteContext *ctx) { return (ptpu_graph *)ctx; }

static void clear_error(ptpu_graph *g) {
	g->err[0] = 0;
	g->errlen = 0;
}

static void vappend_error(ptpu_graph *g, const char *format, va_list ap) {
	if (g->errlen > 0 && g->errlen + 2 < err_cap) {
		memcpy(g->err + g->errlen, "; ", 3);
		g->errlen += 2;
	}
	if (g->errlen + 1 >= err_cap) {
		return;
	}
	int n = vsnprintf(g->err + g->errlen, err_cap - g->errlen, format, ap);
	if (n > 0) {
		g->errlen += (size_t)n < err_cap - g->errlen ? (size_t)n : err_cap - g->errlen - 1;
	}
}

static void host_error(ptpu_graph *g, const char *format, ...) {
	va_list ap;
	va_start(ap, format);
	vappend_error(g, format, ap);
	va_end(ap);
}

// Context callbacks libedgetpu uses.

static void report_error(TfLiteContext *ctx, const char *format, ...) {
	va_list ap;
	va_start(ap, format);
	vappend_error(graph_of(ctx), format, ap);
	va_end(ap);
}

static int get_execution_plan(TfLiteContext *ctx, TfLiteIntArray **plan) {
	*plan = graph_of(ctx)->plan;
	return ptpu_status_ok;
}

static int get_node_and_registration(TfLiteContext *ctx, int i, TfLiteNode **node, TfLiteRegistrationV1 **reg) {
	ptpu_graph *g = graph_of(ctx);
	if (i < 0 || i >= g->nnodes) {
		host_error(g, "percept: the Edge TPU delegate asked for node %d of %d", i, g->nnodes);
		return ptpu_status_error;
	}
	*node = &g->nodes[i];
	*reg = &g->regs[i];
	return ptpu_status_ok;
}

static TfLiteIntArray *int_array(int n, const int *data) {
	TfLiteIntArray *a = malloc(sizeof(TfLiteIntArray) + sizeof(int) * (size_t)(n > 0 ? n : 1));
	if (a == NULL) {
		return NULL;
	}
	a->size = n;
	if (n > 0) {
		memcpy(a->data, data, sizeof(int) * (size_t)n);
	}
	return a;
}

// replace adds the kernel for one node as TFLite's
// ReplaceNodeSubsetsWithDelegateKernels does: a node with the original's
// inputs and outputs and the TfLiteDelegateParams as builtin data, on which
// init runs at once. The original node stays reachable by its index (the
// Edge TPU kernel's init reads its custom data from there).
static int replace(ptpu_graph *g, const TfLiteRegistrationV1 *reg, const TfLiteIntArray *nodes, TfLiteDelegate *delegate) {
	if (!g->preparing || delegate != g->delegate || nodes == NULL) {
		g->mismatch = 1;
		return ptpu_status_error;
	}
	if (nodes->size != 1) {
		host_error(g, "percept: the Edge TPU delegate asked to replace %d nodes as one kernel; percept replaces one at a time", nodes->size);
		return ptpu_status_error;
	}
	int i = nodes->data[0];
	if (i < 0 || i >= g->nnodes || g->kernel_of[i] >= 0) {
		host_error(g, "percept: the Edge TPU delegate asked to replace node %d, which is not a node it may replace", i);
		return ptpu_status_error;
	}
	kernel *k = &g->kernels[g->nkernels];
	memset(k, 0, sizeof *k);
	k->reg = *reg;
	k->original = i;
	k->replaced = int_array(1, &i);
	k->node.inputs = int_array(g->nodes[i].inputs->size, g->nodes[i].inputs->data);
	k->node.outputs = int_array(g->nodes[i].outputs->size, g->nodes[i].outputs->data);
	k->node.intermediates = int_array(0, NULL);
	k->node.temporaries = int_array(0, NULL);
	if (!k->replaced || !k->node.inputs || !k->node.outputs || !k->node.intermediates || !k->node.temporaries) {
		free(k->replaced);
		free(k->node.inputs);
		free(k->node.outputs);
		free(k->node.intermediates);
		free(k->node.temporaries);
		host_error(g, "percept: out of memory");
		return ptpu_status_error;
	}
	k->params.delegate = delegate;
	k->params.nodes_to_replace = k->replaced;
	k->params.input_tensors = k->node.inputs;
	k->params.output_tensors = k->node.outputs;
	k->node.builtin_data = &k->params;
	k->node.delegate = delegate;
	g->kernel_of[i] = g->nkernels++;
	if (k->reg.init != NULL) {
		k->node.user_data = k->reg.init(&g->ctx, (const char *)&k->params, 0);
	}
	return ptpu_status_ok;
}

// replace_v1 receives the registration in the TF ≤ 2.5 layout. On amd64
// and arm64 a registration of any size arrives through memory, so it serves
// every library; on 32-bit ARM a larger registration shifts the arguments
// after it, which replace sees as a foreign delegate pointer.
static int replace_v1(TfLiteContext *ctx, TfLiteRegistrationV1 reg, const TfLiteIntArray *nodes, TfLiteDelegate *delegate) {
	graph_of(ctx)->layout = 1;
	return replace(graph_of(ctx), &reg, nodes, delegate);
}

// replace_v216 receives the registration in the TF 2.16 layout, for
// libraries built against it on 32-bit ARM.
static int replace_v216(TfLiteContext *ctx, TfLiteRegistrationV216 reg, const TfLiteIntArray *nodes, TfLiteDelegate *delegate) {
	graph_of(ctx)->layout = 2;
	return replace(graph_of(ctx), &reg.v1, nodes, delegate);
}

static TfLiteExternalContext *get_external_context(TfLiteContext *ctx, int type) {
	ptpu_graph *g = graph_of(ctx);
	return type >= 0 && type < max_external ? g->external[type] : NULL;
}

static void set_external_context(TfLiteContext *ctx, int type, TfLiteExternalContext *ext) {
	ptpu_graph *g = graph_of(ctx);
	if (type >= 0 && type < max_external) {
		g->external[type] = ext;
	}
}

static int same_dims(const TfLiteIntArray *a, const TfLiteIntArray *b) {
	return a->size == b->size && memcmp(a->data, b->data, sizeof(int) * (size_t)a->size) == 0;
}

// resize_tensor takes ownership of new_size, as TFLite's does. percept's
// tensors have the shapes the model gives them: a resize to the same shape
// is accepted, any other is an error.
static int resize_tensor(TfLiteContext *ctx, TfLiteTensor *t, TfLiteIntArray *new_size) {
	ptpu_graph *g = graph_of(ctx);
	int ok = new_size != NULL && same_dims(t->dims, new_size);
	if (!ok) {
		host_error(g, "percept: the Edge TPU delegate asks to resize tensor %d (%s); percept keeps the model's shapes",
		           (int)(t - g->tensors), t->name ? t->name : "");
	}
	free(new_size);
	return ok ? ptpu_status_ok : ptpu_status_error;
}

static TfLiteTensor *get_tensor(const TfLiteContext *ctx, int i) {
	ptpu_graph *g = graph_of((TfLiteContext *)ctx);
	return i >= 0 && i < g->ntensors ? &g->tensors[i] : NULL;
}

// The context functions libedgetpu never calls: each reports itself and
// fails, so that a library that did call one would say so.

static int add_tensors(TfLiteContext *ctx, int n, int *first) {
	(void)n, (void)first;
	host_error(graph_of(ctx), "percept: AddTensors is not provided");
	return ptpu_status_error;
}

static void *allocate_persistent_buffer(TfLiteContext *ctx, size_t n) {
	(void)n;
	host_error(graph_of(ctx), "percept: AllocatePersistentBuffer is not provided");
	return NULL;
}

static int allocate_buffer_for_eval(TfLiteContext *ctx, size_t n, void **p) {
	(void)n, (void)p;
	host_error(graph_of(ctx), "percept: AllocateBufferForEval is not provided");
	return ptpu_status_error;
}

static int request_scratch_buffer(TfLiteContext *ctx, size_t n, int *idx) {
	(void)n, (void)idx;
	host_error(graph_of(ctx), "percept: RequestScratchBufferInArena is not provided");
	return ptpu_status_error;
}

static void *get_scratch_buffer(TfLiteContext *ctx, int idx) {
	(void)idx;
	host_error(graph_of(ctx), "percept: GetScratchBuffer is not provided");
	return NULL;
}

static int resize_tensor_explicit(TfLiteContext *ctx, TfLiteTensor *t, int n, const int *shape) {
	(void)t, (void)n, (void)shape;
	host_error(graph_of(ctx), "percept: ResizeTensorExplicit is not provided");
	return ptpu_status_error;
}

static int preview_partitioning(TfLiteContext *ctx, const TfLiteIntArray *nodes, TfLiteDelegateParams **p, int *n) {
	(void)nodes, (void)p, (void)n;
	host_error(graph_of(ctx), "percept: PreviewDelegatePartitioning is not provided");
	return ptpu_status_error;
}

static void *get_eval_tensor(const TfLiteContext *ctx, int i) {
	(void)ctx, (void)i;
	return NULL;
}

static int get_model_metadata(const TfLiteContext *ctx, const char *name, const char **p, size_t *n) {
	(void)ctx, (void)name, (void)p, (void)n;
	return ptpu_status_error;
}

static int acquire_subgraph_context(TfLiteContext *ctx, int i, TfLiteContext **out) {
	(void)i, (void)out;
	host_error(graph_of(ctx), "percept: AcquireSubgraphContext is not provided");
	return ptpu_status_error;
}

static int release_subgraph_context(TfLiteContext *ctx, int i) {
	(void)ctx, (void)i;
	return ptpu_status_error;
}

// Library.

ptpu_lib *ptpu_open(const char *path, char *err, size_t errlen) {
	const char *name = path != NULL && path[0] != 0 ? path : "libedgetpu.so.1";
	void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *why = dlerror();
		snprintf(err, errlen, "%s", why ? why : name);
		return NULL;
	}
	ptpu_lib *lib = calloc(1, sizeof *lib);
	if (lib == NULL) {
		snprintf(err, errlen, "out of memory");
		dlclose(h);
		return NULL;
	}
	static const char *const names[] = {
	    "edgetpu_list_devices", "edgetpu_free_devices", "edgetpu_create_delegate",
	    "edgetpu_free_delegate", "edgetpu_verbosity", "edgetpu_version",
	};
	void *syms[6];
	for (int i = 0; i < 6; i++) {
		syms[i] = dlsym(h, names[i]);
		if (syms[i] == NULL) {
			snprintf(err, errlen, "%s has no %s: not libedgetpu", name, names[i]);
			free(lib);
			dlclose(h);
			return NULL;
		}
	}
	// Function pointers from dlsym, as POSIX allows.
	memcpy(&lib->list_devices, &syms[0], sizeof(void *));
	memcpy(&lib->free_devices, &syms[1], sizeof(void *));
	memcpy(&lib->create_delegate, &syms[2], sizeof(void *));
	memcpy(&lib->free_delegate, &syms[3], sizeof(void *));
	memcpy(&lib->verbosity, &syms[4], sizeof(void *));
	memcpy(&lib->version, &syms[5], sizeof(void *));
	return lib;
}

const char *ptpu_version(ptpu_lib *lib) { return lib->version(); }

void ptpu_verbosity(ptpu_lib *lib, int level) { lib->verbosity(level); }

int ptpu_devices(ptpu_lib *lib, int *types, char *paths, size_t pathlen, int max) {
	size_t n = 0;
	struct edgetpu_device *devs = lib->list_devices(&n);
	for (size_t i = 0; i < n && (int)i < max; i++) {
		types[i] = devs[i].type;
		snprintf(paths + i * pathlen, pathlen, "%s", devs[i].path ? devs[i].path : "");
	}
	if (devs != NULL) {
		lib->free_devices(devs);
	}
	return (int)n;
}

// Graph.

ptpu_graph *ptpu_graph_new(int ntensors, int nnodes) {
	if (ntensors < 0 || nnodes < 0) {
		return NULL;
	}
	ptpu_graph *g = calloc(1, sizeof *g);
	if (g == NULL) {
		return NULL;
	}
	g->ntensors = ntensors;
	g->nnodes = nnodes;
	g->tensors = calloc((size_t)ntensors + 1, sizeof *g->tensors);
	g->data = calloc((size_t)ntensors + 1, sizeof *g->data);
	g->scratch = calloc((size_t)ntensors + 1, sizeof *g->scratch);
	g->nodes = calloc((size_t)nnodes + 1, sizeof *g->nodes);
	g->regs = calloc((size_t)nnodes + 1, sizeof *g->regs);
	g->kernels = calloc((size_t)nnodes + 1, sizeof *g->kernels);
	g->kernel_of = calloc((size_t)nnodes + 1, sizeof *g->kernel_of);
	g->plan = malloc(sizeof(TfLiteIntArray) + sizeof(int) * ((size_t)nnodes + 1));
	if (!g->tensors || !g->data || !g->scratch || !g->nodes || !g->regs || !g->kernels || !g->kernel_of || !g->plan) {
		ptpu_graph_free(g);
		return NULL;
	}
	g->plan->size = nnodes;
	for (int i = 0; i < nnodes; i++) {
		g->plan->data[i] = i;
		g->kernel_of[i] = -1;
	}
	for (int i = 0; i < ntensors; i++) {
		g->tensors[i].buffer_handle = ptpu_null_buffer_handle;
		g->tensors[i].allocation_type = ptpu_arena_rw;
	}
	TfLiteContext *c = &g->ctx;
	c->tensors_size = (size_t)ntensors;
	c->tensors = g->tensors;
	c->GetExecutionPlan = get_execution_plan;
	c->ResizeTensor = resize_tensor;
	c->ReportError = report_error;
	c->AddTensors = add_tensors;
	c->GetNodeAndRegistration = get_node_and_registration;
	c->ReplaceNodeSubsetsWithDelegateKernels = replace_v1;
	c->recommended_num_threads = 1;
	c->GetExternalContext = get_external_context;
	c->SetExternalContext = set_external_context;
	c->AllocatePersistentBuffer = allocate_persistent_buffer;
	c->AllocateBufferForEval = allocate_buffer_for_eval;
	c->RequestScratchBufferInArena = request_scratch_buffer;
	c->GetScratchBuffer = get_scratch_buffer;
	c->ResizeTensorExplicit = resize_tensor_explicit;
	c->PreviewDelegatePartitioning = preview_partitioning;
	c->GetTensor = get_tensor;
	c->GetEvalTensor = get_eval_tensor;
	c->GetModelMetadata = get_model_metadata;
	c->AcquireSubgraphContext = acquire_subgraph_context;
	c->ReleaseSubgraphContext = release_subgraph_context;
	return g;
}

int ptpu_tensor(ptpu_graph *g, int i, int type, size_t bytes, const int *dims, int ndims, float scale, int32_t zero_point, const char *name) {
	if (i < 0 || i >= g->ntensors || ndims < 0 || g->tensors[i].dims != NULL) {
		return -1;
	}
	TfLiteTensor *t = &g->tensors[i];
	t->dims = int_array(ndims, dims);
	t->name = strdup(name ? name : "");
	if (t->dims == NULL || t->name == NULL) {
		return -1;
	}
	t->type = type;
	t->bytes = bytes;
	t->params.scale = scale;
	t->params.zero_point = zero_point;
	return 0;
}

static int valid_tensors(ptpu_graph *g, const int *list, int n) {
	for (int k = 0; k < n; k++) {
		if (list[k] < 0 || list[k] >= g->ntensors) {
			return 0;
		}
	}
	return 1;
}

int ptpu_node(ptpu_graph *g, int i, const char *custom_name, const int *inputs, int ninputs, const int *outputs, int noutputs, const void *data, int datalen) {
	if (i < 0 || i >= g->nnodes || g->nodes[i].inputs != NULL || ninputs < 0 || noutputs < 0 || datalen < 0 ||
	    !valid_tensors(g, inputs, ninputs) || !valid_tensors(g, outputs, noutputs)) {
		return -1;
	}
	TfLiteNode *n = &g->nodes[i];
	n->inputs = int_array(ninputs, inputs);
	n->outputs = int_array(noutputs, outputs);
	n->intermediates = int_array(0, NULL);
	n->temporaries = int_array(0, NULL);
	// The custom data stays here, unmoved, until the graph is freed: the
	// Edge TPU kernel keeps pointers into it.
	void *copy = malloc(datalen > 0 ? (size_t)datalen : 1);
	char *name = strdup(custom_name ? custom_name : "");
	if (!n->inputs || !n->outputs || !n->intermediates || !n->temporaries || !copy || !name) {
		free(copy);
		free(name);
		return -1;
	}
	if (datalen > 0) {
		memcpy(copy, data, (size_t)datalen);
	}
	n->custom_initial_data = copy;
	n->custom_initial_data_size = datalen;
	g->regs[i].builtin_code = 32; // BuiltinOperator_CUSTOM
	g->regs[i].custom_name = name;
	g->regs[i].version = 1;
	return 0;
}

static void free_kernels(ptpu_graph *g) {
	for (int k = 0; k < g->nkernels; k++) {
		kernel *kn = &g->kernels[k];
		if (kn->reg.free != NULL && kn->node.user_data != NULL) {
			kn->reg.free(&g->ctx, kn->node.user_data);
		}
		free(kn->replaced);
		free(kn->node.inputs);
		free(kn->node.outputs);
		free(kn->node.intermediates);
		free(kn->node.temporaries);
		g->kernel_of[kn->original] = -1;
		memset(kn, 0, sizeof *kn);
	}
	g->nkernels = 0;
}

static int run_prepare(ptpu_graph *g) {
	g->preparing = 1;
	g->mismatch = 0;
	int st = g->delegate->Prepare(&g->ctx, g->delegate);
	g->preparing = 0;
	return st;
}

static int is_signed(int type) { return type == ptpu_int8 || type == ptpu_int16; }

int ptpu_apply(ptpu_lib *lib, ptpu_graph *g, int type, const char *path, const char *const *names, const char *const *values, int nopts) {
	clear_error(g);
	if (g->delegate != NULL) {
		host_error(g, "percept: Edge TPU delegate applied twice");
		return -1;
	}
	struct edgetpu_option *opts = NULL;
	if (nopts > 0) {
		opts = calloc((size_t)nopts, sizeof *opts);
		if (opts == NULL) {
			host_error(g, "percept: out of memory");
			return -1;
		}
		for (int i = 0; i < nopts; i++) {
			opts[i].name = names[i];
			opts[i].value = values[i];
		}
		// With options, libedgetpu CHECKs (aborts on) a NULL name: "" is
		// any device of the type.
		if (path == NULL) {
			path = "";
		}
	}
	g->delegate = lib->create_delegate(type, path, opts, (size_t)(nopts > 0 ? nopts : 0));
	free(opts);
	if (g->delegate == NULL) {
		return -2;
	}
	g->lib = lib;
	if (g->delegate->Prepare == NULL) {
		host_error(g, "percept: the Edge TPU delegate has no Prepare");
		return -1;
	}
	g->ctx.ReplaceNodeSubsetsWithDelegateKernels = replace_v1;
	int st = run_prepare(g);
	if (g->mismatch) {
		// The arguments after the registration were not where a TF 2.5
		// registration puts them: try the TF 2.16 layout.
		free_kernels(g);
		clear_error(g);
		g->ctx.ReplaceNodeSubsetsWithDelegateKernels = (ptpu_replace_v1_fn)(void (*)(void))replace_v216;
		st = run_prepare(g);
		if (g->mismatch) {
			free_kernels(g);
			host_error(g, "percept: libedgetpu passed its kernel registration in a layout percept does not know (neither TF 2.5's nor TF 2.16's)");
			return -1;
		}
	}
	if (st != ptpu_status_ok) {
		host_error(g, "percept: the Edge TPU delegate's Prepare failed");
		return -1;
	}
	for (int k = 0; k < g->nkernels; k++) {
		kernel *kn = &g->kernels[k];
		if (kn->reg.prepare != NULL && kn->reg.prepare(&g->ctx, &kn->node) != ptpu_status_ok) {
			return -1;
		}
		for (int j = 0; j < kn->node.inputs->size; j++) {
			int t = kn->node.inputs->data[j];
			if (is_signed(g->tensors[t].type) && g->scratch[t] == NULL) {
				// Room past the end: libedgetpu may read an aligned
				// input's padding.
				size_t n = (g->tensors[t].bytes + 127) & ~(size_t)63;
				if ((g->scratch[t] = aligned_alloc(64, n)) == NULL) {
					host_error(g, "percept: out of memory");
					return -1;
				}
			}
		}
	}
	return g->nkernels;
}

int ptpu_delegated(ptpu_graph *g, int i) { return i >= 0 && i < g->nnodes && g->kernel_of[i] >= 0; }

int ptpu_replace_layout(ptpu_graph *g) { return g->layout; }

int ptpu_set_data(ptpu_graph *g, int i, void *data) {
	if (i < 0 || i >= g->ntensors) {
		return -1;
	}
	g->data[i] = data;
	g->tensors[i].data.raw = data;
	return 0;
}

int ptpu_invoke(ptpu_graph *g, int i) {
	clear_error(g);
	if (i < 0 || i >= g->nnodes || g->kernel_of[i] < 0) {
		host_error(g, "percept: node %d does not run on the Edge TPU", i);
		return -1;
	}
	kernel *kn = &g->kernels[g->kernel_of[i]];
	TfLiteIntArray *lists[2] = {kn->node.inputs, kn->node.outputs};
	for (int l = 0; l < 2; l++) {
		for (int j = 0; j < lists[l]->size; j++) {
			if (g->data[lists[l]->data[j]] == NULL) {
				host_error(g, "percept: tensor %d has no memory", lists[l]->data[j]);
				return -1;
			}
		}
	}
	for (int j = 0; j < kn->node.inputs->size; j++) {
		int t = kn->node.inputs->data[j];
		if (g->scratch[t] != NULL) {
			memcpy(g->scratch[t], g->data[t], g->tensors[t].bytes);
			g->tensors[t].data.raw = g->scratch[t];
		}
	}
	int st = kn->reg.invoke != NULL ? kn->reg.invoke(&g->ctx, &kn->node) : ptpu_status_error;
	for (int j = 0; j < kn->node.inputs->size; j++) {
		int t = kn->node.inputs->data[j];
		g->tensors[t].data.raw = g->data[t];
	}
	if (st != ptpu_status_ok) {
		if (g->errlen == 0) {
			host_error(g, "percept: the Edge TPU kernel failed without a message");
		}
		return -1;
	}
	return 0;
}

const char *ptpu_error(ptpu_graph *g) { return g->err; }

void ptpu_graph_free(ptpu_graph *g) {
	if (g == NULL) {
		return;
	}
	// Kernels first: they hold a raw pointer to the device that the
	// delegate owns.
	if (g->kernels != NULL) {
		free_kernels(g);
	}
	if (g->delegate != NULL) {
		g->lib->free_delegate(g->delegate);
	}
	for (int i = 0; g->tensors != NULL && i < g->ntensors; i++) {
		free(g->tensors[i].dims);
		free((void *)g->tensors[i].name);
		free(g->scratch ? g->scratch[i] : NULL);
	}
	for (int i = 0; g->nodes != NULL && g->regs != NULL && i < g->nnodes; i++) {
		TfLiteNode *n = &g->nodes[i];
		free(n->inputs);
		free(n->outputs);
		free(n->intermediates);
		free(n->temporaries);
		free((void *)n->custom_initial_data);
		free((void *)g->regs[i].custom_name);
	}
	free(g->tensors);
	free(g->data);
	free(g->scratch);
	free(g->nodes);
	free(g->regs);
	free(g->kernels);
	free(g->kernel_of);
	free(g->plan);
	free(g);
}
