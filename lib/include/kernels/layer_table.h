#ifndef KERNELS_LAYER_TABLE_H
#define KERNELS_LAYER_TABLE_H

/*
 * The C++ layer table: how a kernel's shared object tells a C++ program which layers it implements.
 *
 * A kernel library exports one C function, KERNELS_LAYER_TABLE_SYMBOL ("kernels_layer_table_v1"),
 * returning a pointer to a table that lives as long as the library stays loaded. The table is plain
 * C (no Torch types), so a loader can read it with dlsym() before it trusts anything else in the
 * library; only the forward pointers are C++ and are called through the types documented below.
 * The same table is shipped as JSON (`layers.json` in the variant folder), described by
 * schemas/layer-table.schema.json, so tools can inspect a variant without loading it.
 *
 * What a loader / kernelize must check before swapping a module's forward for a layer's:
 *   1. table != NULL, table->version == KERNELS_LAYER_TABLE_VERSION and
 *      table->layer_size >= sizeof(struct kernels_layer) (a newer library may append fields to a
 *      layer; index the array with layer_size, never with sizeof);
 *   2. table->kernel_id equals metadata.json's `id` of the variant it loaded (the ops namespace),
 *      and table->torch_version / table->cxx11_abi equal the libtorch of the process (the forward
 *      pointers pass at::Tensor by reference: a different libtorch is undefined behaviour);
 *   3. the layer with the requested name exists, and its forward_signature equals, byte for byte,
 *      the signature the module's C++ class declares for that name (see "Signatures");
 *   4. the module's device is in `devices`; for training, KERNELS_LAYER_HAS_BACKWARD and
 *      KERNELS_LAYER_SUPPORTS_TRAINING are set; for inference KERNELS_LAYER_SUPPORTS_INFERENCE;
 *      with torch.compile-like tracing KERNELS_LAYER_SUPPORTS_TORCH_COMPILE (the ops have Meta
 *      kernels). Otherwise the module keeps its own forward (or kernelize fails without fallback),
 *      as the reference's kernelize does (kernels-spec.md section 10.5).
 *
 * Signatures use the Torch schema spelling of the forward's arguments, names included, e.g.
 *   "(Tensor x) -> Tensor"                              at::Tensor (*)(const at::Tensor&)
 *   "(Tensor x, Tensor weight, float eps) -> Tensor"    at::Tensor (*)(const at::Tensor&,
 *                                                                       const at::Tensor&, double)
 * Argument types map to C++ parameters as Torch's dispatcher maps them: Tensor -> const
 * at::Tensor&, float -> double, int -> int64_t, bool -> bool; the result Tensor -> at::Tensor
 * (returned by value). The loader casts `forward` to that function pointer type only after check 3.
 * The function may throw c10::Error (a refused input: wrong dtype, device or shape), exactly like
 * the Torch op of the same kernel; a caller built against the same libtorch catches it as usual.
 * The arguments a module's state provides (an RMSNorm's weight and epsilon) are passed by the
 * module's own code: the layer table only promises the function and its argument list.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KERNELS_LAYER_TABLE_VERSION 1u
#define KERNELS_LAYER_TABLE_SYMBOL "kernels_layer_table_v1"

/* kernels_layer.flags */
#define KERNELS_LAYER_HAS_BACKWARD 0x1u
#define KERNELS_LAYER_SUPPORTS_INFERENCE 0x2u
#define KERNELS_LAYER_SUPPORTS_TRAINING 0x4u
#define KERNELS_LAYER_SUPPORTS_TORCH_COMPILE 0x8u

/* kernels_layer.devices: the device types the forward accepts tensors on. */
#define KERNELS_DEVICE_CPU 0x1u
#define KERNELS_DEVICE_CUDA 0x2u
#define KERNELS_DEVICE_ROCM 0x4u
#define KERNELS_DEVICE_XPU 0x8u
#define KERNELS_DEVICE_MPS 0x10u

struct kernels_layer {
  const char* name;              /* the layer name a module opts in with, e.g. "SiluAndMul" */
  const char* forward_signature; /* "(Tensor x) -> Tensor"; see "Signatures" above */
  uint32_t flags;                /* KERNELS_LAYER_* bits */
  uint32_t devices;              /* KERNELS_DEVICE_* bits */
  void* forward;                 /* C++ function pointer of the type the signature names */
};

struct kernels_layer_table {
  uint32_t version;          /* KERNELS_LAYER_TABLE_VERSION the library was built with */
  uint32_t layer_size;       /* sizeof(struct kernels_layer) in the library */
  const char* kernel_name;   /* metadata.json `name`, e.g. "rms-norm" */
  const char* kernel_id;     /* metadata.json `id`: the Torch ops namespace of the library */
  const char* torch_version; /* the libtorch it was built against, "2.11.0" */
  uint32_t cxx11_abi;        /* 1 when built with _GLIBCXX_USE_CXX11_ABI=1 */
  uint32_t layer_count;      /* number of entries in `layers` */
  const struct kernels_layer* layers;
};

/* The exported symbol's type: dlsym(handle, KERNELS_LAYER_TABLE_SYMBOL) cast to this. */
typedef const struct kernels_layer_table* (*kernels_layer_table_v1_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* KERNELS_LAYER_TABLE_H */
