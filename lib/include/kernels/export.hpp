#pragma once

// KERNELS_API marks the functions of lib/include that the loader's shared library exports,
// because its installed headers declare them (a consumer may call parse_variant or
// Environment::from_process). The static libraries are built with hidden visibility, so in the
// loader only what carries this mark (and the loader's own API) leaves the library; in the CLI and
// the tests, which link the static libraries, the mark changes nothing.
#define KERNELS_API __attribute__((visibility("default")))
