#pragma once

// read_elf without the copy, for a buffer the caller lets libelf modify (a private mapping).

#include <cstddef>
#include <span>

#include "kernels/abi/elf_reader.hpp"

namespace kernels::abi_detail {

[[nodiscard]] Result<ElfInfo> read_elf_image(std::span<std::byte> writable_image);

}  // namespace kernels::abi_detail
