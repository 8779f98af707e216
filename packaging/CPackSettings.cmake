# CPack: `cpack -G DEB` and `cpack -G TGZ` in the build folder package what `cmake --install`
# installs (cmake/KernelsInstall.cmake), as one package `kernels` (the tool, the libraries, their
# headers, the CMake and pkg-config files).
set(CPACK_PACKAGE_NAME "kernels")
set(CPACK_PACKAGE_VENDOR "kernels developers")
set(CPACK_PACKAGE_CONTACT "kernels developers <dev@kernels.invalid>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "kernels locks, downloads and verifies compute kernels from the Hugging Face Hub (the same "
    "kernels.lock, variant rules and cache as Hugging Face's Python kernels). The package holds "
    "the kernels command and libkernels-loader, which loads locked kernels at run time from the "
    "lock and the cache without network, with its C and C++ headers, CMake package and "
    "pkg-config file.")
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")
set(CPACK_GENERATOR "DEB;TGZ")
# Both generators package every component as one package.
set(CPACK_ARCHIVE_COMPONENT_INSTALL OFF)
set(CPACK_DEB_COMPONENT_INSTALL OFF)
# Debug information stays in the build folder.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Depends: from the shared libraries the files link (dpkg-shlibdeps, Debian's dpkg-dev; CPack
# finds the ELF files with `file`), else the list of a Debian 12 build. libkernels-torch's libtorch
# comes from a Python wheel, which no Debian package provides: dpkg-shlibdeps looks for it among
# the private folders and skips it.
find_program(KERNELS_DPKG_SHLIBDEPS dpkg-shlibdeps)
find_program(KERNELS_FILE_COMMAND file)
if(KERNELS_DPKG_SHLIBDEPS AND KERNELS_FILE_COMMAND)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(_shlibdeps_private_dirs "${PROJECT_BINARY_DIR}/lib/loader")
  if(TARGET kernels_torch)
    get_target_property(_torch_libraries kernels_samples_torch INTERFACE_LINK_LIBRARIES)
    foreach(_library IN LISTS _torch_libraries)
      get_filename_component(_library_dir "${_library}" DIRECTORY)
      list(APPEND _shlibdeps_private_dirs "${_library_dir}")
    endforeach()
    list(REMOVE_DUPLICATES _shlibdeps_private_dirs)
  endif()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${_shlibdeps_private_dirs}")
else()
  # What dpkg-shlibdeps finds for a Debian 12 build.
  set(_debian12_depends "libarchive13 (>= 3.3.3)" "libc6 (>= 2.34)"
      "libcpp-httplib0.11 (>= 0.11.4+ds)" "libcurl4 (>= 7.66.0)" "libelf1 (>= 0.144)"
      "libgcc-s1 (>= 3.0)" "libssl3 (>= 3.0.0)" "libstdc++6 (>= 12)" "libtomlplusplus3 (>= 3.2.0)")
  list(JOIN _debian12_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
endif()
# The C++ headers return tl::expected; the CMake package finds it.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libexpected-dev, pkg-config")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")
# A shlibs file, so that packages built against the libraries depend on this package (CPack also
# adds postinst and postrm scripts that run ldconfig).
if(KERNELS_FILE_COMMAND)
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
  set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
endif()

include(CPack)
