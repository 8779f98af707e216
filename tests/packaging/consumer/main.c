/* The loader's C API from C: opens a lockfile and prints the status (tests/packaging).
 *
 *   kernels-consumer-c LOCKFILE
 */
#include <stdio.h>

#include "kernels_loader.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: kernels-consumer-c LOCKFILE\n");
    return 2;
  }
  kernels_loader_options options = {0};
  options.lockfile = argv[1];
  kernels_loader* loader = NULL;
  kernels_error* error = NULL;
  kernels_status status = kernels_loader_open(&options, &loader, &error);
  if (status != KERNELS_OK) {
    printf("c open: %d: %s\n", (int)status, kernels_error_message(error));
    kernels_error_free(error);
    return (int)status;
  }
  printf("c open: ok\n");
  kernels_loader_close(loader);
  return 0;
}
