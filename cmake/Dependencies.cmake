# Every dependency comes from Debian 12 packages (scripts/install-deps.sh installs them).
# Nothing is downloaded at configure or build time.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(tomlplusplus 3 REQUIRED)
find_package(tl-expected 1 REQUIRED)
find_package(CLI11 2 REQUIRED)
find_package(fmt 9 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
# libcurl with OpenSSL (libcurl4-openssl-dev): multi interface, HTTP/2 (nghttp2), CURLU, and
# CURLOPT_PROTOCOLS_STR, which needs 7.85.
find_package(CURL 7.85 REQUIRED)

# libarchive (tar with zstd) for `kernels bundle`.
pkg_check_modules(kernels_libarchive REQUIRED IMPORTED_TARGET libarchive>=3.6)

# cpp-httplib for the mirror server (`kernels serve`). Debian ships it as a compiled library
# whose .pc carries the CPPHTTPLIB_* defines it was built with (they change the layout of its
# types), so the header must be compiled with them: it is taken from pkg-config.
pkg_check_modules(kernels_mirror_httplib REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)

# libelf (elfutils, libelf-dev) reads the ELF shared objects that `kernels check --abi` judges.
pkg_check_modules(kernels_libelf REQUIRED IMPORTED_TARGET libelf>=0.176)

if(KERNELS_BUILD_TESTS)
  find_package(doctest 2.4 REQUIRED)
  # cpp-httplib serves the HTTP client's tests on 127.0.0.1. Debian ships it as a compiled
  # library whose .pc carries the CPPHTTPLIB_* defines it was built with; the header must be
  # compiled with the same ones, so it is taken from pkg-config.
  pkg_check_modules(cpp_httplib REQUIRED IMPORTED_TARGET cpp-httplib>=0.11)
endif()

message(STATUS "kernels: OpenSSL ${OPENSSL_VERSION}, nlohmann_json ${nlohmann_json_VERSION}, "
               "toml++ ${tomlplusplus_VERSION}, CLI11 ${CLI11_VERSION}, spdlog ${spdlog_VERSION}, "
               "libcurl ${CURL_VERSION_STRING}")
