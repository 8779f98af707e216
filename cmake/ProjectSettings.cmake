# Compiler warnings and sanitizers, carried by one INTERFACE target that every project target links.
add_library(kernels_project_settings INTERFACE)

target_compile_options(kernels_project_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough)

if(KERNELS_WERROR)
  target_compile_options(kernels_project_settings INTERFACE -Werror)
  # GCC 12 inlines libstdc++'s string building deeper at -O3 (Release) and then warns about
  # overlaps and uninitialized bytes that cannot happen (GCC bug 105329 and its kin: -Wrestrict
  # at every `"literal" + std::string`, about ten files). They stay warnings there, so that a
  # Release build with warnings as errors builds; the ci preset (-O2) keeps them errors.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(kernels_project_settings INTERFACE
      $<$<CONFIG:Release>:-Wno-error=restrict -Wno-error=maybe-uninitialized>)
  endif()
endif()

if(KERNELS_SANITIZE)
  set(_kernels_sanitizers -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_compile_options(kernels_project_settings INTERFACE ${_kernels_sanitizers})
  target_link_options(kernels_project_settings INTERFACE ${_kernels_sanitizers})
endif()

if(KERNELS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "KERNELS_FUZZ needs Clang (libFuzzer); use the `fuzz` preset")
  endif()
  # Coverage instrumentation for libFuzzer in every object; the fuzz executables add the driver.
  target_compile_options(kernels_project_settings INTERFACE -fsanitize=fuzzer-no-link)
endif()
