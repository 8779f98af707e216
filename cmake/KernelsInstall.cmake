# Install rules, the CMake package (find_package(kernels CONFIG)), the pkg-config file of the
# loader and CPack (.deb, .tar.gz). Included last from the top-level CMakeLists.txt, once every
# target exists.
#
# What is installed (paths relative to the prefix; DESIGN.md "packaging/"):
#   bin/kernels                                   the command line tool (static project code)
#   lib/libkernels-loader.so.0 (+ .so, .so.0.x.y) kernels::loader
#   lib/libkernels-torch.so.0  (+ .so, .so.0.x.y) kernels::torch, when Torch was found
#   include/kernels_loader.h, include/kernels/... the public headers those two need, no more
#   lib/cmake/kernels/                            kernelsConfig.cmake and the exported targets
#   lib/pkgconfig/kernels-loader.pc
#   share/man/man1/kernels.1                      when help2man is installed
#   share/bash-completion, share/zsh, share/fish  the completion scripts of completions/
#   share/doc/kernels/README.md
# kernels_base and kernels_core are static and linked into the programs and libraries above, so
# neither they nor the headers of their other layers are installed.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(KERNELS_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/kernels")
set(_packaging_dir "${PROJECT_SOURCE_DIR}/packaging")

# --- the command line tool, its man page and completions ------------------------------------------
# It links no shared library of the project, so it needs no RPATH.
install(TARGETS kernels_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runtime)
if(TARGET man)
  install(FILES "${PROJECT_BINARY_DIR}/cli/kernels.1"
          DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT runtime)
endif()
install(FILES "${PROJECT_SOURCE_DIR}/completions/kernels.bash"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" RENAME kernels
        COMPONENT runtime)
install(FILES "${PROJECT_SOURCE_DIR}/completions/_kernels"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions" COMPONENT runtime)
install(FILES "${PROJECT_SOURCE_DIR}/completions/kernels.fish"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d" COMPONENT runtime)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}"
        COMPONENT runtime)

# --- kernels::loader ------------------------------------------------------------------------------
# Its headers use the library's own types from lib/include (not its code): this is their include
# closure. tests/packaging compiles every installed header on its own against the installed
# prefix only, so a header that starts including another fails there until it is listed here.
set(KERNELS_LOADER_SHARED_HEADERS
  kernels/error.hpp
  kernels/export.hpp
  kernels/layer_table.h
  kernels/model/dependency.hpp
  kernels/model/metadata.hpp
  kernels/model/system_info.hpp
  kernels/model/variant.hpp
  kernels/util/environment.hpp)

# Consumers of the installed library compile against the installed headers; the headers need
# C++20 (operator<=>).
target_include_directories(kernels_loader INTERFACE
  "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
target_compile_features(kernels_loader PUBLIC cxx_std_20)
set_target_properties(kernels_loader PROPERTIES EXPORT_NAME loader)

install(TARGETS kernels_loader EXPORT kernels-loader-targets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime NAMELINK_COMPONENT development)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/lib/loader/include/"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT development)
foreach(_header IN LISTS KERNELS_LOADER_SHARED_HEADERS)
  get_filename_component(_header_dir "${_header}" DIRECTORY)
  install(FILES "${PROJECT_SOURCE_DIR}/lib/include/${_header}"
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/${_header_dir}" COMPONENT development)
endforeach()
install(EXPORT kernels-loader-targets NAMESPACE kernels::
        DESTINATION "${KERNELS_INSTALL_CMAKEDIR}" COMPONENT development)

# --- kernels::torch (when Torch was found) --------------------------------------------------------
# Built against the Torch of the project's Python; installed, it links whatever Torch the consumer
# found (the `torch` target of TorchConfig.cmake, see packaging/kernelsConfig.cmake.in), which must
# be the same version and C++ ABI.
if(TARGET kernels_torch)
  # Written into kernelsConfig.cmake, which refuses another minor version of Torch.
  get_directory_property(KERNELS_TORCH_VERSION DIRECTORY "${PROJECT_SOURCE_DIR}/kernels-src"
                         DEFINITION KERNELS_TORCH_VERSION)
  set_target_properties(kernels_torch PROPERTIES
    EXPORT_NAME torch
    # libkernels-loader sits beside it; libtorch is the consumer's to find, as for any program
    # that links libtorch.
    INSTALL_RPATH "$ORIGIN")
  target_include_directories(kernels_torch INTERFACE
    "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")

  install(TARGETS kernels_torch EXPORT kernels-torch-targets
    LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime NAMELINK_COMPONENT development)
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/lib/torch/include/"
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT development)
  install(EXPORT kernels-torch-targets NAMESPACE kernels::
          DESTINATION "${KERNELS_INSTALL_CMAKEDIR}" COMPONENT development)
endif()

# --- the CMake package ----------------------------------------------------------------------------
configure_package_config_file("${_packaging_dir}/kernelsConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/packaging/kernelsConfig.cmake"
  INSTALL_DESTINATION "${KERNELS_INSTALL_CMAKEDIR}")
# The shared libraries' SOVERSION is the major version: a package of the same major version is
# compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/packaging/kernelsConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/packaging/kernelsConfig.cmake"
              "${PROJECT_BINARY_DIR}/packaging/kernelsConfigVersion.cmake"
        DESTINATION "${KERNELS_INSTALL_CMAKEDIR}" COMPONENT development)

# --- pkg-config -----------------------------------------------------------------------------------
# Relocatable: the prefix is found from the .pc file's own folder (${pcfiledir}), unless the
# library or include folder was given as an absolute path.
set(_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(KERNELS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(KERNELS_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(KERNELS_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _pc_to_prefix "/prefix/${_pc_dir}" "/prefix")
  string(REGEX REPLACE "/$" "" _pc_to_prefix "${_pc_to_prefix}")
  set(KERNELS_PC_PREFIX "\${pcfiledir}/${_pc_to_prefix}")
  set(KERNELS_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(KERNELS_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${_packaging_dir}/kernels-loader.pc.in"
               "${PROJECT_BINARY_DIR}/packaging/kernels-loader.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/packaging/kernels-loader.pc" DESTINATION "${_pc_dir}"
        COMPONENT development)

# --- CPack ----------------------------------------------------------------------------------------
include("${_packaging_dir}/CPackSettings.cmake")
