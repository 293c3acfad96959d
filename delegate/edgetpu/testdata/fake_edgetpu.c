// A stand-in for libedgetpu.so.1, compiled by delegate/edgetpu's tests. It
// exports the six functions of edgetpu_c.h and behaves towards its host as
// libedgetpu's source (google-coral/libedgetpu, tflite/edgetpu_c.cc,
// edgetpu_delegate_for_custom_op.cc, custom_op*.cc) shows the real one does:
// the same Prepare call sequence and node selection by custom name, one
// ReplaceNodeSubsetsWithDelegateKernels per node with the registration by
// value and the node list freed at once, init reading the original node's
// custom data (and keeping pointers into it), the external context, the
// type and size checks, buffer handles, errors through ReportError (with a
// non-literal format, as the real one does), the in-place sign flip of
// signed inputs, and aborts where the real one CHECKs.
//
// The kernel computes a known function of its inputs (see fakeOutputs in
// the Go tests), so that a host can be checked byte for byte.
//
// Build with -DFAKE_TF216 for the TF 2.16 registration layout (88 bytes on
// 64-bit machines, its tail poisoned) instead of TF 2.5's (64 bytes).
//
// Environment switches, read at each call:
//   PERCEPT_FAKE_EDGETPU_DEVICES     "usb:PATH,pci:PATH,..." or "none"
//                                    (unset: one USB device)
//   PERCEPT_FAKE_EDGETPU_FAIL_AFTER  invoke fails after N invocations of a kernel
//   PERCEPT_FAKE_EDGETPU_ABORT_AFTER invoke aborts the process after N invocations,
//                                    as the real USB driver does when the
//                                    accelerator is unplugged (LOG(FATAL))
//   PERCEPT_FAKE_EDGETPU_LOG         file that gets one line per call
//   PERCEPT_FAKE_EDGETPU_LAYERS      "T:N,T:N/T:N,..." the input and output layers
//                                    (TfLiteType, values per batch) of a real
//                                    model's program, read at init when its
//                                    custom data is not PTPUFAKE

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

// The TFLite C structs, written out again from common.h (not shared with
// the host's declarations, so that a mistake in one shows against the other).
typedef struct { int size; int data[]; } IntArray;
struct Ctx;
struct Delegate;
typedef struct { int type; union { void *raw; uint8_t *u8; } data; IntArray *dims; float scale; int32_t zero_point;
	int allocation_type; size_t bytes; const void *allocation; const char *name; struct Delegate *delegate;
	int buffer_handle; bool data_is_stale; bool is_variable; int qtype; void *qparams; void *sparsity;
	const IntArray *dims_signature; } Tensor;
typedef struct { IntArray *inputs, *outputs, *intermediates, *temporaries; void *user_data; void *builtin_data;
	const void *custom_initial_data; int custom_initial_data_size; struct Delegate *delegate; } Node;
typedef struct {
	void *(*init)(struct Ctx *, const char *, size_t);
	void (*free)(struct Ctx *, void *);
	int (*prepare)(struct Ctx *, Node *);
	int (*invoke)(struct Ctx *, Node *);
	const char *(*profiling_string)(const struct Ctx *, const Node *);
	int32_t builtin_code;
	const char *custom_name;
	int version;
#ifdef FAKE_TF216
	void *registration_external;
	void *async_kernel;
	uint64_t inplace_operator;
#endif
} Registration;
typedef struct { struct Delegate *delegate; IntArray *nodes_to_replace, *input_tensors, *output_tensors; } DelegateParams;
typedef struct { int type; int (*Refresh)(struct Ctx *); } ExternalContext;
typedef struct Delegate {
	void *data_;
	int (*Prepare)(struct Ctx *, struct Delegate *);
	void *copy_from, *copy_to, *free_handle;
	int64_t flags;
#ifdef FAKE_TF216
	void *opaque_delegate_builder;
#endif
} Delegate;
typedef struct Ctx {
	size_t tensors_size;
	int (*GetExecutionPlan)(struct Ctx *, IntArray **);
	Tensor *tensors;
	void *impl_;
	int (*ResizeTensor)(struct Ctx *, Tensor *, IntArray *);
	void (*ReportError)(struct Ctx *, const char *, ...);
	void *AddTensors;
	int (*GetNodeAndRegistration)(struct Ctx *, int, Node **, Registration **);
	int (*ReplaceNodeSubsetsWithDelegateKernels)(struct Ctx *, Registration, const IntArray *, Delegate *);
	int recommended_num_threads;
	ExternalContext *(*GetExternalContext)(struct Ctx *, int);
	void (*SetExternalContext)(struct Ctx *, int, ExternalContext *);
} Ctx;

