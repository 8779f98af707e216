// Intentionally small: Error is header-only; this file anchors the util layer in the library.
#include "kernels/error.hpp"
