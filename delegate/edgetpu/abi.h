// percept's own declarations of the part of TensorFlow Lite's C ABI
// (tensorflow/lite/core/c/common.h) and of libedgetpu's edgetpu_c.h that the
// Edge TPU delegate uses to talk to its host. No TensorFlow header is
// included: these are the layouts the structs have had from TF 2.4 to 2.16,
// where every change was an append (see the _Static_asserts below).

#ifndef PERCEPT_EDGETPU_ABI_H
#define PERCEPT_EDGETPU_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// TfLiteStatus.
enum { ptpu_status_ok = 0, ptpu_status_error = 1 };

// TfLiteType values the Edge TPU's input and output layers use.
enum {
	ptpu_float32 = 1,
	ptpu_int32 = 2,
	ptpu_uint8 = 3,
	ptpu_int64 = 4,
	ptpu_int16 = 7,
	ptpu_int8 = 9,
	ptpu_float16 = 10,
};

// kTfLiteEdgeTpuContext, the external context slot libedgetpu uses.
enum { ptpu_edgetpu_context = 2 };

// kTfLiteNullBufferHandle.
enum { ptpu_null_buffer_handle = -1 };

// kTfLiteArenaRw.
enum { ptpu_arena_rw = 2 };

typedef struct TfLiteIntArray {
	int size;
	int data[];
} TfLiteIntArray;

struct TfLiteContext;
struct TfLiteDelegate;

typedef struct TfLiteExternalContext {
	int type;
	int (*Refresh)(struct TfLiteContext *);
} TfLiteExternalContext;

typedef struct TfLiteTensor {
	int type;
	union {
		void *raw;
		uint8_t *uint8;
	} data;
	TfLiteIntArray *dims;
	struct {
		float scale;
		int32_t zero_point;
	} params;
	int allocation_type;
	size_t bytes;
	const void *allocation;
	const char *name;
	struct TfLiteDelegate *delegate;
	int buffer_handle;
	bool data_is_stale;
	bool is_variable;
	struct {
		int type;
		void *params;
	} quantization;
	void *sparsity;
	const TfLiteIntArray *dims_signature;
} TfLiteTensor;

typedef struct TfLiteNode {
	TfLiteIntArray *inputs;
	TfLiteIntArray *outputs;
	TfLiteIntArray *intermediates;
	TfLiteIntArray *temporaries;
	void *user_data;
	void *builtin_data;
	const void *custom_initial_data;
	int custom_initial_data_size;
	struct TfLiteDelegate *delegate;
	bool might_have_side_effect; // TF ≥ 2.6; libedgetpu never reads it
} TfLiteNode;

// TfLiteRegistration as TF 2.5 and earlier lay it out (TfLiteRegistration_V1
// today): the prefix every later layout shares.
typedef struct TfLiteRegistrationV1 {
	void *(*init)(struct TfLiteContext *, const char *buffer, size_t length);
	void (*free)(struct TfLiteContext *, void *buffer);
	int (*prepare)(struct TfLiteContext *, TfLiteNode *);
	int (*invoke)(struct TfLiteContext *, TfLiteNode *);
	const char *(*profiling_string)(const struct TfLiteContext *, const TfLiteNode *);
	int32_t builtin_code;
	const char *custom_name;
	int version;
} TfLiteRegistrationV1;

// TfLiteRegistration as TF 2.13 to 2.16 lay it out: V1 plus
// registration_external, async_kernel and inplace_operator.
typedef struct TfLiteRegistrationV216 {
	TfLiteRegistrationV1 v1;
	void *registration_external;
	void *(*async_kernel)(struct TfLiteContext *, TfLiteNode *);
	uint64_t inplace_operator;
} TfLiteRegistrationV216;

typedef struct TfLiteDelegateParams {
	struct TfLiteDelegate *delegate;
	TfLiteIntArray *nodes_to_replace;
	TfLiteIntArray *input_tensors;
	TfLiteIntArray *output_tensors;
} TfLiteDelegateParams;

// TfLiteDelegate's first fields: the host reads data_, Prepare and flags
// only (what follows differs between TF versions).
typedef struct TfLiteDelegate {
	void *data_;
	int (*Prepare)(struct TfLiteContext *, struct TfLiteDelegate *);
	void *CopyFromBufferHandle;
	void *CopyToBufferHandle;
	void *FreeBufferHandle;
	int64_t flags;
} TfLiteDelegate;

// The callback slot libedgetpu calls with the registration by value. Its
// declared parameter type is the layout the host was compiled for; see
// shim.c for how a mismatch is caught on 32-bit ARM.
typedef int (*ptpu_replace_v1_fn)(struct TfLiteContext *, TfLiteRegistrationV1, const TfLiteIntArray *, TfLiteDelegate *);
typedef int (*ptpu_replace_v216_fn)(struct TfLiteContext *, TfLiteRegistrationV216, const TfLiteIntArray *, TfLiteDelegate *);