enum { OK = 0, ERR = 1, EDGETPU_CONTEXT = 2, U8 = 3, I8 = 9, I16 = 7, I32 = 2, F16 = 10, F32 = 1 };

static void logf_(const char *format, ...) {
	const char *path = getenv("PERCEPT_FAKE_EDGETPU_LOG");
	if (path == NULL || path[0] == 0) return;
	FILE *f = fopen(path, "a");
	if (f == NULL) return;
	va_list ap;
	va_start(ap, format);
	vfprintf(f, format, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

static void check(bool ok, const char *what) {
	if (!ok) {
		fprintf(stderr, "fake libedgetpu: CHECK failed: %s\n", what);
		abort();
	}
}

// The "EdgeTpuContext" a delegate holds; kernels keep a raw pointer to it.
typedef struct {
	ExternalContext ext; // what SetExternalContext receives
	int type;
	char path[256];
	int live_kernels;
	bool freed;
} Device;

typedef struct {
	Delegate base;
	void *shared_ptr[2]; // where the real one keeps its shared_ptr
	Device *dev;
} FakeDelegate;

// Devices.

static int parse_devices(int *types, char paths[][256], int max) {
	const char *spec = getenv("PERCEPT_FAKE_EDGETPU_DEVICES");
	if (spec == NULL) spec = "usb:/sys/bus/usb/devices/fake-1";
	if (strcmp(spec, "none") == 0 || spec[0] == 0) return 0;
	int n = 0;
	const char *p = spec;
	while (*p && n < max) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 4 && (strncmp(p, "usb:", 4) == 0 || strncmp(p, "pci:", 4) == 0)) {
			types[n] = p[0] == 'u' ? 1 : 0;
			size_t pl = len - 4 < 255 ? len - 4 : 255;
			memcpy(paths[n], p + 4, pl);
			paths[n][pl] = 0;
			n++;
		}
		p += len;
		if (*p == ',') p++;
	}
	return n;
}

struct edgetpu_device { int type; const char *path; };
struct edgetpu_option { const char *name; const char *value; };

EXPORT struct edgetpu_device *edgetpu_list_devices(size_t *num_devices) {
	check(num_devices != NULL, "num_devices");
	int types[8];
	char paths[8][256];
	int n = parse_devices(types, paths, 8);
	*num_devices = (size_t)n;
	if (n == 0) return NULL;
	// One block, paths after the records, as the real one allocates it.
	size_t size = sizeof(struct edgetpu_device) * (size_t)n;
	for (int i = 0; i < n; i++) size += strlen(paths[i]) + 1;
	char *mem = malloc(size);
	struct edgetpu_device *devs = (struct edgetpu_device *)mem;
	char *s = mem + sizeof(struct edgetpu_device) * (size_t)n;
	for (int i = 0; i < n; i++) {
		devs[i].type = types[i];
		devs[i].path = s;
		strcpy(s, paths[i]);
		s += strlen(paths[i]) + 1;
	}
	return devs;
}

EXPORT void edgetpu_free_devices(struct edgetpu_device *dev) { free(dev); }

EXPORT void edgetpu_verbosity(int verbosity) { logf_("verbosity %d", verbosity); }

EXPORT const char *edgetpu_version(void) {
#ifdef FAKE_TF216
	return "BuildLabel(fake libedgetpu for percept's tests, TF 2.16 layout), RuntimeVersion(14)";
#else
	return "BuildLabel(fake libedgetpu for percept's tests, TF 2.5 layout), RuntimeVersion(14)";
#endif
}

