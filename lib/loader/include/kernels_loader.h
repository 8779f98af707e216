#ifndef KERNELS_LOADER_H
#define KERNELS_LOADER_H

/*
 * The C API of the kernels loader (the C++ API is kernels/loader/loader.hpp): load a locked
 * kernel from kernels.lock and the cache that `kernels download` filled, never the network.
 *
 *   kernels_loader_options options = {0};
 *   options.lockfile = "kernels.lock";
 *   kernels_loader* loader = NULL;
 *   kernels_error* error = NULL;
 *   if (kernels_loader_open(&options, &loader, &error) != KERNELS_OK) {
 *     fprintf(stderr, "%s\n", kernels_error_message(error));
 *     kernels_error_free(error);
 *   }
 *   const kernels_kernel* kernel = NULL;
 *   kernels_loader_load(loader, "kernels-community/relu", &kernel, &error);
 *   const struct kernels_layer* layer = kernels_kernel_find_layer(kernel, "ReLU");
 *   ...
 *   kernels_loader_close(loader);
 *
 * Status codes equal the `kernels` command's exit codes for the same failure. Strings returned
 * by kernels_kernel_* live as long as the loader; a kernel's library stays loaded for the life
 * of the process.
 */

#include "kernels/layer_table.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(KERNELS_LOADER_BUILDING)
#define KERNELS_LOADER_C_API __attribute__((visibility("default")))
#else
#define KERNELS_LOADER_C_API
#endif

typedef enum kernels_status {
  KERNELS_OK = 0,
  KERNELS_FAILURE = 1,
  KERNELS_USAGE = 2,            /* a malformed option or environment value */
  KERNELS_LOCK_OUT_OF_DATE = 3, /* (not reported by the loader, which reads the lock as it is) */
  KERNELS_INTEGRITY = 4,        /* the cache does not match the lock: run `kernels download` */
  KERNELS_NETWORK = 5,          /* (not reported by the loader, which never uses the network) */
  KERNELS_NOT_FOUND = 6         /* not locked, not downloaded, no variant for this system */
} kernels_status;

typedef enum kernels_log_level {
  KERNELS_LOG_DEBUG = 0,
  KERNELS_LOG_INFO = 1,
  KERNELS_LOG_WARNING = 2
} kernels_log_level;

typedef void (*kernels_log_fn)(kernels_log_level level, const char* message, void* user_data);

typedef struct kernels_loader_options {
  const char* lockfile;  /* kernels.lock or its project folder; required */
  const char* cache_dir; /* NULL: as `kernels` resolves it */
  const char* backend;   /* NULL, or "cpu" to prefer CPU variants */
  int verify_full;       /* nonzero: re-hash every file even when the verified marker holds */
  kernels_log_fn log;    /* NULL: no log */
  void* log_user_data;
} kernels_loader_options;

typedef struct kernels_loader kernels_loader;
typedef struct kernels_kernel kernels_kernel;
typedef struct kernels_error kernels_error;

/* Errors: *error (when error is not NULL) receives an error to free with kernels_error_free. */
KERNELS_LOADER_C_API kernels_status kernels_loader_open(const kernels_loader_options* options,
                                                        kernels_loader** loader,
                                                        kernels_error** error);
KERNELS_LOADER_C_API void kernels_loader_close(kernels_loader* loader);
/* 0 when USE_HUB_KERNELS turned kernels off. */
KERNELS_LOADER_C_API int kernels_loader_enabled(const kernels_loader* loader);
KERNELS_LOADER_C_API kernels_status kernels_loader_load(kernels_loader* loader, const char* repo_id,
                                                        const kernels_kernel** kernel,
                                                        kernels_error** error);

KERNELS_LOADER_C_API const char* kernels_kernel_repo_id(const kernels_kernel* kernel);
KERNELS_LOADER_C_API const char* kernels_kernel_commit(const kernels_kernel* kernel);
KERNELS_LOADER_C_API const char* kernels_kernel_variant(const kernels_kernel* kernel);
KERNELS_LOADER_C_API const char* kernels_kernel_directory(const kernels_kernel* kernel);
KERNELS_LOADER_C_API const char* kernels_kernel_library(const kernels_kernel* kernel);
KERNELS_LOADER_C_API const char* kernels_kernel_ops_namespace(const kernels_kernel* kernel);
/* "marker", "full" or "local". */
KERNELS_LOADER_C_API const char* kernels_kernel_verification(const kernels_kernel* kernel);
KERNELS_LOADER_C_API void* kernels_kernel_symbol(const kernels_kernel* kernel, const char* name);
/* The checked layer table, or NULL when the library exports none. */
KERNELS_LOADER_C_API const struct kernels_layer_table* kernels_kernel_layer_table(
    const kernels_kernel* kernel);
/* The layer named `name`, or NULL. */
KERNELS_LOADER_C_API const struct kernels_layer* kernels_kernel_find_layer(
    const kernels_kernel* kernel, const char* name);

KERNELS_LOADER_C_API kernels_status kernels_error_status(const kernels_error* error);
KERNELS_LOADER_C_API const char* kernels_error_message(const kernels_error* error);
KERNELS_LOADER_C_API void kernels_error_free(kernels_error* error);

#ifdef __cplusplus
}
#endif

#endif /* KERNELS_LOADER_H */