// TfLiteContext in the TF 2.16 layout (the host allocates it, so the
// largest layout serves libraries built against any earlier one).
typedef struct TfLiteContext {
	size_t tensors_size;
	int (*GetExecutionPlan)(struct TfLiteContext *, TfLiteIntArray **plan);
	TfLiteTensor *tensors;
	void *impl_;
	int (*ResizeTensor)(struct TfLiteContext *, TfLiteTensor *, TfLiteIntArray *new_size);
	void (*ReportError)(struct TfLiteContext *, const char *format, ...);
	int (*AddTensors)(struct TfLiteContext *, int n, int *first);
	int (*GetNodeAndRegistration)(struct TfLiteContext *, int node, TfLiteNode **, TfLiteRegistrationV1 **);
	ptpu_replace_v1_fn ReplaceNodeSubsetsWithDelegateKernels; // or ptpu_replace_v216_fn
	int recommended_num_threads;
	TfLiteExternalContext *(*GetExternalContext)(struct TfLiteContext *, int type);
	void (*SetExternalContext)(struct TfLiteContext *, int type, TfLiteExternalContext *);
	bool allow_fp32_relax_to_fp16;
	void *profiler;
	void *(*AllocatePersistentBuffer)(struct TfLiteContext *, size_t);
	int (*AllocateBufferForEval)(struct TfLiteContext *, size_t, void **);
	int (*RequestScratchBufferInArena)(struct TfLiteContext *, size_t, int *);
	void *(*GetScratchBuffer)(struct TfLiteContext *, int);
	int (*ResizeTensorExplicit)(struct TfLiteContext *, TfLiteTensor *, int, const int *);
	int (*PreviewDelegatePartitioning)(struct TfLiteContext *, const TfLiteIntArray *, TfLiteDelegateParams **, int *);
	TfLiteTensor *(*GetTensor)(const struct TfLiteContext *, int);
	void *(*GetEvalTensor)(const struct TfLiteContext *, int);
	int (*GetModelMetadata)(const struct TfLiteContext *, const char *, const char **, size_t *);
	int (*AcquireSubgraphContext)(struct TfLiteContext *, int, struct TfLiteContext **);
	int (*ReleaseSubgraphContext)(struct TfLiteContext *, int);
} TfLiteContext;

// edgetpu_c.h.
enum { ptpu_apex_pci = 0, ptpu_apex_usb = 1 };

struct edgetpu_device {
	int type;
	const char *path;
};

struct edgetpu_option {
	const char *name;
	const char *value;
};

// Offsets common.h gives these structs on LP64 (amd64, arm64) and ILP32
// (armhf): a wrong field here would make libedgetpu read the wrong memory.
#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(sizeof(TfLiteTensor) == 112, "TfLiteTensor size");
_Static_assert(offsetof(TfLiteTensor, bytes) == 40, "TfLiteTensor.bytes");
_Static_assert(offsetof(TfLiteTensor, buffer_handle) == 72, "TfLiteTensor.buffer_handle");
_Static_assert(offsetof(TfLiteTensor, dims_signature) == 104, "TfLiteTensor.dims_signature");
_Static_assert(offsetof(TfLiteNode, custom_initial_data) == 48, "TfLiteNode.custom_initial_data");
_Static_assert(offsetof(TfLiteNode, custom_initial_data_size) == 56, "TfLiteNode.custom_initial_data_size");
_Static_assert(offsetof(TfLiteContext, GetNodeAndRegistration) == 56, "TfLiteContext.GetNodeAndRegistration");
_Static_assert(offsetof(TfLiteContext, ReplaceNodeSubsetsWithDelegateKernels) == 64, "TfLiteContext.Replace…");
_Static_assert(offsetof(TfLiteContext, GetExternalContext) == 80, "TfLiteContext.GetExternalContext");
_Static_assert(offsetof(TfLiteContext, AllocatePersistentBuffer) == 112, "TfLiteContext.AllocatePersistentBuffer");
_Static_assert(offsetof(TfLiteRegistrationV1, custom_name) == 48, "TfLiteRegistration.custom_name");
_Static_assert(sizeof(TfLiteRegistrationV1) == 64, "TfLiteRegistration_V1 size");
_Static_assert(sizeof(TfLiteRegistrationV216) == 88, "TfLiteRegistration (2.16) size");
_Static_assert(sizeof(TfLiteDelegate) == 48, "TfLiteDelegate prefix size");
#elif UINTPTR_MAX == 0xffffffffu
_Static_assert(sizeof(TfLiteTensor) == 64, "TfLiteTensor size");
_Static_assert(offsetof(TfLiteTensor, buffer_handle) == 40, "TfLiteTensor.buffer_handle");
_Static_assert(sizeof(TfLiteRegistrationV1) == 32, "TfLiteRegistration_V1 size");
_Static_assert(sizeof(TfLiteRegistrationV216) == 48, "TfLiteRegistration (2.16) size");
#endif

#endif