// Kernel.

typedef struct {
	const uint8_t *data; // into the host's custom data: must stay valid
	int len;
	uint8_t head[16];
	uint32_t hash; // of the custom data, seeds the kernel's function
	bool spec;     // the custom data describes the layers (PTPUFAKE)
	int nin, nout;
	int in_type[8], out_type[8];
	uint32_t in_size[8], out_size[8]; // elements per batch
	int batches;
	long invocations;
	Device *dev;
} Kernel;

static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n) {
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static int type_size(int type) {
	switch (type) {
	case U8: case I8: return 1;
	case I16: case F16: return 2;
	case I32: case F32: return 4;
	}
	return 0;
}

static uint32_t u32le(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

// The custom op's init: parse the custom data (the real one parses a
// flexbuffer whose layer info points into it).
static void *kernel_init_from(const uint8_t *buf, size_t len) {
	Kernel *k = calloc(1, sizeof *k);
	k->data = buf;
	k->len = (int)len;
	memcpy(k->head, buf, len < 16 ? len : 16);
	k->hash = fnv(2166136261u, buf, len < 4096 ? len : 4096);
	const char *layers = getenv("PERCEPT_FAKE_EDGETPU_LAYERS");
	if (!(len >= 10 && memcmp(buf, "PTPUFAKE", 8) == 0) && layers != NULL && layers[0] != 0) {
		k->spec = true;
		int *n = &k->nin, *types = k->in_type;
		uint32_t *sizes = k->in_size;
		for (const char *p = layers; *p;) {
			int t;
			unsigned long s;
			int used;
			if (sscanf(p, "%d:%lu%n", &t, &s, &used) != 2 || *n >= 8) break;
			types[*n] = t;
			sizes[*n] = (uint32_t)s;
			(*n)++;
			p += used;
			if (*p == ',') {
				p++;
			} else if (*p == '/') {
				p++;
				n = &k->nout, types = k->out_type, sizes = k->out_size;
			}
		}
	} else if (len >= 10 && memcmp(buf, "PTPUFAKE", 8) == 0) {
		const uint8_t *p = buf + 8;
		k->spec = true;
		k->nin = *p++;
		for (int i = 0; i < k->nin && i < 8; i++, p += 5) {
			k->in_type[i] = p[0];
			k->in_size[i] = u32le(p + 1);
		}
		k->nout = *p++;
		for (int i = 0; i < k->nout && i < 8; i++, p += 5) {
			k->out_type[i] = p[0];
			k->out_size[i] = u32le(p + 1);
		}
	}
	return k;
}

static void *delegate_init(Ctx *ctx, const char *buffer, size_t length) {
	(void)length;
	const DelegateParams *params = (const DelegateParams *)buffer;
	check(params != NULL, "params");
	check(params->nodes_to_replace->size == 1, "nodes->size == 1");
	int index = params->nodes_to_replace->data[0];
	Node *node;
	Registration *reg;
	check(ctx->GetNodeAndRegistration(ctx, index, &node, &reg) == OK, "GetNodeAndRegistration in init");
	logf_("init %d", index);
	return kernel_init_from(node->custom_initial_data, (size_t)node->custom_initial_data_size);
}

static bool custom_data_intact(Ctx *ctx, Kernel *k) {
	if (memcmp(k->data, k->head, k->len < 16 ? (size_t)k->len : 16) != 0 ||
	    fnv(2166136261u, k->data, k->len < 4096 ? (size_t)k->len : 4096) != k->hash) {
		ctx->ReportError(ctx, "fake libedgetpu: the custom data the kernel points into changed");
		return false;
	}
	return true;
}

static Device *tpu_context(Ctx *ctx) { return (Device *)ctx->GetExternalContext(ctx, EDGETPU_CONTEXT); }

static bool fail(Ctx *ctx, const char *format, ...) {
	char msg[512];
	va_list ap;
	va_start(ap, format);
	vsnprintf(msg, sizeof msg, format, ap);
	va_end(ap);
	ctx->ReportError(ctx, msg); // non-literal, as custom_op.cc does
	return false;
}

static bool validate(Ctx *ctx, Node *node, Kernel *k) {
	int batches = 0;
	if (k->spec && k->nin != node->inputs->size)
		return fail(ctx, "Expected %d inputs, got %d", k->nin, node->inputs->size);
	if (node->inputs->size < 1) return fail(ctx, "fake libedgetpu: a kernel with no input");
	for (int i = 0; i < node->inputs->size; i++) {
		const Tensor *t = &ctx->tensors[node->inputs->data[i]];
		int ts = type_size(t->type);
		if (ts == 0) return fail(ctx, "Unsupported data type in custom op handler: %d", t->type);
		if (k->spec && t->type != k->in_type[i])
			return fail(ctx, "Input layer %d has data type %d, the tensor %d", i, k->in_type[i], t->type);
		size_t single = k->spec ? (size_t)k->in_size[i] * ts : 0;
		size_t elems = 1;
		for (int d = 0; d < t->dims->size; d++) elems *= (size_t)t->dims->data[d];
		if (!k->spec) single = elems / (t->dims->size >= 1 && t->dims->data[0] > 0 ? (size_t)t->dims->data[0] : 1) * ts;
		if (elems * ts != t->bytes) return fail(ctx, "fake libedgetpu: input %d has %zu bytes for its shape, bytes says %zu", i, elems * ts, t->bytes);
		int b = 1;
		if (t->dims->size >= 1 && (size_t)t->dims->data[0] * single == t->bytes) b = t->dims->data[0];
		if (batches == 0) batches = b;
		else if (batches != b) return fail(ctx, "Expected %d batches, got %d", batches, b);
		if ((size_t)batches * single != t->bytes) return fail(ctx, "Input %d: expected %zu bytes, got %zu", i, (size_t)batches * single, t->bytes);
	}
	if (batches == 0) batches = 1;
	if (k->spec && node->outputs->size < k->nout) return fail(ctx, "Execuable has more outputs than TfLite node.");
	int nout = k->spec ? k->nout : node->outputs->size;
	for (int i = 0; i < nout; i++) {
		Tensor *t = &ctx->tensors[node->outputs->data[i]];
		int ts = type_size(t->type);
		if (ts == 0) return fail(ctx, "Unsupported data type in custom op handler: %d", t->type);
		if (k->spec && t->type != k->out_type[i])
			return fail(ctx, "Output layer %d has data type %d, the tensor %d", i, k->out_type[i], t->type);
		size_t elems = 1;
		for (int d = 0; d < t->dims->size; d++) elems *= (size_t)t->dims->data[d];
		size_t single = k->spec ? (size_t)k->out_size[i] * ts : elems * ts / (t->dims->size >= 1 && t->dims->data[0] > 0 ? (size_t)t->dims->data[0] : 1);
		if (t->dims->size >= 1 && (size_t)t->dims->data[0] * single == t->bytes) {
			if (batches != t->dims->data[0]) {
				IntArray *size = malloc(sizeof(IntArray) + sizeof(int) * (size_t)t->dims->size);
				size->size = t->dims->size;
				size->data[0] = batches;
				for (int d = 1; d < t->dims->size; d++) size->data[d] = t->dims->data[d];
				ctx->ResizeTensor(ctx, t, size); // return ignored, as the real one does
			}
		} else if (batches != 1) {
			return fail(ctx, "Expected 1 batch for output %d", i);
		}
		if ((size_t)batches * single != t->bytes) return fail(ctx, "Output %d: expected %zu bytes, got %zu", i, (size_t)batches * single, t->bytes);
	}
	k->batches = batches;
	return true;
}

static int kernel_prepare(Ctx *ctx, Node *node) {
	Kernel *k = node->user_data;
	if (k == NULL) {
		ctx->ReportError(ctx, "Null custom op data.");
		return ERR;
	}
	Device *dev = tpu_context(ctx);
	if (dev == NULL) {
		ctx->ReportError(ctx, "Failed to retrieve TPU context.");
		return ERR;
	}
	if (k->dev == NULL) {
		k->dev = dev;
		dev->live_kernels++;
	}
	logf_("prepare");
	if (!custom_data_intact(ctx, k)) return ERR;
	return validate(ctx, node, k) ? OK : ERR;
}

// input_byte is byte pos of the kernel's inputs taken one after another.
static uint8_t input_byte(Ctx *ctx, Node *node, size_t pos) {
	for (int i = 0; i < node->inputs->size; i++) {
		const Tensor *t = &ctx->tensors[node->inputs->data[i]];
		if (pos < t->bytes) return t->data.u8[pos];
		pos -= t->bytes;
	}
	return 0;
}

static int kernel_invoke(Ctx *ctx, Node *node) {
	Kernel *k = node->user_data;
	if (k == NULL) {
		ctx->ReportError(ctx, "Null custom op data.");
		return ERR;
	}
	Device *dev = tpu_context(ctx);
	if (dev == NULL || dev != k->dev || dev->freed) {
		ctx->ReportError(ctx, "Failed to retrieve TPU context.");
		return ERR;
	}
	if (!custom_data_intact(ctx, k)) return ERR;
	k->invocations++;
	const char *abort_after = getenv("PERCEPT_FAKE_EDGETPU_ABORT_AFTER");
	if (abort_after != NULL && abort_after[0] != 0 && k->invocations > atol(abort_after)) {
		fprintf(stderr, "F usb_driver.cc:709] [1-1] bulk out for 150528 bytes failed. Abort. (fake: the accelerator was unplugged)\n");
		abort();
	}
	const char *after = getenv("PERCEPT_FAKE_EDGETPU_FAIL_AFTER");
	if (after != NULL && after[0] != 0 && k->invocations > atol(after)) {
		fail(ctx, "Failed to execute request. Could not submit: USB transfer error (fake, after %ld invocations)", k->invocations - 1);
		return ERR;
	}
	// Inputs: host memory by pointer; signed layers flipped in place.
	uint32_t h = k->hash;
	size_t total = 0;
	for (int i = 0; i < node->inputs->size; i++) {
		Tensor *t = &ctx->tensors[node->inputs->data[i]];
		if (t->buffer_handle != -1) return fail(ctx, "Failed to execute request. dma-buf handle %d (fake: host memory expected)", t->buffer_handle), ERR;
		if (t->data.raw == NULL) return fail(ctx, "Failed to execute request. No input data"), ERR;
		if (t->type == I8) {
			for (size_t j = 0; j < t->bytes; j++) t->data.u8[j] ^= 0x80;
		} else if (t->type == I16) {
			for (size_t j = 1; j < t->bytes; j += 2) t->data.u8[j] ^= 0x80;
		}
		h = fnv(h, t->data.u8, t->bytes);
		total += t->bytes;
	}
	if (total == 0) return fail(ctx, "Failed to execute request. Empty input"), ERR;
	// Outputs: out[o][j] = in[j mod total] ^ byte (j mod 4) of h ^ (31o + 7j),
	// in being the inputs' bytes one after another, as the TPU saw them.
	for (int o = 0; o < node->outputs->size; o++) {
		Tensor *t = &ctx->tensors[node->outputs->data[o]];
		if (t->data.raw == NULL) return fail(ctx, "Failed to execute request. No output memory"), ERR;
		for (size_t j = 0; j < t->bytes; j++) {
			uint8_t x = input_byte(ctx, node, j % total);
			t->data.u8[j] = x ^ (uint8_t)(h >> (8 * (j % 4))) ^ (uint8_t)(31 * o + 7 * j);
		}
	}
	return OK;
}

static void kernel_free(Ctx *ctx, void *buffer) {
	Kernel *k = buffer;
	if (k == NULL) {
		ctx->ReportError(ctx, "Null custom op data.");
		return;
	}
	if (k->dev != NULL) {
		check(!k->dev->freed, "kernel freed after edgetpu_free_delegate (the device it points to is gone)");
		k->dev->live_kernels--;
	}
	logf_("free kernel");
	free(k);
}

// Delegate.

static int delegate_prepare(Ctx *ctx, Delegate *delegate) {
	logf_("Prepare");
	ctx->SetExternalContext(ctx, EDGETPU_CONTEXT, delegate->data_);
	IntArray *plan;
	if (ctx->GetExecutionPlan(ctx, &plan) != OK) return ERR;
	int selected[64];
	int n = 0;
	for (int i = 0; i < plan->size; i++) {
		Node *node;
		Registration *reg;
		if (ctx->GetNodeAndRegistration(ctx, plan->data[i], &node, &reg) != OK) return ERR;
		if (reg->custom_name && strcmp(reg->custom_name, "edgetpu-custom-op") == 0 && n < 64)
			selected[n++] = plan->data[i];
	}
	Registration reg;
	memset(&reg, 0, sizeof reg);
	reg.init = delegate_init;
	reg.free = kernel_free;
	reg.prepare = kernel_prepare;
	reg.invoke = kernel_invoke;
	reg.custom_name = "EdgeTpuDelegateForCustomOp";
	reg.version = 1;
#ifdef FAKE_TF216
	// A host that read these would crash or misbehave.
	reg.registration_external = (void *)(uintptr_t)0xdeadbeef;
	reg.async_kernel = (void *)(uintptr_t)0xdeadbeef;
	reg.inplace_operator = ~(uint64_t)0;
#endif
	for (int i = 0; i < n; i++) {
		IntArray *nodes = malloc(sizeof(IntArray) + sizeof(int));
		nodes->size = 1;
		nodes->data[0] = selected[i];
		logf_("replace %d", selected[i]);
		ctx->ReplaceNodeSubsetsWithDelegateKernels(ctx, reg, nodes, delegate); // return ignored, as the real one does
		nodes->size = -1; // a host that kept the list would see this
		free(nodes);
	}
	return OK;
}

EXPORT Delegate *edgetpu_create_delegate(int type, const char *name, const struct edgetpu_option *options, size_t num_options) {
	if (num_options > 0) {
		check(options != NULL, "options");
		check(name != NULL, "name");
	}
	int types[8];
	char paths[8][256];
	int n = parse_devices(types, paths, 8);
	int found = -1;
	for (int i = 0; i < n && found < 0; i++) {
		if (types[i] == type && (name == NULL || name[0] == 0 || strcmp(name, paths[i]) == 0)) found = i;
	}
	char opts[512] = "";
	for (size_t i = 0; i < num_options; i++) {
		size_t l = strlen(opts);
		snprintf(opts + l, sizeof opts - l, " %s=%s", options[i].name, options[i].value);
	}
	logf_("create %s %s%s -> %s", type == 1 ? "usb" : "pci", name ? name : "(null)", opts, found < 0 ? "none" : paths[found]);
	if (found < 0) return NULL;
	FakeDelegate *d = calloc(1, sizeof *d);
	Device *dev = calloc(1, sizeof *dev);
	dev->ext.type = EDGETPU_CONTEXT;
	dev->type = type;
	snprintf(dev->path, sizeof dev->path, "%s", paths[found]);
	d->dev = dev;
	d->base.data_ = dev;
	d->base.Prepare = delegate_prepare;
	d->base.flags = 1; // kTfLiteDelegateFlagsAllowDynamicTensors
	d->shared_ptr[0] = d->shared_ptr[1] = (void *)(uintptr_t)0xdeadbeef;
	return &d->base;
}

EXPORT void edgetpu_free_delegate(Delegate *delegate) {
	FakeDelegate *d = (FakeDelegate *)delegate;
	logf_("free delegate (live kernels %d)", d->dev->live_kernels);
	if (d->dev->live_kernels > 0) {
		d->dev->freed = true; // kept, so that a late kernel free is caught
	} else {
		free(d->dev);
	}
	free(d);
}
