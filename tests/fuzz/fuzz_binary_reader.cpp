// Shared objects of a downloaded kernel are untrusted bytes: the ELF and Mach-O readers (first
// byte picks: format detection, ELF, Mach-O) must answer every input without a crash, and what
// they accept must go through the ABI checks without one.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "kernels/abi/binary_file.hpp"
#include "kernels/abi/macos_check.hpp"
#include "kernels/abi/manylinux_policy.hpp"

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kernels;
  const auto [choice, text] = fuzz::select(fuzz::as_text(data, size), 3);
  const auto bytes = std::as_bytes(std::span(text.data(), text.size()));
  std::optional<ElfInfo> elf;
  std::optional<MachOInfo> macho;
  switch (choice) {
    case 0: {
      auto binary = read_binary(bytes);
      if (binary) {
        elf = binary->elf;
        macho = binary->macho;
      }
      break;
    }
    case 1:
      if (auto read = read_elf(bytes)) elf = std::move(*read);
      break;
    default:
      if (auto read = read_macho(bytes)) macho = std::move(*read);
      break;
  }
  if (elf) {
    static const auto policies = ManylinuxPolicies::builtin();
    fuzz::require(policies.has_value(), "the built-in manylinux policies parse");
    if (const ManylinuxPolicy* policy = policies->find("manylinux_2_28")) {
      (void)check_manylinux(*elf, *policy, *policies);
    }
  }
  if (macho) (void)check_macos(*macho, MacOsVersion{15, 0, std::nullopt});
  return 0;
}
