# kernels_add_sample_kernel(<dir>
#                           CPU_SOURCES <Torch-free CPU sources...>
#                           CUDA_SOURCES <Torch-free .cu sources...>)
#
# Builds kernels-src/<dir> (its build.toml names the kernel) for the Torch that
# kernels-src/CMakeLists.txt found, once per backend (cpu, and cuda when KERNELS_SAMPLES_CUDA),
# and lays each build out as <binary dir>/<dir>/build/<variant>/ with layout_variant.py.
# csrc/ops.cpp is the kernel's only translation unit that includes Torch.
#
# The shared object and the ops namespace are named `_<python_name>_<backend>_<uid>`, as the Hub's
# builds are (kernels-spec.md 9.1); uid is the first 7 hex digits of a SHA-256 over the kernel's
# and the common sources, so a changed source gives a new namespace.
function(kernels_add_sample_kernel dir)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "CPU_SOURCES;CUDA_SOURCES")
  set(kernel_dir "${CMAKE_CURRENT_SOURCE_DIR}/${dir}")
  file(READ "${kernel_dir}/build.toml" build_toml)
  string(REGEX MATCH "\nname = \"([a-z][-a-z0-9]*)\"" _ "\n${build_toml}")
  set(name "${CMAKE_MATCH_1}")
  if(name STREQUAL "")
    message(FATAL_ERROR "kernels-src/${dir}/build.toml: no [general] name")
  endif()
  string(REPLACE "-" "_" python_name "${name}")

  file(GLOB_RECURSE hashed CONFIGURE_DEPENDS "${kernel_dir}/*" "${KERNELS_SAMPLES_COMMON_DIR}/*")
  list(SORT hashed)
  set(fingerprint "")
  foreach(file IN LISTS hashed)
    file(SHA256 "${file}" file_hash)
    file(RELATIVE_PATH relative "${CMAKE_CURRENT_SOURCE_DIR}" "${file}")
    string(APPEND fingerprint "${relative} ${file_hash}\n")
  endforeach()
  string(SHA256 fingerprint "${fingerprint}")
  string(SUBSTRING "${fingerprint}" 0 7 uid)

  list(TRANSFORM arg_CPU_SOURCES PREPEND "${kernel_dir}/")
  list(TRANSFORM arg_CUDA_SOURCES PREPEND "${kernel_dir}/")
  # The Torch-free CPU loops are the same in every variant: compiled once.
  set(loops "sample_${python_name}_cpu_loops")
  add_library(${loops} OBJECT ${arg_CPU_SOURCES})
  set_target_properties(${loops} PROPERTIES POSITION_INDEPENDENT_CODE ON
                        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_include_directories(${loops} PRIVATE "${kernel_dir}/csrc" "${KERNELS_SAMPLES_COMMON_DIR}")
  target_link_libraries(${loops} PRIVATE kernels_samples_settings)

  set(backends cpu)
  if(KERNELS_SAMPLES_CUDA)
    list(APPEND backends cuda)
  endif()
  foreach(backend IN LISTS backends)
    set(ops_id "_${python_name}_${backend}_${uid}")
    set(target "sample_${python_name}_${backend}")
    set(sources "${kernel_dir}/csrc/ops.cpp" $<TARGET_OBJECTS:${loops}>)
    if(backend STREQUAL "cuda")
      list(APPEND sources ${arg_CUDA_SOURCES})
      set(variant "${KERNELS_TORCH_FRAMEWORK}-${KERNELS_TORCH_COMPUTE_CUDA}-${KERNELS_TORCH_ARCH}")
    else()
      set(variant "${KERNELS_TORCH_FRAMEWORK}-cpu-${KERNELS_TORCH_ARCH}")
    endif()

    add_library(${target} MODULE ${sources})
    set_target_properties(${target} PROPERTIES
      OUTPUT_NAME "${ops_id}" PREFIX "" SUFFIX ".so"
      CXX_VISIBILITY_PRESET hidden CUDA_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
      LIBRARY_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/lib/${dir}-${backend}")
    target_include_directories(${target} PRIVATE "${kernel_dir}/csrc" "${KERNELS_SAMPLES_COMMON_DIR}"
                               "${KERNELS_SAMPLES_REPO_ROOT}/lib/include")
    target_compile_definitions(${target} PRIVATE
      KERNELS_OPS_NAMESPACE=${ops_id}
      KERNELS_KERNEL_NAME="${name}"
      KERNELS_TORCH_VERSION="${KERNELS_TORCH_VERSION}"
      KERNELS_CXX11_ABI=${KERNELS_TORCH_CXX11_ABI}u)
    target_link_libraries(${target} PRIVATE kernels_samples_settings kernels_samples_torch)
    if(backend STREQUAL "cuda")
      target_compile_definitions(${target} PRIVATE KERNELS_WITH_CUDA)
      target_link_libraries(${target} PRIVATE kernels_samples_torch_cuda)
    endif()

    set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/${dir}")
    set(stamp "${out_dir}/build/${variant}/metadata.json")
    file(GLOB package_files CONFIGURE_DEPENDS "${kernel_dir}/torch-ext/${python_name}/*.py")
    add_custom_command(
      OUTPUT "${stamp}"
      COMMAND "${KERNELS_PYTHON}" "${KERNELS_SAMPLES_LAYOUT_SCRIPT}"
              --kernel-dir "${kernel_dir}" --library "$<TARGET_FILE:${target}>"
              --ops-id "${ops_id}" --backend "${backend}" --variant "${variant}"
              --out "${out_dir}"
      DEPENDS ${target} "${KERNELS_SAMPLES_LAYOUT_SCRIPT}" "${kernel_dir}/build.toml" ${package_files}
      COMMENT "Laying out ${name} as build/${variant}"
      VERBATIM)
    add_custom_target(${target}_layout ALL DEPENDS "${stamp}")
    set_property(GLOBAL APPEND PROPERTY KERNELS_SAMPLE_VARIANTS "${out_dir}/build/${variant}")
  endforeach()
endfunction()
