#pragma once

// Just enough ELF reading to tell which C++ ABI a shared library was built with: whether the
// string table of its dynamic symbols mentions `__cxx11` (the inline namespace of libstdc++'s
// new-ABI std::string and std::list, present in the mangled name of every exported function that
// takes one). The abi/ layer's full ELF reader may replace this later.

#include <filesystem>
#include <string_view>

#include "kernels/error.hpp"

namespace kernels::system_detail {

// Whether the string table linked from the file's dynamic symbol table (SHT_DYNSYM) contains
// `needle`. Errors: not an ELF file, truncated or inconsistent headers, no dynamic symbols.
[[nodiscard]] Result<bool> elf_dynamic_strings_contain(const std::filesystem::path& file,
                                                       std::string_view needle);

}  // namespace kernels::system_detail
