#pragma once

// The loader's shared library exports only its API (it is built with hidden visibility, and the
// static libraries it contains are kept out of its symbol table).
#if defined(KERNELS_LOADER_BUILDING)
#define KERNELS_LOADER_API __attribute__((visibility("default")))
#else
#define KERNELS_LOADER_API
#endif
