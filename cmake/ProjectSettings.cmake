# Compiler warnings and sanitizers, carried by one INTERFACE target that every project target links.
add_library(kernels_project_settings INTERFACE)

target_compile_options(kernels_project_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough)

if(KERNELS_WERROR)
  target_compile_options(kernels_project_settings INTERFACE -Werror)
endif()

if(KERNELS_SANITIZE)
  set(_kernels_sanitizers -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_compile_options(kernels_project_settings INTERFACE ${_kernels_sanitizers})
  target_link_options(kernels_project_settings INTERFACE ${_kernels_sanitizers})
endif()
